"""Every claim in derivations/ verifies, and the known-wrong variants of each closed form are
refuted (or, for a transpose under the rows convention, rejected as a convention error)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symw2v.verify.budget import BudgetExceeded, budget
from symw2v.verify.checker import check_paths
from tests.helpers import DERIVATIONS, NAIVE, NEG, verdicts_of

# j_window_shared.toml's loss: M weighted slots sharing K samples (its [symbols]/[define]/[loss] only)
WINDOW = (DERIVATIONS / "j_window_shared.toml").read_text().split("[[claim]]")[0]


@pytest.fixture(scope="module")
def results():
    return check_paths([DERIVATIONS])


def test_every_claim_in_derivations_verifies(results):
    assert len(results) >= 25
    bad = [(r.file, r.claim, r.verdict, r.error) for r in results if r.verdict not in ("proved", "checked")]
    assert not bad


def test_the_gradients_of_b_to_d_and_g_to_i_are_proved_for_all_sizes(results):
    gradient_claims = [r for r in results if r.claim[0] in "bcdghi"]
    assert gradient_claims
    assert all(r.verdict == "proved" for r in gradient_claims), [
        (r.claim, r.verdict) for r in gradient_claims if r.verdict != "proved"
    ]


def claim(wrt: str, result: str, cid: str = "x", assume: str = "") -> str:
    extra = f"assume = [{assume}]\n" if assume else ""
    return f'[[claim]]\nid = "{cid}"\nwrt = "{wrt}"\nresult = "{result}"\n{extra}'


WRONG = [
    # (preamble, wrt, wrong result, claim assumptions, what is wrong)
    (NAIVE, "v_c", "U.T @ (y - yhat)", "", "sign flip"),
    (NAIVE, "v_c", "U.T @ yhat", "", "dropped term"),
    (NAIVE, "v_c", "-U.T @ y", "", "dropped the softmax term"),
    (NAIVE, "v_c", "2 * U.T @ (yhat - y)", "", "factor 2"),
    (NAIVE, "u_o", "(yhat[o] + 1) * v_c", "", "sign of the one-hot term"),
    (NAIVE, "U[w]", "(yhat[w] - 1) * v_c", '"w != o"', "wrong case"),
    (NAIVE, "U", "outer(y - yhat, v_c)", "", "sign flip"),
    (NAIVE, "U", "outer(yhat, v_c)", "", "dropped term"),
    # wrong only where w == o: the pattern where two free indices coincide must be drawn
    (NAIVE, "U[w]", "yhat[w] * v_c", "", "the w == o case dropped"),
    # equal where V == 1 (both sides v_c * (yhat[0] - 1) with yhat[0] == 1): never the only witness
    (NAIVE, "u_o", "(V * yhat[o] - 1) * v_c", "", "a size factor that is 1 at V = 1"),
    (NAIVE, "u_o", "(yhat[0] - 1) * v_c", "", "a constant index for a free one"),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "v_c",
        "(sigma(u_o @ v_c) - 1) * u_o + sum(k, sigma(-U[ws[k]] @ v_c) * U[ws[k]])",
        "",
        "sigma(x) for sigma(-x)",
    ),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "v_c",
        "(sigma(u_o @ v_c) - 1) * u_o - sum(k, sigma(U[ws[k]] @ v_c) * U[ws[k]])",
        "",
        "sign flip",
    ),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "v_c",
        "(sigma(u_o @ v_c - 1)) * u_o + sum(k, sigma(U[ws[k]] @ v_c) * U[ws[k]])",
        "",
        "-1 inside sigma",
    ),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "u_o",
        "(1 - sigma(u_o @ v_c)) * v_c",
        "",
        "sign",
    ),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "U[ws[s]]",
        "sigma(-U[ws[s]] @ v_c) * v_c",
        "",
        "sigma(-x) for sigma(x)",
    ),
    # Samples shared by a window: they count once per pair of the window (n_pairs = ones(M) @ m).
    (WINDOW, "v_c", "U[ctx].T @ (m * (p_ctx - 1)) + U[ws].T @ p_ws", "", "shared samples counted once"),
    (WINDOW, "v_c", "U[ctx].T @ (p_ctx - 1) + n_pairs * (U[ws].T @ p_ws)", "", "slot weights dropped"),
    (WINDOW, "v_c", "U[ctx].T @ (m * (p_ctx - 1)) - n_pairs * (U[ws].T @ p_ws)", "", "sign of the sample term"),
    (WINDOW, "U[ws[r]]", "sum(k, [ws[k] == ws[r]]) * sigma(U[ws[r]] @ v_c) * v_c", '"ws[r] not in ctx"',
     "window's sample counted once"),
    (WINDOW, "U[ctx[s]]", "m[s] * (sigma(U[ctx[s]] @ v_c) - 1) * v_c", '"ctx[s] not in ws"',
     "a word in several slots counted once"),
    # Repeated samples: counting each sample once is wrong once repeats are allowed.
    (
        NEG.format(assume='"o not in ws"'),
        "U[ws[s]]",
        "sigma(U[ws[s]] @ v_c) * v_c",
        "",
        "repeat counted once",
    ),
]


@pytest.mark.parametrize("preamble,wrt,result,assume,what", WRONG, ids=[w[-1] for w in WRONG])
def test_wrong_variants_are_refuted(preamble, wrt, result, assume, what):
    assert verdicts_of(preamble + claim(wrt, result, assume=assume)) == {"x": "refuted"}


def test_the_same_variants_corrected_are_proved():
    text = NAIVE + claim("v_c", "U.T @ (yhat - y)", "a") + claim("U", "outer(yhat - y, v_c)", "b")
    assert verdicts_of(text) == {"a": "proved", "b": "proved"}


def test_column_convention_gradient_under_rows_is_refuted_as_a_transpose():
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    [result] = check_derivation(loads(NAIVE + claim("U", "outer(v_c, yhat - y)"), "rows.toml"))
    assert result.verdict == "refuted" and result.error is None
    [step] = result.steps
    assert "shape d×V" in step.shown and step.diagnosis.startswith("transpose (row vs column convention)")


@pytest.mark.parametrize("wrong", ["outer(v_c, yhat)", "outer(v_c, y - yhat)", "outer(v_c, yhat - 2 * y)"])
def test_a_transposed_form_that_is_also_wrong_gets_no_transpose_diagnosis(wrong):
    """The diagnosis is offered only when the transposed form passes the full check."""
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    [result] = check_derivation(loads(NAIVE + claim("U", wrong), "rows.toml"))
    assert result.verdict == "refuted"
    assert "transpose" not in (result.steps[0].diagnosis or "")


def test_equivalent_rewrites_are_not_flagged():
    text = (
        NAIVE
        + claim("U", "outer(yhat, v_c) - outer(y, v_c)", "outer")
        + '[[claim]]\nid = "sig"\nlhs = "sigma(v_c[0]) * (1 - sigma(v_c[0]))"\n'
        'result = "exp(-v_c[0]) / (1 + exp(-v_c[0]))**2"\n'
    )
    assert verdicts_of(text) == {"outer": "proved", "sig": "proved"}


def _all_claims():
    from symw2v.derivation.loader import load

    return [(p.name, c.id) for p in sorted(DERIVATIONS.glob("*.toml")) for c in load(p).claims]


@settings(max_examples=15)  # each example unrolls a claim at a concrete shape and cancels exactly
@given(case=st.sampled_from(_all_claims()), level=st.sampled_from([1, 2, 3]), seed=st.integers(0, 10**6))
def test_every_claim_holds_exactly_at_random_concrete_shapes(case, level, seed):
    """Independently of the proof: both ends of every chain agree exactly (cancel after
    exp-substitution) at a random instance, repeated samples forced where allowed."""
    import random

    import sympy as sp

    from symw2v.verify.checker import instances_for
    from symw2v.verify.concrete import Instance, exactly_equal, instantiate
    from symw2v.verify.piecewise import piecewise_is_zero
    from tests.helpers import claim_tensors

    _, _, _, tensors, ctx = claim_tensors(DERIVATIONS / case[0], case[1])
    lhs, result = tensors[0], tensors[-1]
    both = lhs.at(ctx.components) + result.at(ctx.components)
    found = [i for i in instances_for(both, ctx) if max(i.sizes.values(), default=1) <= level + 2]
    inst = random.Random(seed).choice(found or instances_for(both, ctx)[:1])
    dims = [int(n.xreplace(inst.sizes)) for n in ctx.shape]
    rng = random.Random(seed)
    comp = {c: rng.randrange(n) for c, n in zip(ctx.components, dims, strict=True)}
    at = Instance(inst.sizes, {**inst.indices, **comp}, inst.lists)
    left = instantiate(lhs.at(ctx.components), at)
    right = instantiate(result.at(ctx.components), at)
    difference = sp.expand(left - right)
    assert exactly_equal(left, right) or piecewise_is_zero(difference), (case, at.describe())


def test_budget_fires_again_when_its_exception_is_swallowed():
    """Python swallows an exception raised while a gc callback runs; the budget must not then let the
    claim run unbounded."""
    start = time.monotonic()
    with budget(0.05):
        try:
            time.sleep(2)
        except BudgetExceeded:
            pass  # swallowed, as a gc callback would
        with pytest.raises(BudgetExceeded):
            time.sleep(2)
    assert time.monotonic() - start < 1


def test_a_sum_index_named_like_a_declared_index_is_an_error_with_position():
    """sum(s, ...) while s is the fixed sample would silently rebind s: refused, located."""
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    text = NEG.format(assume='"o not in ws"') + (
        '[[claim]]\nid = "x"\nwrt = "U[ws[s]]"\nresult = "sum(s, [ws[s] == ws[s]] * sigma(U[ws[s]] @ v_c)) * v_c"\n'
    )
    [result] = check_derivation(loads(text, "shadow.toml"))
    assert result.verdict == "malformed"
    assert "binds s, which is a declared index" in result.error and "shadow.toml" in result.error
    assert "column 5" in result.error


@pytest.mark.parametrize("lhs", ["[o > w] * y[o]", "(o - w) * y[o]", "o * (o - 1) * y[o]"])
def test_an_index_used_as_a_number_is_refused(lhs):
    """Instances stand for every index value only because indices are labels: `[o > w] * y[o] =
    0` was "checked" (every pattern drawn had o < w), so order and arithmetic on them are refused."""
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    [result] = check_derivation(loads(NAIVE + f'[[claim]]\nid = "x"\nlhs = "{lhs}"\nresult = "0 * y[o]"\n'))
    assert result.verdict == "malformed" and "an index is a label, not a number" in result.error
