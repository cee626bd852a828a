"""Constructs people write (issue 12), part 2: claims that hold only ``when`` conditions hold,
tables of index lists (separate negatives for each pair of a window), functions passed to
macros (the skip-gram sum over any pair loss), and gradients by an intermediate of ``[let]``.
Each: the correct form is proved or checked, wrong forms are refuted (with a counterexample
that meets the conditions), malformed input is located, and the construct's values agree with
NumPy at random shapes."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symw2v.derivation.errors import DerivationError
from symw2v.derivation.loader import loads
from symw2v.language.errors import FormulaError
from symw2v.symbolic.assumptions import Assumptions, decide, regions
from symw2v.symbolic.tensor import size_symbol
from symw2v.verify import concrete, pit
from symw2v.verify.checker import check_derivation, check_paths
from symw2v.verify.piecewise import cases
from tests.helpers import NAIVE, verdicts_of
from tests.test_constructs import lowered, rejected_mutants, typesets, values

DATA = Path(__file__).parent / "data" / "constructs2.toml"
D = size_symbol("d")


def claim(cid: str, result: str, *, wrt: str = "", lhs: str = "", of: str = "", when=(), assume=()) -> str:
    head = f'wrt = "{wrt}"' if wrt else f'lhs = "{lhs}"'
    lines = [f'[[claim]]\nid = "{cid}"', head, f'result = "{result}"']
    lines += [f'of = "{of}"'] * bool(of)
    lines += [f"when = {json.dumps(list(when))}"] * bool(when)
    lines += [f"assume = {json.dumps(list(assume))}"] * bool(assume)
    return "\n".join(lines) + "\n"


def verdict(preamble: str, result: str, **kw) -> str:
    return verdicts_of(preamble + claim("c", result, **kw))["c"]


def result_of(preamble: str, result: str, **kw):
    [found] = check_derivation(loads(preamble + claim("c", result, **kw), "<test>"))
    return found


# ---- when: index conditions, membership, sign conditions on any scalar expression ---------------

NEG = """
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
o = "index[V]"
w = "index[V]"
ws = "indices[K, V]"
x = "scalar"
y = "scalar"
[loss]
J = "-log(sigma(U[o] @ v_c)) - sum(k, log(sigma(-U[ws[k]] @ v_c)))"
"""

RELU = {"lhs": "grad(relu(U[o] @ v_c), v_c)"}

WHEN = [
    # naive softmax, by another outside vector: yhat[w] v_c, not zero
    (NAIVE, "yhat[w] * v_c", {"wrt": "U[w]", "when": ["w != o"]}, "proved"),
    (NAIVE, "zeros(d)", {"wrt": "U[w]", "when": ["w != o"]}, "refuted"),
    (NAIVE, "(yhat[w] - 1) * v_c", {"wrt": "U[w]", "when": ["w != o"]}, "refuted"),
    (NAIVE, "(yhat[w] - 1) * v_c", {"wrt": "U[w]", "when": ["w == o"]}, "proved"),
    # negative sampling: a word that is neither o nor drawn gets no gradient; a drawn one counts its draws
    (NEG, "zeros(d)", {"wrt": "U[w]", "when": ["w != o", "w not in ws"]}, "proved"),
    (NEG, "zeros(d)", {"wrt": "U[w]", "when": ["w != o"]}, "refuted"),
    (NEG, "count(ws, w) * sigma(U[w] @ v_c) * v_c", {"wrt": "U[w]", "when": ["w in ws", "w != o"]}, "proved"),
    (NEG, "sigma(U[w] @ v_c) * v_c", {"wrt": "U[w]", "when": ["w in ws", "w != o"]}, "refuted"),
    (NEG, "zeros(d)", {"wrt": "U[w]", "when": ["w in ws", "w != o"]}, "refuted"),
    # the ReLU of a score, on each side of 0 (the derivative at 0 is 0)
    (NEG, "U[o]", {**RELU, "when": ["U[o] @ v_c > 0"]}, "proved"),
    (NEG, "U[o]", {**RELU, "when": ["v_c @ U[o] > 0"]}, "proved"),  # the same score written the other way
    (NEG, "U[o]", {**RELU, "when": ["2 * (U[o] @ v_c) > 1"]}, "proved"),
    (NEG, "U[o]", {**RELU, "when": ["U[o] @ v_c >= 0"]}, "refuted"),  # at 0
    (NEG, "U[o]", {**RELU}, "refuted"),
    (NEG, "zeros(d)", {**RELU, "when": ["U[o] @ v_c <= 0"]}, "proved"),
    (NEG, "zeros(d)", {**RELU, "when": ["U[o] @ v_c < 2"]}, "refuted"),
    (NEG, "zeros(d)", {**RELU, "when": ["U[o] @ v_c < 1"]}, "undecided"),  # wrong only at 0 < u.v < 1: never checked
    (NEG, "zeros(d)", {**RELU, "when": ["U[w] @ v_c < 0"]}, "refuted"),  # another score
    # an identity that holds only under a condition, on declared scalars
    (NEG, "x - 1", {"lhs": "relu(x - 1)", "when": ["x > 1"]}, "proved"),
    (NEG, "x - 1", {"lhs": "relu(x - 1)", "when": ["x >= 1"]}, "checked"),  # both branches agree at 1
    (NEG, "x - 1", {"lhs": "relu(x - 1)", "when": ["x > -1"]}, "refuted"),
    (NEG, "x - 1", {"lhs": "relu(x - 1)", "when": ["x > 0"]}, "undecided"),  # wrong only at 0 < x < 1
    (NEG, "x", {"lhs": "(x**2)**(1/2)", "when": ["x > 2"]}, "proved"),  # x > 2 makes x positive
    (NEG, "y", {"lhs": "[x > y] * y", "when": ["x - y > 0"]}, "proved"),
    (NEG, "y", {"lhs": "[x > y] * y", "when": ["x - y >= 0"]}, "refuted"),
]


@pytest.mark.parametrize(
    "preamble,result,where,expected", WHEN, ids=[f"{c[1]}-{c[2].get('when')}-{c[3]}" for c in WHEN]
)
def test_when(preamble, result, where, expected):
    assert verdict(preamble, result, **where) == expected


def test_a_false_conditional_claim_is_refuted_where_the_condition_holds():
    """The brief's example: by another outside vector the naive-softmax gradient is not zero."""
    found = result_of(NAIVE, "zeros(d)", wrt="U[w]", when=["w != o"])
    assert found.verdict == "refuted" and found.when == ["w != o"]
    cex = found.counterexample
    assert cex.instance.indices[sp.Symbol("w", integer=True, nonnegative=True)] != cex.instance.indices[
        sp.Symbol("o", integer=True, nonnegative=True)
    ]


