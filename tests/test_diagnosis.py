"""Mutation tests: take correct steps from derivations/, apply a catalogue edit that changes the
value, and check that the step is refuted and that the diagnosis names the repairing edit.
Equivalent rewrites must never be flagged."""

from __future__ import annotations

import dataclasses

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from symw2v.derivation.loader import load
from symw2v.diagnose.edits import CATALOGUE
from symw2v.diagnose.search import edit_context
from symw2v.language.printer import to_text
from symw2v.symbolic.lower import Scope
from symw2v.verify.checker import check_claim
from tests.helpers import DERIVATIONS, NEG, verdicts_of

# The kind an edit belongs to -> the words a diagnosis of its undoing must contain.
UNDONE_BY = {
    "sign": "sign flip",
    "transpose": "transpose",
    "factor": "factor 2",
    "sigma(x) for sigma(-x)": "sigma(x) written for sigma(-x)",
    "constant placement": "a constant",
    "wrong index": "wrong index",
    "wrong size": "wrong size",
    "extra term": "dropped term",  # removing a term is repaired by putting it back
}
# Correct multi-step claims with steps that are closed forms (not grad(...) calls).
CLAIMS = [
    ("b_grad_center.toml", "b"),
    ("c_grad_outside.toml", "c.o"),
    ("g1_neg_sampling.toml", "g.u_o"),
    ("g1_neg_sampling.toml", "g.u_ws"),
    ("i_skipgram.toml", "i.v_c.closed"),  # M * softmax(...): a size used as a value
]


@settings(max_examples=10)  # each example checks a whole claim and searches the catalogue
# `U[o]` for `U[ws[s]]`: the repair's index appears only in the claim's wrt (grad(J, U[ws[s]]))
@example(case=("g1_neg_sampling.toml", "g.u_ws"), kind="wrong index", pick=0, step_pick=92)
@given(
    case=st.sampled_from(CLAIMS),
    kind=st.sampled_from(sorted(UNDONE_BY)),
    pick=st.integers(0, 10**6),
    step_pick=st.integers(0, 10**6),
)
def test_a_mutated_step_is_refuted_and_diagnosed(case, kind, pick, step_pick):
    derivation = load(DERIVATIONS / case[0])
    scope = Scope.of(derivation)
    claim = next(c for c in derivation.claims if c.id == case[1])
    steps = [n for n, f in enumerate(claim.chain) if n > 0 and "grad(" not in f.text]
    n = steps[step_pick % len(steps)]
    edits = list(CATALOGUE[kind](claim.chain[n].tree, edit_context(scope, claim)))
    assume(edits)
    description, tree = edits[pick % len(edits)]
    text = to_text(tree)
    mutated_formula = dataclasses.replace(claim.chain[n], text=text, tree=tree)
    # The mutated step right after the left-hand side, then the correct result (whose terms the
    # diagnosis may draw on): the step is compared with grad(J, wrt) itself.
    chain = [claim.chain[0], mutated_formula] + ([claim.chain[-1]] if n < len(claim.chain) - 1 else [])
    mutated = dataclasses.replace(claim, steps=tuple(chain[1:-1]), result=chain[-1])
    result = check_claim(derivation, scope, mutated, claim_budget=600)
    step = result.steps[0]
    assume(step.verdict not in ("proved", "checked"))  # the edit did not change the value
    if step.verdict == "malformed":  # e.g. a transpose that breaks the shape, a binder made unused
        assert step.shown and result.error
        return
    assert step.verdict == "refuted", (text, step.shown)
    # refuted by a shape error that the edit's undoing repairs, or by a counterexample
    assert step.counterexample is not None or step.shown.startswith("cannot be read as written")
    assert UNDONE_BY[kind] in (step.diagnosis or ""), (description, text, step.diagnosis)


def test_a_size_written_for_another_is_refuted_and_named():
    text = (DERIVATIONS / "i_skipgram.toml").read_text().replace("U.T @ (M * softmax", "U.T @ (K * softmax")
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    result = next(r for r in check_derivation(loads(text)) if r.claim == "i.v_c.closed")
    assert result.verdict == "refuted"
    assert "wrong size: `M` written as `K`" in result.steps[0].diagnosis


def test_equivalent_rewrites_are_never_flagged():
    text = NEG.format(assume='"o not in ws"') + (
        '[[claim]]\nid = "indicator-vs-count"\nlhs = "sum(j, [ws[j] == ws[s]] * sigma(U[ws[j]] @ v_c)) * v_c"\n'
        'result = "sum(j, [ws[j] == ws[s]]) * sigma(U[ws[s]] @ v_c) * v_c"\n'
        '[[claim]]\nid = "sigma-prime"\nlhs = "sigma(x) * (1 - sigma(x))"\nresult = "exp(-x) / (1 + exp(-x))**2"\n'
        '[[claim]]\nid = "one-minus"\nlhs = "1 - sigma(-x)"\nresult = "sigma(x)"\n'
    )
    assert set(verdicts_of(text).values()) == {"proved"}


def test_an_error_that_propagates_is_marked_so():
    text = NEG.format(assume='"o not in ws"') + (
        '[[claim]]\nid = "p"\nwrt = "u_o"\n'
        'steps = ["(1 - sigma(u_o @ v_c)) * v_c", "v_c * (1 - sigma(u_o @ v_c))"]\n'
        'result = "v_c - sigma(u_o @ v_c) * v_c"\n'
    )
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    [result] = check_derivation(loads(text))
    first, second, third = result.steps
    assert first.verdict == "refuted" and "sign flip" in first.diagnosis
    assert second.verdict == "refuted" and "propagates" in second.note and second.diagnosis is None
    assert third.verdict == "refuted" and "propagates" in third.note
