"""The instances a claim is checked at can tell index and size substitutions apart.

Properties over random declarations (sizes, free indices, index lists, assumptions, constant
indices): every instance respects the assumptions; some instance is not degenerate; at the
generic sizes every two sizes differ; every two atoms of one range (free indices, list entries)
differ in some instance and coincide in some, unless an assumption forbids it; every atom takes
and avoids every constant index. And the random-point identity test: never zero for a nonzero
rational function, always zero for an identity written two ways.
"""

from __future__ import annotations

import itertools

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symw2v.symbolic.assumptions import Assumptions
from symw2v.verify import concrete, pit
from symw2v.verify.piecewise import cases

SIZES = sp.symbols("V d K M", integer=True, positive=True)
INDICES = sp.symbols("o s w", integer=True, nonnegative=True)
LISTS = (sp.IndexedBase("ws"), sp.IndexedBase("ctx"))


@st.composite
def declarations(draw):
    sizes = list(SIZES[: draw(st.integers(1, 4))])
    ranges = {i: draw(st.sampled_from(sizes)) for i in INDICES[: draw(st.integers(0, 3))]}
    lists = {}
    for base in LISTS[: draw(st.integers(0, 2))]:
        length, size = draw(st.sampled_from(sizes)), draw(st.sampled_from(sizes))
        if length != size and all(length != r for _, r in lists.values()) and all(size != n for n, _ in lists.values()):
            lists[base] = (length, size)  # a length is never also the range of a list
    distinct = frozenset(b for b in lists if draw(st.booleans()))
    not_in = frozenset(
        (i, b) for i, r in ranges.items() for b, (_, size) in lists.items() if r == size and draw(st.booleans())
    )
    pairs = [frozenset(p) for p in itertools.combinations(ranges, 2) if ranges[p[0]] == ranges[p[1]]]
    unequal = frozenset(p for p in pairs if draw(st.booleans()))
    constants = frozenset(draw(st.sets(st.integers(0, 2), max_size=2)))
    return sizes, ranges, lists, Assumptions(distinct, not_in, unequal), constants


def _atoms(inst: concrete.Instance):
    out = {str(k): v for k, v in inst.indices.items()}
    out |= {f"{b}[{n}]": v for b, vs in inst.lists.items() for n, v in enumerate(vs)}
    return out


def _allowed(a: str, b: str, facts: Assumptions) -> bool:
    """Whether an assumption forbids atoms a and b to coincide."""
    base_a, base_b = a.split("[")[0], b.split("[")[0]
    if base_a == base_b and "[" in a and sp.IndexedBase(base_a) in facts.distinct:
        return False
    if any({str(x) for x in p} == {a, b} for p in facts.unequal):
        return False
    return not any({str(i), str(base)} == {a, base_b} or {str(i), str(base)} == {b, base_a} for i, base in facts.not_in)


@given(declarations())
def test_instances_tell_every_pair_of_atoms_apart_and_together(decl):
    sizes, ranges, lists, facts, constants = decl
    found = concrete.instances(sizes, ranges, lists, facts, constants)
    assert found
    for inst in found:
        assert facts.holds({b: list(v) for b, v in inst.lists.items()}, inst.indices)
    generic = [i for i in found if not i.degenerate]
    assert generic, "a degenerate instance must never be the only witness"
    top = found[-1].sizes
    assert len(set(top.values())) == len(top), f"generic sizes must differ pairwise: {top}"
    at_top = [i for i in found if i.sizes == top]
    range_of = {str(k): r for k, r in ranges.items()}
    range_of |= {f"{b}[{n}]": r for b, (length, r) in lists.items() for n in range(int(length.xreplace(top)))}
    for a, b in itertools.combinations(sorted(range_of), 2):
        if range_of[a] != range_of[b]:
            continue
        assert any(_atoms(i)[a] != _atoms(i)[b] for i in at_top), (a, b, "never differ")
        if _allowed(a, b, facts):
            assert any(_atoms(i)[a] == _atoms(i)[b] for i in at_top), (a, b, "never coincide")
    for a, c in itertools.product(range_of, constants):
        if c < int(range_of[a].xreplace(top)):
            assert any(_atoms(i)[a] != c for i in at_top), (a, c)