def test_a_counterexample_meets_the_membership_condition():
    found = result_of(NEG, "sigma(U[w] @ v_c) * v_c", wrt="U[w]", when=["w in ws", "w != o"])
    inst = found.counterexample.instance
    w = inst.indices[sp.Symbol("w", integer=True, nonnegative=True)]
    drawn = inst.lists[sp.IndexedBase("ws", integer=True)]
    assert w in drawn and drawn.count(w) > 1  # counted once is wrong only where w repeats


@settings(max_examples=30, deadline=None)
@given(
    op=st.sampled_from([">", ">=", "<", "<="]),
    a=st.integers(-1, 1),
    b=st.integers(-1, 1),
    passes=st.booleans(),
)
def test_a_conditional_relu_claim_is_accepted_exactly_when_true(op, a, b, passes):
    """grad(relu(u.v - a), v) is u where u.v > a and 0 where u.v <= a; claimed to be u (or 0)
    when u.v op b. Accepted only when the condition's region lies inside the claimed side; any
    counterexample meets the condition."""
    result = "U[o]" if passes else "zeros(d)"
    found = result_of(NEG, result, lhs=f"grad(relu(U[o] @ v_c - {a}), v_c)", when=[f"U[o] @ v_c {op} {b}"])
    region = {">": sp.Interval.open(b, sp.oo), ">=": sp.Interval(b, sp.oo),
              "<": sp.Interval.open(-sp.oo, b), "<=": sp.Interval(-sp.oo, b)}[op]  # fmt: skip
    side = sp.Interval.open(a, sp.oo) if passes else sp.Interval(-sp.oo, a)
    true = bool(region.is_subset(side))
    if not true:
        assert found.verdict in ("refuted", "undecided")
    if true:
        assert found.verdict in ("proved", "checked")
    cex = found.counterexample
    if cex is not None:
        o = cex.instance.indices[sp.Symbol("o", integer=True, nonnegative=True)]
        score = sum(cex.values[f"U[{o}, {i}]"] * cex.values[f"v_c[{i}]"] for i in range(cex.instance.sizes[D]))
        assert {">": score > b, ">=": score >= b, "<": score < b, "<=": score <= b}[op]


