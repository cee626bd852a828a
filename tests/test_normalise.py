"""The normaliser proves for all sizes what differs only in the order of finite sums
(``(U^T U) v_c`` and ``U^T (U v_c)``), and never proves what is false."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symw2v.derivation.loader import loads
from symw2v.verify.checker import check_derivation

SYMBOLS = {
    "rows": 'v_c = "vector[d]"\nU = "matrix[V, d]"\nws = "indices[K, V]"\nW = "matrix[d, d]"\n',
    "columns": 'v_c = "vector[d]"\nU = "matrix[d, V]"\nws = "indices[K, V]"\nW = "matrix[d, d]"\n',
}
# (convention, left, right): one double sum, written in either order
EXCHANGED = [
    ("rows", "(U.T @ U) @ v_c", "U.T @ (U @ v_c)"),
    ("columns", "(U @ U.T) @ v_c", "U @ (U.T @ v_c)"),
    ("rows", "(v_c @ U.T) @ U", "v_c @ (U.T @ U)"),
    ("rows", "(W @ W) @ v_c", "W @ (W @ v_c)"),
    ("rows", "sum(k in K, U[ws[k]] @ v_c) * ((U.T @ U) @ v_c)", "sum(k in K, U[ws[k]] @ v_c) * (U.T @ (U @ v_c))"),
]
# three sums or more nested in different orders are not brought to one order (only two are):
# such a step is checked at instances, not proved


def verdict(convention: str, left: str, right: str) -> str:
    text = (f'convention = "{convention}"\n[symbols]\n{SYMBOLS[convention]}[[claim]]\nid = "x"\n'
            f'lhs = "{left}"\nresult = "{right}"\n')
    [result] = check_derivation(loads(text), 20.0)
    return result.verdict


@pytest.mark.parametrize(("convention", "left", "right"), EXCHANGED)
def test_sums_in_either_order_are_proved_equal(convention, left, right):
    assert verdict(convention, left, right) == "proved"


@given(
    case=st.sampled_from(EXCHANGED),
    change=st.sampled_from(["2 * ({})", "-({})", "({}) + v_c", "({}) + W @ v_c", "{}"]),
)
def test_a_changed_side_is_never_proved(case, change):
    convention, left, right = case
    got = verdict(convention, left, change.format(right))
    assert got == ("proved" if change == "{}" else "refuted"), (change, got)


# one side of a pair above with a transpose, an index or a size substituted: refuted, never proved
SUBSTITUTED = [
    ("rows", "(W @ W) @ v_c", "W.T @ (W @ v_c)"),  # a transpose
    ("rows", "(W @ W) @ v_c", "W @ (W.T @ v_c)"),
    ("columns", "(U @ U.T) @ v_c", "U @ (U.T @ (U @ U.T) @ v_c)"),  # a factor too many
    ("rows", "sum(k in K, U[ws[k]] @ v_c) * ((U.T @ U) @ v_c)",
     "sum(k in K, U[ws[0]] @ v_c) * (U.T @ (U @ v_c))"),  # an index
    ("rows", "sum(k in K, U[ws[k]] @ v_c) * ((U.T @ U) @ v_c)",
     "sum(k in V, U[k] @ v_c) * (U.T @ (U @ v_c))"),  # a size (and the list it indexes)
    ("rows", "(v_c @ U.T) @ U", "v_c @ (U.T @ U.T.T)"),  # a transpose that changes nothing: proved
]


@given(case=st.sampled_from(SUBSTITUTED))
def test_a_substituted_transpose_index_or_size_is_refuted(case):
    convention, left, right = case
    assert verdict(convention, left, right) == ("proved" if right.endswith("U.T.T)") else "refuted")
