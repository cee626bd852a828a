"""Constructs people write (issue 12): count, diag, jacobian, max, elementwise indicators,
equal-index and sign assumptions, concat. Each: the correct form is proved or checked, the
wrong ones are refuted, and the construct's values agree with NumPy at random shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symw2v.derivation.document import Formula
from symw2v.derivation.loader import loads
from symw2v.diagnose.mutants import differs_numerically, mutants
from symw2v.language.errors import FormulaError
from symw2v.language.parser import parse
from symw2v.symbolic.lower import Lowerer, Scope
from symw2v.symbolic.tensor import size_symbol
from symw2v.verify.checker import check_paths
from symw2v.verify.concrete import Instance, instantiate
from tests.helpers import DERIVATIONS, NAIVE, verdicts_of
from tests.test_mutants import ACCEPTED, check

H = (DERIVATIONS / "h_repeated_samples.toml").read_text().split("[[claim]]")[0]
G1 = (DERIVATIONS / "g1_neg_sampling.toml").read_text().split("[[claim]]")[0]

VECTORS = """
[symbols]
theta = "vector[V]"
u = "vector[V]"
v = "vector[V]"
a = "vector[K]"
b = "vector[M]"
t = "scalar"
x = "vector[n]"
W = "matrix[n, h]"
b1 = "vector[h]"
ws = "indices[K, V]"
o = "index[V]"
"""


def claim(cid: str, result: str, *, wrt: str = "", lhs: str = "", assume: str = "") -> str:
    head = f'wrt = "{wrt}"' if wrt else f'lhs = "{lhs}"'
    extra = f"assume = [{assume}]\n" if assume else ""
    return f'[[claim]]\nid = "{cid}"\n{head}\nresult = "{result}"\n{extra}'


def verdicts(preamble: str, claims: list[tuple[str, dict]]) -> dict[str, str]:
    return verdicts_of(preamble + "".join(claim(f"c{n}", r, **kw) for n, (r, kw) in enumerate(claims)))


# ---- verdicts: (preamble, result, where, expected) ------------------------------------------------

SOFTMAX_JACOBIAN = {"lhs": "jacobian(softmax(theta), theta)"}
RELU_GRAD = {"lhs": "grad(sum(k, relu(x @ W + b1)[k]), b1)"}
SHIFTED = {"lhs": "softmax(theta)"}
LOG_SOFTMAX = {"lhs": "log(softmax(U @ v_c)[o])"}

CASES = [
    # count(ws, x) = sum(j, [ws[j] == x])
    (H, "count(ws, ws[s]) * sigma(U[ws[s]] @ v_c) * v_c", {"wrt": "U[ws[s]]"}, "proved"),
    (H, "sigma(U[ws[s]] @ v_c) * v_c", {"wrt": "U[ws[s]]"}, "refuted"),
    (H, "count(ws, o) * sigma(U[ws[s]] @ v_c) * v_c", {"wrt": "U[ws[s]]"}, "refuted"),
    (H, "(count(ws, ws[s]) + 1) * sigma(U[ws[s]] @ v_c) * v_c", {"wrt": "U[ws[s]]"}, "refuted"),
    (H, "count(ws, o)", {"lhs": "0"}, "proved"),  # o not in ws
    # diag, Hadamard *, jacobian
    (VECTORS, "diag(softmax(theta)) - outer(softmax(theta), softmax(theta))", SOFTMAX_JACOBIAN, "proved"),
    (VECTORS, "diag(softmax(theta)) + outer(softmax(theta), softmax(theta))", SOFTMAX_JACOBIAN, "refuted"),
    (VECTORS, "diag(softmax(theta)) - outer(softmax(theta), theta)", SOFTMAX_JACOBIAN, "refuted"),
    (VECTORS, "diag(softmax(theta))", SOFTMAX_JACOBIAN, "refuted"),
    (VECTORS, "diag(exp(theta) * u)", {"lhs": "jacobian(exp(theta) * u, theta)"}, "proved"),
    (VECTORS, "diag(exp(u) * u)", {"lhs": "jacobian(exp(theta) * u, theta)"}, "refuted"),
    (VECTORS, "u * v", {"lhs": "diag(u) @ v"}, "proved"),
    (VECTORS, "(u @ v) * ones(V)", {"lhs": "diag(u) @ v"}, "refuted"),
    # elementwise indicators: the ReLU derivative
    (VECTORS, "[x @ W + b1 > 0]", RELU_GRAD, "checked"),
    (VECTORS, "[x @ W + b1 >= 0]", RELU_GRAD, "refuted"),
    (VECTORS, "[x @ W + b1 < 0]", RELU_GRAD, "refuted"),
    (VECTORS, "[x @ W > 0]", RELU_GRAD, "refuted"),
    # max: a well-defined scalar, opaque to the proof
    (VECTORS, "exp(theta - max(theta)) / (ones(V) @ exp(theta - max(theta)))", SHIFTED, "proved"),
    (VECTORS, "exp(theta - max(theta)) / (ones(V) @ exp(theta))", SHIFTED, "refuted"),
    (VECTORS, "theta[0]", {"lhs": "max(theta)"}, "refuted"),
    (NAIVE, "(U @ v_c)[o] - max(U @ v_c) - log(ones(V) @ exp(U @ v_c - max(U @ v_c)))", LOG_SOFTMAX, "proved"),
    (NAIVE, "(U @ v_c)[o] - log(ones(V) @ exp(U @ v_c - max(U @ v_c)))", LOG_SOFTMAX, "refuted"),
    (VECTORS, "max(theta) + 1", {"lhs": "max(theta + 1)"}, "undecided"),  # true, not shown: sound
    # concat
    (VECTORS, "a @ a + b @ b", {"lhs": "concat(a, b) @ concat(a, b)"}, "checked"),
    (VECTORS, "a @ a + b @ b", {"lhs": "concat(a, b) @ concat(b, a)"}, "refuted"),
    (VECTORS, "t**2 + a @ a", {"lhs": "concat(t, a) @ concat(t, a)"}, "checked"),
    (VECTORS, "t + a @ a + 1", {"lhs": "concat(t, a) @ concat(1, a)"}, "refuted"),
    # stack: the outside row on top of the K sample rows
    (G1, "stack(u_o, -U[ws]).T @ (sigma(stack(u_o, -U[ws]) @ v_c) - 1)", {"wrt": "v_c"}, "checked"),
    (G1, "stack(u_o, -U[ws]).T @ (1 - sigma(stack(u_o, -U[ws]) @ v_c))", {"wrt": "v_c"}, "refuted"),
    (G1, "stack(u_o, U[ws]).T @ (sigma(stack(u_o, -U[ws]) @ v_c) - 1)", {"wrt": "v_c"}, "refuted"),
    (G1, "u_o", {"lhs": "stack(u_o, -U[ws])[0]"}, "proved"),
    (G1, "u_o", {"lhs": "stack(u_o, -U[ws])[1]"}, "refuted"),
]


@pytest.mark.parametrize("preamble,result,where,expected", CASES, ids=[f"{c[1]}-{c[3]}" for c in CASES])
def test_verdicts(preamble, result, where, expected):
    assert verdicts(preamble, [(result, where)]) == {"c0": expected}


@pytest.mark.parametrize(
    "formula,message",
    [
        ("diag(W)", "diag takes a vector"),
        ("max(W)", "max takes a vector"),
        ("jacobian(theta @ theta, theta)", "jacobian takes a vector function"),
        ("jacobian(softmax(theta), softmax(theta))", "declared vector"),
        ("count(o, ws)", "takes an index list and an index"),
        ("[theta > a]", "shape mismatch"),
        ("concat(W, a)", "concat takes vectors of one orientation or scalars"),
        ("stack(theta, W)", "stack takes vectors or matrices of one row length"),
    ],
)
def test_shape_errors(formula, message):
    with pytest.raises(FormulaError, match=message):
        lowered(VECTORS, formula)


@pytest.mark.parametrize("name", ["jacobian", "diag", "max", "count", "concat", "stack"])
def test_new_constructs_cannot_be_redefined(name):
    from symw2v.derivation.errors import DerivationError

    with pytest.raises(DerivationError, match="built-in"):
        loads(VECTORS + f'[define]\n{name} = "t"\n' + claim("c", "t", lhs="t"), "<test>")


def test_grad_through_max_is_refused_even_through_definitions():
    text = VECTORS + '[define]\nshifted = "theta - max(theta)"\nJ = "-log(softmax(shifted)[o])"\n'
    assert verdicts(text, [("onehot(0, V)", {"lhs": "grad(max(theta), theta)"})]) == {"c0": "malformed"}
    assert verdicts(text, [("softmax(theta) - onehot(o, V)", {"lhs": "grad(J, theta)"})]) == {"c0": "malformed"}
    assert verdicts(text, [("diag(u)", {"lhs": "jacobian(shifted * u, theta)"})]) == {"c0": "malformed"}


def test_a_derivative_of_max_is_never_given_a_value():
    """The safety net behind the refusal: SymPy asking max for its derivative gets an error."""
    theta = lowered(VECTORS, "max(theta)").scalar()
    with pytest.raises(NotImplementedError):
        sp.diff(theta, sp.IndexedBase("theta", real=True)[0])


# ---- values at random shapes, against NumPy -------------------------------------------------------


def lowered(preamble: str, formula: str):
    derivation = loads(preamble + claim("c", "0", lhs="0"), "<test>")
    return Lowerer(Scope.of(derivation)).formula(Formula(formula, parse(formula), "test"))


def values(tensor, sizes: dict[str, int], arrays: dict[str, np.ndarray], lists=None, indices=None) -> np.ndarray:
    """The tensor's components at an instance, with the declared arrays' entries given."""
    inst = Instance(
        {size_symbol(k): v for k, v in sizes.items()},
        {sp.Symbol(k, integer=True, nonnegative=True): v for k, v in (indices or {}).items()},
        {sp.IndexedBase(k, integer=True): tuple(v) for k, v in (lists or {}).items()},
    )
    entries: dict[sp.Expr, sp.Expr] = {}
    for name, array in arrays.items():
        if array.ndim == 0:
            entries[sp.Symbol(name, real=True)] = sp.Rational(int(array))
            continue
        base = sp.IndexedBase(name, real=True)
        entries.update({base[idx]: sp.Rational(int(array[idx])) for idx in np.ndindex(array.shape)})
    dims = [int(s.xreplace(inst.sizes)) for s in tensor.shape]
    out = np.zeros(dims)
    for idx in np.ndindex(*dims):
        e = instantiate(tensor.at(tuple(sp.Integer(i) for i in idx)), inst).xreplace(entries)
        out[idx] = float(e.evalf(30))
    return out


ints = st.integers(-3, 3)


def arrays(shape: tuple[int, ...]):
    return st.lists(ints, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))).map(
        lambda xs: np.array(xs, dtype=float).reshape(shape)
    )


@settings(max_examples=20, deadline=None)
@given(data=st.data(), K=st.integers(1, 4), V=st.integers(1, 4))
def test_count_is_the_number_of_occurrences(data, K, V):
    ws = data.draw(st.lists(st.integers(0, V - 1), min_size=K, max_size=K))
    o = data.draw(st.integers(0, V - 1))
    got = values(lowered(VECTORS, "count(ws, o)"), {"K": K, "V": V}, {}, {"ws": ws}, {"o": o})
    assert got == ws.count(o)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), V=st.integers(1, 3))
def test_jacobian_of_softmax_and_diag_match_numpy(data, V):
    theta, u = data.draw(arrays((V,))), data.draw(arrays((V,)))
    p = np.exp(theta) / np.exp(theta).sum()
    got = values(lowered(VECTORS, "jacobian(softmax(theta), theta)"), {"V": V}, {"theta": theta})
    assert np.allclose(got, np.diag(p) - np.outer(p, p))
    assert np.allclose(values(lowered(VECTORS, "diag(u) @ theta"), {"V": V}, {"u": u, "theta": theta}), u * theta)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), n=st.integers(1, 3), h=st.integers(1, 3))
def test_elementwise_indicator_matches_numpy(data, n, h):
    x, W, b1 = data.draw(arrays((n,))), data.draw(arrays((n, h))), data.draw(arrays((h,)))
    arrays_ = {"x": x, "W": W, "b1": b1}
    for op, expected in ((">", x @ W + b1 > 0), (">=", x @ W + b1 >= 0), ("<", x @ W + b1 < 0)):
        got = values(lowered(VECTORS, f"[x @ W + b1 {op} 0]"), {"n": n, "h": h}, arrays_)
        assert np.array_equal(got, expected.astype(float))


@settings(max_examples=15, deadline=None)
@given(data=st.data(), K=st.integers(1, 3), M=st.integers(1, 3))
def test_max_and_concat_match_numpy(data, K, M):
    a, b, t = data.draw(arrays((K,))), data.draw(arrays((M,))), data.draw(arrays(()))
    arrays_ = {"a": a, "b": b, "t": t}
    sizes = {"K": K, "M": M}
    assert values(lowered(VECTORS, "max(a)"), sizes, arrays_) == a.max()
    assert values(lowered(VECTORS, "max(a - max(a))"), sizes, arrays_) == 0
    assert np.array_equal(values(lowered(VECTORS, "concat(a, b)"), sizes, arrays_), np.concatenate([a, b]))
    assert np.array_equal(values(lowered(VECTORS, "concat(t, a)"), sizes, arrays_), np.concatenate([[t], a]))
    stacked = values(lowered(VECTORS, "stack(a, outer(b, a))"), sizes, arrays_)
    assert np.array_equal(stacked, np.vstack([a, np.outer(b, a)]))


# ---- assumptions: w == o on indices, signs of scalars -------------------------------------------

SCALARS = """
[symbols]
x = "scalar"
y = "scalar"
"""

ASSUMED = [
    ("(yhat[w] - 1) * v_c", {"wrt": "U[w]", "assume": '"w == o"'}, "proved"),
    ("(yhat[o] - 1) * v_c", {"wrt": "U[w]", "assume": '"o == w"'}, "proved"),
    ("yhat[w] * v_c", {"wrt": "U[w]", "assume": '"w == o"'}, "refuted"),
    ("(yhat[w] - 1) * v_c", {"wrt": "U[w]"}, "refuted"),  # the assumption is what makes it right
    ("(yhat[w] - 1) * v_c", {"wrt": "U[w]", "assume": '"w != o"'}, "refuted"),
]


@pytest.mark.parametrize("result,where,expected", ASSUMED, ids=[f"{c[0]}-{c[2]}" for c in ASSUMED])
def test_equal_indices(result, where, expected):
    assert verdicts(NAIVE, [(result, where)]) == {"c0": expected}


SIGNED = [
    ("1", {"lhs": "grad(relu(x), x)", "assume": '"x > 0"'}, "proved"),
    ("1", {"lhs": "grad(relu(x), x)"}, "refuted"),
    ("1", {"lhs": "grad(relu(x), x)", "assume": '"x >= 0"'}, "refuted"),  # 0 at x = 0
    ("x", {"lhs": "relu(x)", "assume": '"x >= 0"'}, "proved"),
    ("0", {"lhs": "relu(x)", "assume": '"x <= 0"'}, "proved"),
    ("0", {"lhs": "relu(x)", "assume": '"x >= 0"'}, "refuted"),
    ("x", {"lhs": "(x**2)**(1/2)", "assume": '"x >= 0"'}, "proved"),
    ("x", {"lhs": "(x**2)**(1/2)"}, "refuted"),
    ("y + x", {"lhs": "[x > 0] * y", "assume": '"x > 0"'}, "refuted"),
    ("x - 1", {"lhs": "relu(x - 1)", "assume": '"x > 0"'}, "undecided"),  # wrong only at 0 < x < 1
]


@pytest.mark.parametrize("result,where,expected", SIGNED, ids=[f"{c[0]}-{c[2]}" for c in SIGNED])
def test_signed_scalars(result, where, expected):
    assert verdicts(SCALARS, [(result, where)]) == {"c0": expected}


@pytest.mark.parametrize("bad", ["o > 0", "w == ws", "theta > 0", "q == o", "1 > 0", "w in o", "distinct(o)"])
def test_malformed_assumptions(bad):
    preamble = VECTORS + 'w = "index[V]"\nq = "index[K]"\n'
    assert verdicts(preamble, [("t", {"lhs": "t", "assume": f'"{bad}"'})]) == {"c0": "malformed"}


@pytest.mark.parametrize(
    "assume", ['"w == o", "o != w"', '"w == o", "q == o", "q != w"', '"t > 0", "t <= 0"', '"t < 0", "t >= 0"']
)
def test_contradictory_assumptions_are_refused(assume):
    preamble = VECTORS + 'w = "index[V]"\nq = "index[V]"\n'
    assert verdicts(preamble, [("5", {"lhs": "3", "assume": assume})]) == {"c0": "malformed"}


def test_equal_and_unequal_indices_together():
    preamble = VECTORS + 'w = "index[V]"\nq = "index[V]"\n'
    assert verdicts(
        preamble,
        [
            ("0", {"lhs": "[o == q]", "assume": '"w == o", "w != q"'}),
            ("1", {"lhs": "[o == q]", "assume": '"w == o", "w != q"'}),
            ("[w == q]", {"lhs": "[o == q]", "assume": '"w == o"'}),
            ("2 * [w == q]", {"lhs": "[o == q]", "assume": '"w == o"'}),
            ("1", {"lhs": "[o == q]", "assume": '"w == o", "q == w"'}),
        ],
    ) == {"c0": "proved", "c1": "refuted", "c2": "proved", "c3": "refuted", "c4": "proved"}


@settings(max_examples=20, deadline=None)
@given(op=st.sampled_from([">", ">=", "<", "<="]), k=st.integers(-3, 3), c=st.integers(-2, 2))
def test_a_counterexample_respects_the_sign_assumed(op, k, c):
    """relu(x) + k*x = c*x is wrong for most k, c; whatever is reported, x has the sign assumed."""
    from symw2v.verify.checker import check_derivation

    text = SCALARS + claim("c", f"{c} * x", lhs=f"relu(x) + {k} * x", assume=f'"x {op} 0"')
    [result] = check_derivation(loads(text, "<test>"))
    assert result.verdict in ("proved", "checked", "refuted", "undecided")
    for step in result.steps:
        if step.counterexample is not None:
            x = step.counterexample.values["x"]
            assert {">": x > 0, ">=": x >= 0, "<": x < 0, "<=": x <= 0}[op]
    truth_positive = k + 1 == c  # relu(x) = x for x > 0
    truth_negative = k == c  # relu(x) = 0 for x < 0
    holds = {">": truth_positive, ">=": truth_positive, "<": truth_negative, "<=": truth_negative}[op]
    if not holds:
        assert result.verdict in ("refuted", "undecided")


@settings(max_examples=20, deadline=None)
@given(V=st.integers(1, 5), K=st.integers(1, 3), pairs=st.sets(st.sampled_from([("w", "o"), ("q", "o"), ("w", "q")])))
def test_instances_respect_equal_indices(V, K, pairs):
    from symw2v.symbolic.assumptions import Assumptions
    from symw2v.symbolic.tensor import index_symbol
    from symw2v.verify.concrete import instances

    Vs, Ks = size_symbol("V"), size_symbol("K")
    names = {n: index_symbol(n) for n in "woq"}
    ws = sp.IndexedBase("ws", integer=True)
    facts = Assumptions(equal=frozenset(frozenset((names[a], names[b])) for a, b in pairs)).resolved()
    found = instances([Vs, Ks], dict.fromkeys(names.values(), Vs), {ws: (Ks, Vs)}, facts)
    assert found  # the all-equal pattern of every class is drawn
    for inst in found:
        for a, b in pairs:
            assert inst.indices[names[a]] == inst.indices[names[b]]


# ---- soundness by mutation, on a file using every construct -------------------------------------

CONSTRUCTS = Path(__file__).parent / "data" / "constructs.toml"


def test_the_constructs_file_verifies():
    results = check_paths([CONSTRUCTS])
    assert {r.claim: r.verdict for r in results} == {
        "count": "proved", "jacobian": "proved", "relu": "checked", "max": "proved", "equal": "proved", "sign": "proved"
    }


def rejected_mutants(path: Path) -> int:
    """Check every single-edit mutant of every claim of ``path`` that the independent oracle
    finds different: none may be proved or checked. How many there were."""
    tried = 0
    for mutant in mutants(path):
        if differs_numerically(mutant.source, mutant.claim):
            tried += 1
            assert check(mutant).verdict not in ACCEPTED, (mutant.claim, mutant.formula)
    return tried


def typesets(path: Path, pieces: tuple[str, ...], tmp_path: Path) -> None:
    """``path`` exported to LaTeX holds every piece, and compiles when a LaTeX engine is there."""
    from symw2v.derive.export import compile_pdf, export, latex_engine

    done = export([str(path)], tmp_path, 30, with_derive=True)
    tex = done.combined_tex.read_text()
    for piece in pieces:
        assert piece in tex
    if latex_engine() is not None:
        ok, log = compile_pdf(done.combined_tex)
        assert ok, log[-2000:]


def test_a_mutant_of_a_construct_that_differs_numerically_is_never_accepted():
    """Every single-edit mutant of every claim (119 of them): the ones the independent oracle
    finds different are never proved or checked."""
    assert rejected_mutants(CONSTRUCTS) >= 50


def test_the_constructs_file_typesets_and_compiles(tmp_path):
    commands = (r"\max", r"\operatorname{diag}", r"\operatorname{count}", r"\operatorname{jacobian}")
    typesets(CONSTRUCTS, commands, tmp_path)