@pytest.mark.parametrize(
    "when,bad",
    [
        (["U[o] @ v_c > 1", "U[o] @ v_c < 0"], 1),
        (["x > 1", "x <= 0"], 1),
        (["x > 0", "-x > 0"], 1),
        (["w in ws", "w != o", "w not in ws"], 2),
        (["w == o", "o != w"], 1),
        (["x - x > 0"], 0),
    ],
)
def test_contradictory_conditions_are_malformed_where_they_contradict(when, bad):
    found = result_of(NEG, "0", lhs="1", when=when)
    assert found.verdict == "malformed"
    assert f"when[{bad}]" in found.error and "(column 1)" in found.error


@pytest.mark.parametrize(
    "bad,message",
    [
        ("U[o] > 0", "compares two scalars"),
        ("o > 0", "an index is a label"),
        ("w in v_c", "an assumption is"),
        ("x", "an assumption is"),
    ],
)
def test_malformed_conditions_are_located(bad, message):
    found = result_of(NEG, "0", lhs="1", when=[bad])
    assert found.verdict == "malformed" and message in found.error and "when[0]" in found.error


def test_assume_and_when_are_the_same_facts():
    """`when` states where the claim holds, `assume` what the file takes for granted; the checker
    treats them alike (the report says which is which)."""
    for key in ("when", "assume"):
        assert verdict(NEG, "U[o]", **RELU, **{key: ["U[o] @ v_c > 0"]}) == "proved"
        assert verdict(NEG, "U[o]", **RELU, **{key: ["U[o] @ v_c >= 0"]}) == "refuted"


def test_the_condition_is_in_every_report(tmp_path):
    from symw2v.report.json_report import JsonPrinter
    from symw2v.report.latex import LatexReport
    from symw2v.report.table import TablePrinter

    text = NEG + claim("c", "U[o]", **RELU, when=["U[o] @ v_c > 0"])
    derivation = loads(text, "<test>")
    results = check_derivation(derivation)
    assert json.loads(JsonPrinter().render(results))[0]["when"] == ["U[o] @ v_c > 0"]
    from rich.console import Console

    console = Console(record=True, width=300)
    TablePrinter(console).print(results, all_chains=True)
    shown = console.export_text()
    assert shown.count("holds when U[o] @ v_c > 0") == 2  # in the table and above the chain
    tex = LatexReport().section(derivation, results)
    assert r"Holds when $\mathbf{u}_{o}^\top \mathbf{v}_{c} > 0$" in tex


# ---- the instance machinery under sign conditions ---------------------------------------------------

X = [sp.Indexed(sp.IndexedBase("x"), i) for i in range(2)]
OPS = st.sampled_from([">", ">=", "<", "<="])
GAP = st.tuples(st.integers(-2, 2), st.integers(-2, 2), st.integers(-2, 2)).filter(lambda c: c[0] or c[1])


def relu_like(g: sp.Expr, k: int) -> sp.Expr:
    return [sp.Piecewise((0, g <= 0), (g, True)), sp.Piecewise((1, g > 0), (0, True)), g][k]


@settings(max_examples=60, deadline=None)
@given(GAP, GAP, OPS, OPS, st.integers(0, 2), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2))
def test_equal_under_conditions_means_equal_wherever_they_hold(g1, g2, op1, op2, k1, k2, k3, k4):
    """`decide` and `cases` with conditions: a difference they call zero vanishes at every point
    that meets the conditions (grid and breakpoints)."""
    gaps = [a * X[0] + b * X[1] + c for a, b, c in (g1, g2)]
    conditions = [(gaps[0], op1), (gaps[1], op2)]
    left = relu_like(gaps[0], k1) + relu_like(gaps[1], k2)
    right = relu_like(gaps[0], k3) * relu_like(gaps[1], k4)
    diff = decide(left - right, regions(conditions))
    if not all(pit.is_zero(c) for c in cases(diff, conditions)):
        return
    holds = {">": lambda v: v > 0, ">=": lambda v: v >= 0, "<": lambda v: v < 0, "<=": lambda v: v <= 0}
    points = [{X[0]: sp.Rational(p, 2), X[1]: sp.Rational(q, 2)} for p, q in itertools.product(range(-6, 7), repeat=2)]
    for gap in gaps:
        for y in (-1, 0, 1):
            points += [{X[0]: r, X[1]: sp.Integer(y)} for r in sp.solve(gap.xreplace({X[1]: y}), X[0])]
    for point in points:
        if all(holds[op](g.xreplace(point)) for g, op in conditions):
            assert (left - right).xreplace(point) == 0, (left, right, conditions, point)