def test_a_fixed_index_is_told_from_a_free_one_with_repeats():
    """`ws[0]` for `ws[s]` needs s != 0 with ws[s] repeated elsewhere but not at 0."""
    K, V = sp.symbols("K V", integer=True, positive=True)
    s, ws = sp.Symbol("s", integer=True), sp.IndexedBase("ws")
    found = concrete.instances([K, V], {s: K}, {ws: (K, V)}, Assumptions(), frozenset({0}))
    counts = {
        (sum(x == i.lists[ws][i.indices[s]] for x in i.lists[ws]), sum(x == i.lists[ws][0] for x in i.lists[ws]))
        for i in found
    }
    assert any(a != b for a, b in counts)


ENTRIES = [sp.Indexed(sp.IndexedBase("U"), i) for i in range(4)]


@given(st.lists(st.tuples(st.integers(-3, 3), st.lists(st.sampled_from(ENTRIES), max_size=3)), min_size=1, max_size=5))
def test_identity_testing_is_sound_on_polynomials(terms):
    poly = sp.Add(*[c * sp.Mul(*m) for c, m in terms])
    assert pit.is_zero(poly) == (sp.expand(poly) == 0)
    assert pit.is_zero(sp.expand(poly) - poly)
    if sp.expand(poly) != 0:
        assert not pit.is_zero(poly / (1 + ENTRIES[0] ** 2))


def test_piecewise_cases_see_complementary_conditions_and_the_boundary():
    z = ENTRIES[0] + ENTRIES[1]
    relu_a = sp.Piecewise((0, z <= 0), (z, True))
    relu_b = sp.Piecewise((z, z > 0), (0, True))
    assert all(pit.is_zero(c) for c in cases(relu_a - relu_b))
    step_a, step_b = sp.Piecewise((1, z > 0), (0, True)), sp.Piecewise((1, z >= 0), (0, True))
    assert not all(pit.is_zero(c) for c in cases(step_a - step_b))  # they differ where z == 0


X = [sp.Indexed(sp.IndexedBase("x"), i) for i in range(2)]
GAPS = st.tuples(st.integers(-2, 2), st.integers(-2, 2), st.integers(-2, 2)).filter(lambda c: c[0] or c[1])
PIECES = {
    "relu": lambda g, h: sp.Piecewise((g, g > 0), (0, True)),
    "relu'": lambda g, h: sp.Piecewise((0, g <= 0), (g, True)),
    "step": lambda g, h: sp.Piecewise((1, g > 0), (0, True)),
    "step>=": lambda g, h: sp.Piecewise((1, g >= 0), (0, True)),
    "relu*step": lambda g, h: sp.Piecewise((g, g > 0), (0, True)) * sp.Piecewise((1, h > 0), (0, True)),
}


@st.composite
def piecewise_sums(draw):
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        (a, b, c), (p, q, r) = draw(GAPS), draw(GAPS)
        g, h = a * X[0] + b * X[1] + c, p * X[0] + q * X[1] + r
        terms.append(draw(st.integers(-2, 2)) * PIECES[draw(st.sampled_from(sorted(PIECES)))](g, h))
    return sp.Add(*terms)


@given(piecewise_sums(), piecewise_sums(), st.integers(0, 10**6))
def test_piecewise_equal_by_cases_means_equal_at_every_point(a, b, seed):
    """Equal case by case => equal everywhere, on the breakpoints too (where x[0] solves a gap)."""
    import random

    if not all(pit.is_zero(c) for c in cases(a - b)):
        return
    rng = random.Random(seed)
    points = [{X[0]: sp.Rational(rng.randint(-6, 6), 2), X[1]: sp.Rational(rng.randint(-6, 6), 2)} for _ in range(30)]
    for rel in (a - b).atoms(sp.core.relational.Relational):
        gap = rel.lhs - rel.rhs
        for y in (-1, 0, 1):
            roots = sp.solve(gap.xreplace({X[1]: y}), X[0])
            points += [{X[0]: r, X[1]: sp.Integer(y)} for r in roots]
    for point in points:
        assert (a - b).xreplace(point) == 0, (a, b, point)
