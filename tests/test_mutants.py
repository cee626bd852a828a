"""Soundness by mutation: a single-edit mutant of a claim that differs numerically from the
left-hand side (per the independent oracle of :mod:`symw2v.diagnose.mutants`) is never proved
or checked. Refuted, undecided and malformed are all acceptable answers for a wrong formula."""

from __future__ import annotations

from functools import cache
from unittest import mock

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symw2v.derivation.loader import load, loads
from symw2v.diagnose.mutants import Mutant, differs_numerically, mutants
from symw2v.diagnose.search import UNSEARCHED
from symw2v.symbolic.lower import Scope
from symw2v.verify.checker import check_claim
from symw2v.verify.verdict import CHECKED, PROVED, ClaimResult
from tests.helpers import DERIVATIONS

BUDGET = 3.0  # seconds per claim: a wrong formula out of budget is undecided, which is fine
ACCEPTED = (PROVED, CHECKED)


def check(mutant: Mutant, claim_budget: float = BUDGET) -> ClaimResult:
    """The checker's verdict on the mutated claim. The diagnosis search only words a refutation
    (it never changes a verdict), so it is skipped to spend the budget on verdicts."""
    derivation = loads(mutant.source, mutant.path)
    claim = next(c for c in derivation.claims if c.id == mutant.claim)
    with mock.patch("symw2v.verify.checker.diagnose", return_value=UNSEARCHED):
        return check_claim(derivation, Scope.of(derivation), claim, claim_budget)


@cache
def catalogue() -> dict[tuple[str, str, str, str], Mutant]:
    """(file name, claim, formula field, mutated formula) -> the mutant."""
    return {
        (str(path.relative_to(DERIVATIONS)), m.claim, m.field, m.formula): m
        for path in sorted(DERIVATIONS.rglob("*.toml"))
        for m in mutants(path)
    }


@st.composite
def a_mutant(draw) -> tuple[str, str, str, str]:
    """A file, one of its claims, one of its formulas, one mutant of it (a readable key)."""
    keys = list(catalogue())
    for depth in range(4):
        options = sorted({k[depth] for k in keys})
        chosen = draw(st.sampled_from(options))
        keys = [k for k in keys if k[depth] == chosen]
    return keys[0]


def _field(mutant: Mutant) -> str:
    claim = next(c for c in loads(mutant.source, mutant.path).claims if c.id == mutant.claim)
    if mutant.field.startswith("steps["):
        return claim.steps[int(mutant.field[6:-1])].text
    return getattr(claim, mutant.field).text


@settings(max_examples=60)  # each example evaluates ~20 random instances and checks one claim
@given(key=a_mutant())
def test_a_mutant_that_differs_numerically_is_never_accepted(key):
    mutant = catalogue()[key]
    assert _field(mutant) == mutant.formula  # exactly the one formula was replaced
    assume(differs_numerically(mutant.source, mutant.claim))
    result = check(mutant)
    assert result.verdict not in ACCEPTED, (
        f"{mutant.path} claim {mutant.claim} {mutant.field} ({mutant.kind}: {mutant.description}): "
        f"{mutant.formula!r} is {result.verdict}, but differs numerically"
    )


@pytest.mark.parametrize(
    "name, claim",
    [(str(p.relative_to(DERIVATIONS)), c.id) for p in sorted(DERIVATIONS.rglob("*.toml")) for c in load(p).claims],
)
def test_the_oracle_finds_every_derivation_claim_equal(name, claim):
    assert differs_numerically((DERIVATIONS / name).read_text(encoding="utf-8"), claim) is False


# Known false acceptances: sizes equal at every instance the checker tried (M = K), and an
# index list whose repeats were never drawn at the position the mutant reads (ws[0]).
REGRESSIONS = [
    ("i_skipgram.toml", "i.v_c.closed", f"U.T @ ({size} * softmax(U @ v_c) - sum(j, onehot(ctx[j], V)))")
    for size in ("K", "V", "d")
] + [
    ("h_repeated_samples.toml", "h.count", "sum(j, [ws[j] == ws[0]]) * sigma(U[ws[s]] @ v_c) * v_c"),
    ("h_repeated_samples.toml", "h.count", "sum(j, [ws[j] == ws[s]]) * sigma(U[ws[0]] @ v_c) * v_c"),
    (
        "j_window_shared.toml",
        "j.samples.repeats",
        "n_pairs * sum(k, [ws[k] == ws[0]]) * sigma(U[ws[r]] @ v_c) * v_c",
    ),
    (
        "j_window_shared.toml",
        "j.samples.repeats",
        "n_pairs * sum(k, [ws[k] == ws[r]]) * sigma(U[ws[0]] @ v_c) * v_c",
    ),
    (
        "j_window_shared.toml",
        "j.ctx.repeats",
        "sum(j, [ctx[j] == ctx[0]] * m[j]) * (sigma(U[ctx[s]] @ v_c) - 1) * v_c",
    ),
    (
        "j_window_shared.toml",
        "j.ctx.repeats",
        "sum(j, [ctx[j] == ctx[s]] * m[j]) * (sigma(U[ctx[0]] @ v_c) - 1) * v_c",
    ),
]


@pytest.mark.parametrize("name, claim, formula", REGRESSIONS)
def test_known_false_acceptances_are_not_accepted(name, claim, formula):
    mutant = next(m for m in mutants(DERIVATIONS / name) if m.claim == claim and m.formula == formula)
    assert differs_numerically(mutant.source, claim) is True
    assert check(mutant, claim_budget=10.0).verdict not in ACCEPTED