def test_decide_only_uses_the_same_expression():
    u, v = sp.IndexedBase("u", real=True), sp.IndexedBase("v", real=True)
    d = size_symbol("d")
    j, k = sp.Dummy("j", integer=True), sp.Dummy("k", integer=True)
    score = sp.Sum(u[j] * v[j], (j, 0, d - 1))
    again = sp.Sum(v[k] * u[k], (k, 0, d - 1))  # the same score, another bound index
    other = sp.Sum(u[k] * u[k], (k, 0, d - 1))
    relu = sp.Piecewise((0, again <= 0), (again, True))
    assert decide(relu, regions([(score, ">")])) == again
    assert decide(relu, regions([(score, ">=")])) == relu  # at 0 both branches agree, but <= 0 holds there
    assert decide(relu, regions([(score - 1, "<")])) == relu
    assert decide(relu, regions([(score + 1, "<")])) == 0
    assert decide(relu, regions([(other, ">")])) == relu


# ---- tables of index lists: separate negatives for each pair --------------------------------------

TABLE = """
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
ctx = "indices[M, V]"
ws = "indices[K, V]"
wss = "indices[M, K, V]"
w = "index[V]"
r = "index[M]"
s = "index[K]"
[define]
"J_neg(o, negs)" = "-log(sigma(U[o] @ v_c)) - sum(k, log(sigma(-U[negs[k]] @ v_c)))"
[loss]
J = "sum(m, J_neg(ctx[m], wss[m]))"
"""

SAMPLE = {"wrt": "U[wss[r, s]]", "when": ["wss[r, s] not in ctx"]}
PAIRS = "sum(m, (sigma(U[ctx[m]] @ v_c) - 1) * U[ctx[m]] + {})"

TABLES = [
    ("sum(m, -log(sigma(U[ctx[m]] @ v_c)) - sum(k, log(sigma(-U[wss[m][k]] @ v_c))))", {"lhs": "J"}, "proved"),
    ("sum(m, -log(sigma(U[ctx[m]] @ v_c)) - sum(k, log(sigma(-U[wss[0, k]] @ v_c))))", {"lhs": "J"}, "refuted"),
    # dJ/dv_c, with the sample rows gathered per pair, or entry by entry
    (PAIRS.format("U[wss[m]].T @ sigma(U[wss[m]] @ v_c)"), {"wrt": "v_c"}, "proved"),
    (PAIRS.format("sum(k, sigma(U[wss[m, k]] @ v_c) * U[wss[m, k]])"), {"wrt": "v_c"}, "proved"),
    (PAIRS.format("U[wss[0]].T @ sigma(U[wss[0]] @ v_c)"), {"wrt": "v_c"}, "refuted"),  # negatives shared
    (PAIRS.format("U[ws].T @ sigma(U[ws] @ v_c)"), {"wrt": "v_c"}, "refuted"),  # one list for every pair
    # a sample's row: every draw of it, in every pair's row, counts
    ("sum(m, count(wss[m], wss[r, s])) * sigma(U[wss[r, s]] @ v_c) * v_c", SAMPLE, "checked"),
    ("sum(m, sum(k, [wss[m, k] == wss[r][s]])) * sigma(U[wss[r, s]] @ v_c) * v_c", SAMPLE, "checked"),
    ("count(wss[r], wss[r, s]) * sigma(U[wss[r, s]] @ v_c) * v_c", SAMPLE, "refuted"),  # its own pair only
    ("sigma(U[wss[r, s]] @ v_c) * v_c", SAMPLE, "refuted"),  # drops the multiplicity
    ("M * count(wss[r], wss[r, s]) * sigma(U[wss[r, s]] @ v_c) * v_c", SAMPLE, "refuted"),  # rows assumed alike
    # any word w
    (
        "sum(m, [ctx[m] == w] * (sigma(U[w] @ v_c) - 1) * v_c + count(wss[m], w) * sigma(U[w] @ v_c) * v_c)",
        {"wrt": "U[w]"},
        "checked",
    ),
    ("sum(m, [ctx[m] == w] * (sigma(U[w] @ v_c) - 1) * v_c + count(wss[0], w) * sigma(U[w] @ v_c) * v_c)",
     {"wrt": "U[w]"}, "refuted"),  # fmt: skip
    # assumptions on tables and rows
    ("1", {"lhs": "count(wss[r], wss[r, s])", "assume": ["distinct(wss[r])"]}, "proved"),
    ("1", {"lhs": "count(wss[r], wss[r, s])"}, "refuted"),
    ("1", {"lhs": "sum(m, count(wss[m], wss[r, s]))", "assume": ["distinct(wss)"]}, "proved"),
    ("1", {"lhs": "sum(m, count(wss[m], wss[r, s]))", "assume": ["distinct(wss[r])"]}, "refuted"),
    ("0", {"lhs": "count(wss[r], w)", "when": ["w not in wss"]}, "proved"),
    ("0", {"lhs": "count(wss[0], w)", "when": ["w not in wss[r]"]}, "refuted"),
]


