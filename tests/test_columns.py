"""The columns convention (issue 12): vectors are columns, ``u.T`` is a row, ``U[:, o]`` is
column o. Values agree with NumPy's 2-D arrays at random shapes; correct gradients are proved;
a row where a column is expected is refuted and diagnosed as such; and a slip gets the same
diagnosis in both conventions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symw2v.derivation.loader import loads
from symw2v.language.errors import FormulaError
from symw2v.verify.checker import check_derivation
from tests.helpers import NAIVE
from tests.test_constructs import arrays, claim, lowered, values

COLUMNS = """
convention = "columns"
[symbols]
v_c = "vector[d]"
u = "vector[d]"
U = "matrix[d, V]"
o = "index[V]"
w = "index[V]"
i = "index[d]"
ws = "indices[K, V]"
[define]
u_o = "U[:, o]"
yhat = "softmax(U.T @ v_c)"
y = "onehot(o, V)"
[loss]
J = "-log(yhat[o])"
"""

NEG_ROWS = """
convention = "rows"
assume = ["o not in ws", "distinct(ws)"]
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
o = "index[V]"
ws = "indices[K, V]"
[define]
u_o = "U[o]"
[loss]
J = "-log(sigma(u_o @ v_c)) - sum(k, log(sigma(-U[ws[k]] @ v_c)))"
"""

NEG_COLUMNS = """
convention = "columns"
assume = ["o not in ws", "distinct(ws)"]
[symbols]
v_c = "vector[d]"
U = "matrix[d, V]"
o = "index[V]"
ws = "indices[K, V]"
[define]
u_o = "U[:, o]"
[loss]
J = "-log(sigma(u_o.T @ v_c)) - sum(k, log(sigma(-U[:, ws[k]].T @ v_c)))"
"""


def col(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, 1)


def row(x: np.ndarray) -> np.ndarray:
    return x.reshape(1, -1)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), d=st.integers(1, 3), V=st.integers(1, 3), K=st.integers(1, 3))
def test_values_match_numpy_2d_arrays(data, d, V, K):
    v, u, U = data.draw(arrays((d,))), data.draw(arrays((d,))), data.draw(arrays((d, V)))
    o, i = data.draw(st.integers(0, V - 1)), data.draw(st.integers(0, d - 1))
    ws = data.draw(st.lists(st.integers(0, V - 1), min_size=K, max_size=K))
    sizes, named = {"d": d, "V": V, "K": K}, {"v_c": v, "u": u, "U": U}

    def at(formula: str) -> np.ndarray:
        return values(lowered(COLUMNS, formula), sizes, named, {"ws": ws}, {"o": o, "i": i})

    theta = U.T @ v
    expected = {
        "v_c": col(v),
        "v_c.T": row(v),
        "u.T @ v_c": np.array(u @ v),
        "u @ v_c.T": np.outer(u, v),
        "U[:, o]": col(U[:, o]),
        "U[i]": row(U[i]),
        "U[i, :]": row(U[i]),
        "U[:, ws]": U[:, ws],
        "U.T @ v_c": col(theta),
        "v_c.T @ U": row(theta),
        "(U.T @ v_c)[o]": np.array(theta[o]),
        "(U.T @ v_c)[ws]": col(theta[ws]),
        "softmax(U.T @ v_c)": col(np.exp(theta) / np.exp(theta).sum()),
        "softmax(v_c.T @ U)": row(np.exp(theta) / np.exp(theta).sum()),
        "onehot(o, V)": col(np.eye(V)[o]),
        "ones(d).T @ u": np.array(u.sum()),
        "v_c[i]": np.array(v[i]),
        "stack(U[:, o], -v_c)": np.column_stack([U[:, o], -v]),
        "concat(v_c, u)": col(np.concatenate([v, u])),
        "outer(v_c, u)": np.outer(v, u),
        "diag(u) @ v_c": col(u * v),
        "grad(u.T @ v_c, v_c)": col(u),
        "grad(u.T @ U[:, o], U[:, o])": col(u),
        "grad(sum(k, u.T @ U[:, ws[k]]), U)": np.outer(u, np.bincount(ws, minlength=V)),
        "jacobian(U.T @ v_c, v_c)": U.T,
    }
    for formula, want in expected.items():
        got = at(formula)
        assert got.shape == want.shape, (formula, got.shape, want.shape)
        assert np.allclose(got, want), formula


@pytest.mark.parametrize(
    "formula,message",
    [
        ("u @ v_c", r"two columns: u\.T @ v is their scalar product"),
        ("u.T @ v_c.T", "two rows"),
        ("v_c + v_c.T", "one is the transpose of the other"),
        ("U @ v_c", "inner sizes V and d differ"),
        ("concat(v_c, u.T)", "one orientation"),
        ("U[:, :, o]", "too many indices"),
    ],
)
def test_orientation_errors(formula, message):
    with pytest.raises(FormulaError, match=message):
        lowered(COLUMNS, formula)


def test_rows_convention_keeps_vectors_without_orientation():
    assert lowered(NAIVE, "v_c").shape == lowered(NAIVE, "v_c.T").shape
    assert lowered(NAIVE, "U[o, :]").shape == lowered(NAIVE, "U[o]").shape == lowered(NAIVE, "v_c").shape
    assert lowered(NAIVE, "v_c.T @ v_c").shape == ()


def results(preamble: str, where: dict, *steps: str):
    text = preamble + claim("c", steps[-1], **where)
    if len(steps) > 1:
        text = text.replace('result = "', "steps = [" + ", ".join(f'"{s}"' for s in steps[:-1]) + ']\nresult = "')
    return check_derivation(loads(text, "<test>"))[0]


CORRECT = [
    (COLUMNS, {"wrt": "v_c"}, "U @ (yhat - y)"),
    (COLUMNS, {"wrt": "v_c"}, "-u_o + sum(k, yhat[k] * U[:, k])"),
    (COLUMNS, {"wrt": "U"}, "v_c @ (yhat - y).T"),
    (COLUMNS, {"wrt": "U"}, "outer(v_c, yhat - y)"),
    (COLUMNS, {"wrt": "U[:, w]"}, "(yhat[w] - y[w]) * v_c"),
    (COLUMNS, {"lhs": "J"}, "-u_o.T @ v_c + log(sum(k, exp(U[:, k].T @ v_c)))"),
    (NEG_COLUMNS, {"wrt": "v_c"},
     "(sigma(u_o.T @ v_c) - 1) * u_o + sum(k, (1 - sigma(-U[:, ws[k]].T @ v_c)) * U[:, ws[k]])"),
    (NEG_COLUMNS, {"wrt": "u_o"}, "(sigma(u_o.T @ v_c) - 1) * v_c"),
]


@pytest.mark.parametrize("preamble,where,result", CORRECT, ids=[c[2] for c in CORRECT])
def test_correct_columns_gradients_are_accepted(preamble, where, result):
    assert results(preamble, where, result).verdict in ("proved", "checked")


ROW_FOR_COLUMN = [
    ({"wrt": "v_c"}, "(yhat - y).T @ U.T"),
    ({"wrt": "U[:, w]"}, "(yhat[w] - y[w]) * v_c.T"),
    ({"wrt": "v_c"}, "-u_o.T + sum(k, yhat[k] * U[:, k].T)"),
]


@pytest.mark.parametrize("where,result", ROW_FOR_COLUMN, ids=[c[1] for c in ROW_FOR_COLUMN])
def test_a_row_where_a_column_is_expected_is_refuted_and_diagnosed(where, result):
    step = results(COLUMNS, where, result).steps[0]
    assert step.verdict == "refuted"
    assert "row vector where a column is expected" in step.diagnosis


def test_a_wrong_row_is_refuted_without_the_transpose_diagnosis():
    """Transposed back it is still wrong (sign): only the shape is reported, no 'transpose'."""
    step = results(COLUMNS, {"wrt": "v_c"}, "(y - yhat).T @ U.T").steps[0]
    assert step.verdict == "refuted"
    assert not step.diagnosis


# One slip, written in each convention: the same diagnosis.
SLIPS = [
    ("sign flip", (NAIVE, {"wrt": "v_c"}, "U.T @ (y - yhat)"), (COLUMNS, {"wrt": "v_c"}, "U @ (y - yhat)")),
    ("dropped term", (NAIVE, {"wrt": "v_c"}, "U.T @ yhat"), (COLUMNS, {"wrt": "v_c"}, "U @ yhat")),
    ("factor", (NAIVE, {"wrt": "v_c"}, "2 * U.T @ (yhat - y)"), (COLUMNS, {"wrt": "v_c"}, "2 * U @ (yhat - y)")),
    ("wrong index", (NAIVE, {"wrt": "U[w]"}, "(yhat[o] - y[w]) * v_c"),
     (COLUMNS, {"wrt": "U[:, w]"}, "(yhat[o] - y[w]) * v_c")),
    ("transpose", (NAIVE, {"wrt": "U"}, "outer(v_c, yhat - y)"), (COLUMNS, {"wrt": "U"}, "outer(yhat - y, v_c)")),
    ("sign flip", (NEG_ROWS, {"wrt": "u_o"}, "(1 - sigma(u_o @ v_c)) * v_c"),
     (NEG_COLUMNS, {"wrt": "u_o"}, "(1 - sigma(u_o.T @ v_c)) * v_c")),
    ("sigma", (NEG_ROWS, {"wrt": "U[ws[0]]"}, "sigma(-U[ws[0]] @ v_c) * v_c"),
     (NEG_COLUMNS, {"wrt": "U[:, ws[0]]"}, "sigma(-U[:, ws[0]].T @ v_c) * v_c")),
]


@pytest.mark.parametrize("words,rows,columns", SLIPS, ids=[f"{s[0]}-{s[1][2]}" for s in SLIPS])
def test_one_slip_gets_one_diagnosis_in_both_conventions(words, rows, columns):
    found = [results(*case).steps[0] for case in (rows, columns)]
    assert [s.verdict for s in found] == ["refuted", "refuted"]
    for step in found:
        assert step.diagnosis and words in step.diagnosis, step.diagnosis


ILL_SHAPED_SLIPS = [
    # (preamble, where, step as written, words of the diagnosis)
    (COLUMNS, {"wrt": "v_c"}, "-u_o + sum(k, yhat[k] * U[:, k].T)", "row vector where a column is expected"),
    (COLUMNS, {"wrt": "U[:, w]"}, "v_c * (yhat - y)", "missing index: `yhat - y` should be `(yhat - y)[w]`"),
    (COLUMNS, {"wrt": "v_c"}, "-U @ y + U @ yhat[w]", "stray index: `yhat[w]` should be `yhat`"),
    (NAIVE, {"wrt": "U[w]"}, "v_c * (yhat - y)", "missing index"),
]


@pytest.mark.parametrize("preamble,where,step,words", ILL_SHAPED_SLIPS, ids=[c[2] for c in ILL_SHAPED_SLIPS])
def test_an_ill_shaped_slip_that_one_edit_repairs_is_refuted_and_diagnosed(preamble, where, step, words):
    found = results(preamble, where, step).steps[0]
    assert found.verdict == "refuted"
    assert found.shown.startswith("cannot be read as written")
    assert words in found.diagnosis


@pytest.mark.parametrize("step", ["u @ v_c", "U @ v_c", "yhat @ yhat"])
def test_an_ill_shaped_step_no_edit_repairs_stays_malformed(step):
    assert results(COLUMNS, {"wrt": "v_c"}, step).steps[0].verdict == "malformed"


def test_a_gradient_by_a_transposed_row_is_a_column():
    """Under columns with U declared V×d, the write-up's u_o is U[o].T."""
    text = COLUMNS.replace('U = "matrix[d, V]"', 'U = "matrix[V, d]"').replace("U[:, o]", "U[o].T")
    text = text.replace("softmax(U.T @ v_c)", "softmax(U @ v_c)")
    assert results(text, {"wrt": "U[o].T"}, "(yhat[o] - 1) * v_c").verdict == "proved"
    assert results(text, {"wrt": "U[o].T"}, "(yhat[o] - 1) * v_c.T").verdict == "refuted"


LET = COLUMNS.replace("[define]", '[let]\ntheta = "U.T @ v_c"\nscore = "u_o.T @ v_c"\n[define]').replace(
    'yhat = "softmax(U.T @ v_c)"', 'yhat = "softmax(theta)"'
) + 'J2 = "-log(sigma(score))"\n'


@pytest.mark.parametrize(
    "where,result,expected",
    [
        ({"lhs": "grad(J, theta)"}, "yhat - y", "proved"),
        ({"lhs": "grad(J, theta)"}, "(yhat - y).T", "refuted"),
        ({"lhs": "grad(J, theta)"}, "y - yhat", "refuted"),
        ({"lhs": "grad(J, v_c)"}, "U @ grad(J, theta)", "proved"),
        ({"lhs": "grad(J2, score)"}, "sigma(score) - 1", "proved"),
        ({"lhs": "grad(J2, score)"}, "1 - sigma(score)", "refuted"),
    ],
)
def test_a_gradient_by_a_column_intermediate_is_a_column(where, result, expected):
    """[let] under columns: theta = U.T @ v_c is a V×1 column, so is grad(J, theta)."""
    assert results(LET, where, result).verdict == expected