@pytest.mark.parametrize("result,where,expected", TABLES, ids=[f"{c[0][:50]}-{c[2]}" for c in TABLES])
def test_tables(result, where, expected):
    assert verdict(TABLE, result, **where) == expected


def test_dropping_the_multiplicity_of_a_table_entry_is_diagnosed():
    found = result_of(TABLE, "sigma(U[wss[r, s]] @ v_c) * v_c", **SAMPLE)
    assert found.steps[0].diagnosis.startswith("repeated samples counted once")
    inst = found.counterexample.instance
    table = inst.lists[sp.IndexedBase("wss", integer=True)]
    assert isinstance(table[0], tuple) and len(table) == inst.sizes[size_symbol("M")]


@pytest.mark.parametrize(
    "formula,message",
    [
        ("U[wss]", "expected an index here, not a table of index lists"),
        ("wss[r, s, s]", "takes a row wss[m] or an entry wss[m, k]"),
        ("wss[s]", "ranges over K, but the axis has size M"),
        ("wss[r, r]", "ranges over M, but the axis has size K"),
        ("count(wss, w)", "takes an index list and an index"),
    ],
)
def test_table_errors(formula, message):
    with pytest.raises(FormulaError, match=re.escape(message)):
        lowered(TABLE, formula)


@settings(max_examples=20, deadline=None)
@given(data=st.data(), M=st.integers(1, 3), K=st.integers(1, 3), V=st.integers(1, 4), d=st.integers(1, 2))
def test_table_values_match_numpy(data, M, K, V, d):
    table = data.draw(st.lists(st.lists(st.integers(0, V - 1), min_size=K, max_size=K), min_size=M, max_size=M))
    r, s, w = data.draw(st.integers(0, M - 1)), data.draw(st.integers(0, K - 1)), data.draw(st.integers(0, V - 1))
    U = np.array(data.draw(st.lists(st.integers(-3, 3), min_size=V * d, max_size=V * d)), float).reshape(V, d)
    sizes, lists, indices = {"M": M, "K": K, "V": V, "d": d}, {"wss": list(map(tuple, table))}, {"r": r, "s": s, "w": w}

    def at(formula: str) -> np.ndarray:
        return values(lowered(TABLE, formula), sizes, {"U": U}, lists, indices)

    assert np.array_equal(at("U[wss[r]]"), U[table[r]])
    assert np.array_equal(at("U[wss[r, s]]"), U[table[r][s]])
    assert np.array_equal(at("U[wss[r][s]]"), U[table[r][s]])
    assert at("count(wss[r], w)") == table[r].count(w)
    assert at("sum(m, count(wss[m], w))") == sum(row.count(w) for row in table)


V_, K_, M_ = sp.symbols("V K M", integer=True, positive=True)
WSS, CTX = sp.IndexedBase("wss", integer=True), sp.IndexedBase("ctx", integer=True)
O_, R_ = sp.Symbol("o", integer=True, nonnegative=True), sp.Symbol("r", integer=True, nonnegative=True)
TABLE_FACTS = {
    "distinct(wss[r])": Assumptions(distinct=frozenset({(WSS, (R_,))})),
    "distinct(wss)": Assumptions(distinct=frozenset({WSS})),
    "o not in wss": Assumptions(not_in=frozenset({(O_, WSS)})),
    "o in wss[r]": Assumptions(member=frozenset({(O_, (WSS, (R_,)))})),
    "o != wss[r, 0]": Assumptions(unequal=frozenset({frozenset((O_, WSS[R_, 0]))})),
}


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(sorted(TABLE_FACTS))), st.booleans())
def test_table_instances_tell_every_pair_of_entries_apart_and_together(chosen, with_ctx):
    """Every entry of a table is an atom of its range: at the generic sizes every two atoms of
    range V (the entries of every row, of the list ctx, and o) differ in some instance and
    coincide in some, unless an assumption forbids it; every instance meets the assumptions."""
    facts = Assumptions()
    for name in chosen:
        facts = facts.merge(TABLE_FACTS[name])
    if {"o in wss[r]", "o not in wss"} <= chosen:
        assert facts.contradiction() == "o is assumed both in and not in wss"
        return
    lists = {WSS: (sp.Tuple(M_, K_), V_), **({CTX: (M_, V_)} if with_ctx else {})}
    found = concrete.instances([V_, K_, M_], {O_: V_, R_: M_}, lists, facts)
    assert found
    for inst in found:
        assert facts.holds(inst.lists, {**inst.sizes, **inst.indices})
    top = found[-1].sizes
    at_top = [i for i in found if i.sizes == top]
    assert len(set(top.values())) == 3 and min(top.values()) >= 2

    def atoms(inst) -> dict[tuple, int]:
        out = {("o",): inst.indices[O_]}
        out |= {("wss", m, k): v for m, row in enumerate(inst.lists[WSS]) for k, v in enumerate(row)}
        out |= {("ctx", n): v for n, v in enumerate(inst.lists.get(CTX, ()))}
        return out

    def forbidden(a: tuple, b: tuple, r: int) -> bool:
        pair, entries = {a, b}, [x for x in (a, b) if x[0] == "wss"]
        if len(entries) == 2:
            # o in wss[r] and o != wss[r, 0], with two entries a row: o is wss[r, 1], so it differs from wss[r, 0]
            tied = {"o in wss[r]", "o != wss[r, 0]"} <= chosen and pair == {("wss", r, 0), ("wss", r, 1)}
            return "distinct(wss)" in chosen or ("distinct(wss[r])" in chosen and a[1] == b[1] == r) or tied
        if ("o",) in pair and entries:
            (_, m, k) = entries[0]
            in_row = "o in wss[r]" in chosen and "distinct(wss)" in chosen and m != r  # o is an entry of row r
            return "o not in wss" in chosen or ("o != wss[r, 0]" in chosen and (m, k) == (r, 0)) or in_row
        return False

    def forced(a: tuple, b: tuple, r: int) -> bool:
        """o in wss[r] and o != wss[r, 0]: with two entries a row, o is wss[r, 1]."""
        return {"o in wss[r]", "o != wss[r, 0]"} <= chosen and {a, b} == {("o",), ("wss", r, 1)}

    keys = sorted(atoms(at_top[0]))
    for a, b in itertools.combinations(keys, 2):
        if not all(forced(a, b, i.indices[R_]) for i in at_top):
            assert any(atoms(i)[a] != atoms(i)[b] for i in at_top), (a, b, "never differ")
        if not any(forbidden(a, b, i.indices[R_]) for i in at_top):
            assert any(atoms(i)[a] == atoms(i)[b] for i in at_top), (a, b, "never coincide")


# ---- functions passed to macros ----------------------------------------------------------------------

FUNCTIONS = """
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
ctx = "indices[M, V]"
ws = "indices[K, V]"
t = "scalar"
[define]
"skipgram(pair)" = "sum(m, pair(ctx[m]))"
"J_neg(o)" = "-log(sigma(U[o] @ v_c)) - sum(k, log(sigma(-U[ws[k]] @ v_c)))"
"J_sm(o)" = "-log(softmax(U @ v_c)[o])"
"apply(f, x)" = "f(x)"
"compose(f, g, x)" = "f(g(x))"
"pass_on(f, x)" = "apply(f, x)"
[loss]
J = "skipgram(J_neg)"
"""

MACROS = [
    ("sum(m, -log(sigma(U[ctx[m]] @ v_c)) - sum(k, log(sigma(-U[ws[k]] @ v_c))))", {"lhs": "J"}, "proved"),
    ("sum(j, J_sm(ctx[j]))", {"lhs": "skipgram(J_sm)"}, "proved"),
    ("sum(m, grad(J_neg(ctx[m]), v_c))", {"wrt": "v_c"}, "proved"),
    ("sum(m, grad(J_neg(ctx[m]), U))", {"wrt": "U"}, "proved"),
    ("M * J_neg(ctx[0])", {"lhs": "J"}, "refuted"),
    ("skipgram(J_sm)", {"lhs": "J"}, "refuted"),
    ("sigma(t)", {"lhs": "apply(sigma, t)"}, "proved"),
    ("sigma(t)", {"lhs": "pass_on(sigma, t)"}, "proved"),  # a function handed on
    ("exp(log(t))", {"lhs": "compose(exp, log, t)"}, "proved"),
    ("exp(tanh(t))", {"lhs": "compose(tanh, exp, t)"}, "refuted"),
    ("relu(t)", {"lhs": "apply(sigma, t)"}, "refuted"),
    ("softmax(U @ v_c)", {"lhs": "apply(softmax, U @ v_c)"}, "proved"),
]


@pytest.mark.parametrize("result,where,expected", MACROS, ids=[f"{c[0][:40]}-{c[2]}" for c in MACROS])
def test_functions_passed_to_macros(result, where, expected):
    assert verdict(FUNCTIONS, result, **where) == expected


@settings(max_examples=15, deadline=None)
@given(data=st.data(), M=st.integers(1, 3), V=st.integers(1, 3), d=st.integers(1, 2))
def test_a_macro_given_a_function_matches_numpy(data, M, V, d):
    """skipgram(J_sm) is the sum of J_sm over the window, whatever the window."""
    U = np.array(data.draw(st.lists(st.integers(-2, 2), min_size=V * d, max_size=V * d)), float).reshape(V, d)
    v = np.array(data.draw(st.lists(st.integers(-2, 2), min_size=d, max_size=d)), float)
    ctx = data.draw(st.lists(st.integers(0, V - 1), min_size=M, max_size=M))
    logp = U @ v - np.log(np.exp(U @ v).sum())
    sizes, arrays = {"M": M, "V": V, "d": d, "K": 1}, {"U": U, "v_c": v}
    got = values(lowered(FUNCTIONS, "skipgram(J_sm)"), sizes, arrays, {"ctx": ctx})
    assert np.isclose(got, -logp[ctx].sum())
    assert np.isclose(values(lowered(FUNCTIONS, "apply(exp, U @ v_c)"), sizes, arrays), np.exp(U @ v)).all()


@pytest.mark.parametrize(
    "extra,lhs,message",
    [
        ('"sg2(p)" = "sum(m, p(ctx[m], t))"', "sg2(J_neg)", "p (standing for J_neg) takes 1 argument(s), got 2"),
        ('"g2(f)" = "f(t, t)"', "g2(sigma)", "f (standing for sigma) takes 1 argument(s), got 2"),
        ('"h(f)" = "f(t) + f"', "h(sigma)", "f stands for the function sigma here; call it"),
        ("", "skipgram(t)", "pair is not a function: it is a scalar value"),
        ("", "apply(max, t)", "max cannot be passed as a function"),
        ("", "apply(grad, t)", "grad cannot be passed as a function"),
        ("", "J_neg + 1", "J_neg takes arguments"),
    ],
)
def test_function_argument_errors_are_located(extra, lhs, message):
    text = FUNCTIONS.replace("[loss]", extra + "\n[loss]") + claim("c", "0", lhs=lhs)
    [found] = check_derivation(loads(text, "<test>"))
    assert found.verdict == "malformed" and message in found.error and "column" in found.error


@pytest.mark.parametrize(
    "extra,lhs,circle",
    [
        ('"self(g)" = "g(g)"', "self(self)", "self -> self"),
        ('"loop(x)" = "apply(loop, x)"', "loop(t)", "loop -> apply -> loop"),
    ],
)
def test_recursion_through_a_function_argument_is_refused_when_loading(extra, lhs, circle):
    text = FUNCTIONS.replace("[loss]", extra + "\n[loss]") + claim("c", "0", lhs=lhs)
    with pytest.raises(DerivationError, match=f"circular definition: {circle}"):
        loads(text, "<test>")


def test_a_function_argument_cannot_smuggle_max_into_a_gradient():
    text = FUNCTIONS.replace("[loss]", '"top(x)" = "max(x)"\n[loss]')
    text += claim("c", "0", lhs="grad(apply(top, U @ v_c), v_c)")
    [found] = check_derivation(loads(text, "<test>"))
    assert found.verdict == "malformed" and "cannot differentiate through max" in found.error


def test_definitions_are_scoped_lexically():
    """A definition means what it says where it is written: a name it uses is never the
    parameter or the sum index of the place that uses it (o in u_o is the declared o)."""
    text = """
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
o = "index[V]"
q = "index[V]"
[define]
u_o = "U[o]"
"f(o)" = "u_o @ v_c"
"""
    assert verdict(text, "U[o] @ v_c", lhs="f(q)") == "proved"
    assert verdict(text, "U[q] @ v_c", lhs="f(q)") == "refuted"


# ---- gradients by an intermediate ([let]) ----------------------------------------------------------

LET = """
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
o = "index[V]"
ws = "indices[K, V]"
[define]
yhat = "softmax(theta)"
[let]
theta = "U @ v_c"
score = "U[o] @ v_c"
[loss]
J = "-log(yhat[o])"
J_ns = "-log(sigma(score)) - sum(k, log(sigma(-U[ws[k]] @ v_c)))"
J_direct = "-log(softmax(U @ v_c)[o])"
"""

LETS = [
    ("yhat - onehot(o, V)", {"wrt": "theta", "of": "J"}, "proved"),
    ("softmax(U @ v_c) - onehot(o, V)", {"wrt": "theta", "of": "J"}, "proved"),  # theta substituted back
    ("onehot(o, V) - yhat", {"wrt": "theta", "of": "J"}, "refuted"),
    ("yhat", {"wrt": "theta", "of": "J"}, "refuted"),
    ("U.T @ grad(J, theta)", {"wrt": "v_c", "of": "J"}, "proved"),  # the chain rule through theta
    ("outer(grad(J, theta), v_c)", {"wrt": "U", "of": "J"}, "proved"),
    ("sigma(score) - 1", {"wrt": "score", "of": "J_ns"}, "proved"),
    ("1 - sigma(score)", {"wrt": "score", "of": "J_ns"}, "refuted"),
    ("grad(J_ns, score) * v_c", {"wrt": "U[o]", "of": "J_ns"}, "refuted"),  # U[o] may be a sample too
    ("grad(J_ns, score) * v_c", {"wrt": "U[o]", "of": "J_ns", "assume": ["o not in ws"]}, "proved"),
    ("diag(yhat) - outer(yhat, yhat)", {"lhs": "jacobian(yhat, theta)"}, "proved"),
    ("diag(yhat)", {"lhs": "jacobian(yhat, theta)"}, "refuted"),
]


@pytest.mark.parametrize("result,where,expected", LETS, ids=[f"{c[0][:40]}-{c[2]}" for c in LETS])
def test_gradients_by_an_intermediate(result, where, expected):
    assert verdict(LET, result, **where) == expected


def test_the_wrong_sign_by_an_intermediate_is_diagnosed():
    found = result_of(LET, "onehot(o, V) - yhat", wrt="theta", of="J")
    assert found.steps[0].diagnosis.startswith("sign flip")


def test_an_intermediate_the_loss_does_not_go_through_is_an_error():
    found = result_of(LET, "yhat - onehot(o, V)", wrt="theta", of="J_direct")
    assert found.verdict == "malformed"
    assert "does not depend on theta through its definitions" in found.error


def test_an_intermediate_takes_no_parameters():
    with pytest.raises(DerivationError, match="an intermediate takes no parameters"):
        loads(LET.replace('score = "U[o] @ v_c"', '"score(q)" = "U[q] @ v_c"') + claim("c", "0", lhs="0"), "<t>")


@settings(max_examples=15, deadline=None)
@given(data=st.data(), V=st.integers(1, 3), d=st.integers(1, 2))
def test_the_gradient_by_an_intermediate_matches_numpy(data, V, d):
    U = np.array(data.draw(st.lists(st.integers(-2, 2), min_size=V * d, max_size=V * d)), float).reshape(V, d)
    v = np.array(data.draw(st.lists(st.integers(-2, 2), min_size=d, max_size=d)), float)
    o = data.draw(st.integers(0, V - 1))
    theta = U @ v
    p = np.exp(theta - theta.max()) / np.exp(theta - theta.max()).sum()
    got = values(lowered(LET, "grad(J, theta)"), {"V": V, "d": d}, {"U": U, "v_c": v}, indices={"o": o})
    assert np.allclose(got, p - np.eye(V)[o])


# ---- the file using every construct: verdicts, mutants, LaTeX -------------------------------------


def test_the_constructs2_file_verifies():
    assert {r.claim: r.verdict for r in check_paths([DATA])} == {
        "when.index": "proved",
        "when.sign": "proved",
        "when.member": "proved",
        "table.v_c": "proved",
        "table.sample": "checked",
        "function": "proved",
        "let.score": "proved",
    }


def test_a_mutant_of_a_construct2_claim_that_differs_numerically_is_never_accepted():
    """Every single-edit mutant of every claim: the ones the independent oracle (which draws its
    points where the conditions hold) finds different are never proved or checked."""
    assert rejected_mutants(DATA) >= 40


def test_the_constructs2_file_typesets_and_compiles(tmp_path):
    typesets(DATA, (r"Holds when", r"\mathrm{wss}_{r,s}", r"\mathrm{skipgram}", r"\boldsymbol{\theta} &="), tmp_path)


def test_a_regenerated_skeleton_keeps_the_intermediates():
    """`symw2v derive` writes the file's [let] table back, so a gradient by theta verifies there."""
    from symw2v.derivation.loader import load
    from symw2v.derive.regenerate import skeleton_text

    text = skeleton_text(load(DATA), "J_o", "theta", "softmax(theta) - onehot(o, V)")
    assert "[let]" in text and verdicts_of(text) == {"derived": "proved"}
