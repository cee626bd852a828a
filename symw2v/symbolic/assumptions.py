"""What a claim may assume about its indices and scalars, and the places that use it.

``distinct(ws)``: ws[j] == ws[k] only when j == k (for a table ``wss`` of index lists: all its
entries; for a row ``wss[m]``: the entries of that row).  ``o not in ws``: o differs from every
entry of ws (or of a row, or of a table); ``o in ws``: o equals some entry.  ``w != o``: the two
indices differ; ``w == o``: they are equal.  ``e > 0``, ``a <= b`` (``> >= < <=``): a sign
condition on any scalar expressions, kept as ``gap op 0`` with ``gap = a - b``. Without
``distinct`` an index list may repeat, and every gradient must count each occurrence.

A claim's ``when`` conditions are the same facts: the claim is stated only where they hold.

Every use is sound: Kronecker deltas are simplified only by what is assumed (:meth:`delta`),
of two indices assumed equal one stands for both, a declared scalar whose conditions fix its
sign becomes a SymPy symbol with that sign, and a comparison inside the claim (a ReLU's
``x <= 0``, an indicator) is replaced by True or False only where the conditions on the very
same expression decide it (:meth:`rewrite`). Concrete instances (:meth:`holds`) and
counterexample values are drawn only where every assumption holds, so a counterexample never
breaks one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

# x op 0 -> the SymPy assumption a symbol for x carries
SIGNS = {">": "positive", ">=": "nonnegative", "<": "negative", "<=": "nonpositive"}
FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
# q op b -> the set of values of q where it holds
REGIONS = {
    ">": lambda b: sp.Interval.open(b, sp.oo),
    ">=": lambda b: sp.Interval(b, sp.oo),
    "<": lambda b: sp.Interval.open(-sp.oo, b),
    "<=": lambda b: sp.Interval(-sp.oo, b),
    "==": lambda b: sp.FiniteSet(b),
    "!=": lambda b: sp.Union(sp.Interval.open(-sp.oo, b), sp.Interval.open(b, sp.oo)),
}
HOLDS = {
    ">": lambda v: v > 0,
    ">=": lambda v: v >= 0,
    "<": lambda v: v < 0,
    "<=": lambda v: v <= 0,
}
SIGN_REGIONS = {
    "positive": sp.Interval.open(0, sp.oo),
    "nonnegative": sp.Interval(0, sp.oo),
    "negative": sp.Interval.open(-sp.oo, 0),
    "nonpositive": sp.Interval(-sp.oo, 0),
}

# An index list as assumptions name it: its base, or (base, prefix) for the row base[prefix..., k]
# of a table (the whole table is its base: every entry).
ListRef = sp.IndexedBase | tuple[sp.IndexedBase, tuple[sp.Expr, ...]]


def ref_parts(ref: ListRef) -> tuple[sp.IndexedBase, tuple[sp.Expr, ...]]:
    return ref if isinstance(ref, tuple) else (ref, ())


def within(x: sp.Expr, ref: ListRef) -> bool:
    """Whether ``x`` is written as an entry of the list (or row, or table) ``ref``."""
    base, prefix = ref_parts(ref)
    return isinstance(x, sp.Indexed) and x.base == base and tuple(x.indices[: len(prefix)]) == prefix


@dataclass(frozen=True)
class Assumptions:
    distinct: frozenset[ListRef] = field(default_factory=frozenset)
    not_in: frozenset[tuple[sp.Expr, ListRef]] = field(default_factory=frozenset)
    unequal: frozenset[frozenset[sp.Expr]] = field(default_factory=frozenset)
    equal: frozenset[frozenset[sp.Expr]] = field(default_factory=frozenset)
    signs: frozenset[tuple[sp.Symbol, str]] = field(default_factory=frozenset)  # (x, one of SIGNS)
    member: frozenset[tuple[sp.Expr, ListRef]] = field(default_factory=frozenset)  # o in ws
    bounds: frozenset[tuple[sp.Expr, str]] = field(default_factory=frozenset)  # (gap, op): gap op 0

    def merge(self, other: Assumptions) -> Assumptions:
        return Assumptions(
            self.distinct | other.distinct,
            self.not_in | other.not_in,
            self.unequal | other.unequal,
            self.equal | other.equal,
            self.signs | other.signs,
            self.member | other.member,
            self.bounds | other.bounds,
        )

    def renaming(self) -> dict[sp.Expr, sp.Expr]:
        """Each plain index symbol assumed equal to another -> the one of its class that sorts
        first (``w == o`` and ``o == q``: w and q -> o)."""
        parent: dict[sp.Expr, sp.Expr] = {}

        def find(x: sp.Expr) -> sp.Expr:
            while x in parent:
                x = parent[x]
            return x

        for pair in self.equal:
            a, b = (find(e) for e in sorted(pair, key=sp.default_sort_key))
            if isinstance(a, sp.Symbol) and isinstance(b, sp.Symbol) and a != b:
                low, high = sorted((a, b), key=sp.default_sort_key)
                parent[high] = low
        return {x: find(x) for x in parent}

    def resolved(self) -> Assumptions:
        """The same assumptions also stated of the representatives of :meth:`renaming`: what a
        claim rewritten by :meth:`rewrite` is compared under (the equalities stay, so that
        :meth:`rewrite` still renames)."""
        names = self.renaming()
        if not names:
            return self

        def r(e: sp.Expr) -> sp.Expr:
            return e.xreplace(names)

        def ref(x: ListRef) -> ListRef:
            base, prefix = ref_parts(x)
            return (base, tuple(map(r, prefix))) if prefix else base

        def pairs(sets: frozenset[frozenset[sp.Expr]]) -> frozenset[frozenset[sp.Expr]]:
            return frozenset(p for p in (frozenset(map(r, s)) for s in sets) if len(p) == 2)

        unequal = frozenset(frozenset(map(r, p)) for p in self.unequal)  # {o, o}: no instance holds
        return Assumptions(
            self.distinct | frozenset(map(ref, self.distinct)),
            frozenset((r(e), ref(b)) for e, b in self.not_in),
            unequal,
            self.equal | pairs(self.equal),
            self.signs,
            frozenset((r(e), ref(b)) for e, b in self.member),
            self.bounds,
        )

    def contradiction(self) -> str | None:
        """What makes these (resolved) assumptions unsatisfiable, if something visibly does: an
        index assumed unequal to one assumed equal to it, an index both in and not in a list,
        or sign conditions on one expression that no value meets (``x > 0`` with ``x <= 0``,
        ``u @ v > 1`` with ``u @ v < 0``, ``1 > 2``). Under such assumptions every claim would
        hold vacuously, so none is checked."""
        for pair in self.unequal:
            if len(pair) == 1:
                return f"{next(iter(pair))} is assumed both equal and unequal to another index"
        for (e, ref), (x, outside) in itertools.product(self.member, self.not_in):
            (base, prefix), (other, around) = ref_parts(ref), ref_parts(outside)
            if e == x and base == other and prefix[: len(around)] == around:  # in wss[r], not in wss
                return f"{e} is assumed both in and not in {base}"
        names = self.renaming()
        renamed = [(gap.xreplace(names), op) for gap, op in self.bounds]
        for gap, op in renamed:
            if gap.is_number and gap.is_comparable and not HOLDS[op](gap):
                return f"the condition {gap} {op} 0 never holds"
        for q, allowed in regions(renamed).items():
            if allowed.is_empty:
                return f"no value of {q} meets every condition on it"
        return None

    # ---- sign conditions --------------------------------------------------------------------

    @cached_property
    def symbols(self) -> dict[sp.Expr, sp.Expr]:
        """What :meth:`rewrite` substitutes: equal indices renamed, and each declared scalar
        whose conditions fix its sign (``x > 0``, also ``x > 1``) -> a symbol of the same name
        carrying that sign."""
        names = self.renaming()
        signed: dict[sp.Symbol, dict[str, bool]] = {}
        for x, op in self.signs:
            signed.setdefault(x, {"real": True})[SIGNS[op]] = True
        for q, allowed in regions((g.xreplace(names), op) for g, op in self.bounds).items():
            if isinstance(q, sp.Symbol) and q.is_real and not q.is_integer and not allowed.is_empty:
                for sign, where in SIGN_REGIONS.items():
                    if allowed.is_subset(where):
                        signed.setdefault(q, {"real": True})[sign] = True
        return {**names, **{x: sp.Symbol(x.name, **a) for x, a in signed.items()}}

    @cached_property
    def conditions(self) -> list[tuple[sp.Expr, str]]:
        """The sign conditions ``gap op 0``, written in the symbols of :meth:`rewrite`."""
        return sorted(((g.xreplace(self.symbols), op) for g, op in self.bounds), key=sp.default_sort_key)

    @cached_property
    def bounded(self) -> dict[sp.Expr, sp.Set]:
        """For each expression the conditions bound (:func:`linear`), the values it may take."""
        return regions(self.conditions)

    def rewrite(self, e: sp.Expr) -> sp.Expr:
        """``e`` with equal indices renamed, each scalar of a known sign replaced by a symbol
        carrying it (:attr:`symbols`), and each comparison the conditions decide replaced by
        True or False (:func:`decide`)."""
        changes = self.symbols
        e = e.xreplace(changes) if changes else e
        return decide(e, self.bounded) if self.bounded else e

    def delta(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        """KroneckerDelta(a, b) simplified by what is assumed (sound: only proved rewrites)."""
        if frozenset((a, b)) in self.unequal:
            return sp.S.Zero
        if frozenset((a, b)) in self.equal:
            return sp.S.One
        for x, y in ((a, b), (b, a)):
            if any(e == y and within(x, ref) for e, ref in self.not_in):
                return sp.S.Zero
        if isinstance(a, sp.Indexed) and isinstance(b, sp.Indexed) and a.base == b.base:
            for ref in self.distinct:
                n = len(ref_parts(ref)[1])
                if within(a, ref) and within(b, ref) and a.indices[:n] == b.indices[:n]:
                    # entries of a list without repeats are equal exactly where their positions are
                    return sp.Mul(*(sp.KroneckerDelta(i, j) for i, j in zip(a.indices[n:], b.indices[n:], strict=True)))
        return sp.KroneckerDelta(a, b)

    def holds(self, lists: dict[sp.IndexedBase, list], scalars: dict[sp.Expr, int]) -> bool:
        """Whether concrete index values satisfy every assumption; assumptions about indices
        that have no value here are not in play. A table's value is a list of rows."""

        def number(e: sp.Expr) -> int | None:
            value = sp.sympify(scalars.get(e, e))
            return int(value) if value.is_Integer else None

        def value(e: sp.Expr) -> int | None:
            if isinstance(e, sp.Indexed):
                found = entries((e.base, tuple(e.indices)))
                return found[0] if found is not None and len(found) == 1 else None
            return number(e)

        def entries(ref: ListRef) -> list[int] | None:
            base, prefix = ref_parts(ref)
            found = lists.get(base)
            for i in prefix:
                n = value(i)
                if found is None or n is None or not 0 <= n < len(found):
                    return None
                found = found[n]
            return None if found is None else _flat(found)

        for ref in self.distinct:
            found = entries(ref)
            if found is not None and len(set(found)) != len(found):
                return False
        for e, ref in self.not_in | self.member:
            found, x = entries(ref), value(e)
            if found is not None and x is not None and ((x in found) != ((e, ref) in self.member)):
                return False
        for pair in self.unequal:
            a, b = (value(e) for e in pair) if len(pair) == 2 else (value(next(iter(pair))),) * 2
            if a is not None and a == b:
                return False
        for pair in self.equal:
            a, b = (value(e) for e in pair)
            if a is not None and b is not None and a != b:
                return False
        return True


def _flat(values) -> list[int]:
    """The entries of a list, or of a table's rows one after the other."""
    if isinstance(values, list | tuple):
        return [v for x in values for v in _flat(x)]
    return [values]


def linear(gap: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr] | None:
    """``gap == k * q + c`` with numbers ``k != 0`` and ``c``, and ``q`` in a canonical form
    (no constant term, positive content, bound sum indices renamed by position), so that two
    writings of one expression give one ``q``; None when the gap is a number or not of this
    form."""
    gap = sp.expand(gap)
    c, rest = gap.as_coeff_Add()
    if rest == 0:
        return None
    k, q = rest.as_content_primitive()
    if q.could_extract_minus_sign():
        k, q = -k, -q
    if not (k.is_Rational and k != 0 and c.is_Rational):
        return None
    return _alpha(q), k, c


def region(op: str, k: sp.Expr, c: sp.Expr) -> sp.Set:
    """Where ``k * q + c op 0`` holds, as a set of values of q."""
    return REGIONS[op if k > 0 else FLIPPED[op]](-c / k)


def regions(conditions) -> dict[sp.Expr, sp.Set]:
    """Conditions ``gap op 0`` -> for each expression q they bound, the values it may take."""
    out: dict[sp.Expr, sp.Set] = {}
    for gap, op in conditions:
        found = linear(gap)
        if found is not None:
            q, k, c = found
            out[q] = out.get(q, sp.S.Reals).intersect(region(op, k, c))
    return out


def decide(e: sp.Expr, bounded: dict[sp.Expr, sp.Set]) -> sp.Expr:
    """``e`` with each comparison ``a op b`` whose truth the conditions fix replaced by True or
    False: its expression ``a - b`` is ``k * q + c`` for a ``q`` the conditions bound, and the
    values allowed for q all lie inside (or all outside) where the comparison holds. Equal to
    ``e`` wherever the conditions hold, so a proof of the result is a proof under them."""
    changes: dict[sp.Basic, sp.Basic] = {}
    for r in e.atoms(sp.core.relational.Relational):
        if r.rel_op not in REGIONS:
            continue
        found = linear(r.lhs - r.rhs)
        if found is None or found[0] not in bounded:
            continue
        q, k, c = found
        allowed, where = bounded[q], region(r.rel_op, k, c)
        if allowed.is_subset(where) is True:
            changes[r] = sp.true
        elif allowed.intersect(where).is_empty is True:
            changes[r] = sp.false
    return e.xreplace(changes) if changes else e


def _alpha(e: sp.Expr, depth: int = 0) -> sp.Expr:
    """``e`` with the indices bound by its sums renamed by nesting depth and position, so that
    alpha-equivalent expressions are equal (their other symbols untouched)."""
    if isinstance(e, sp.Sum):
        body, limits = e.function, []
        for n, (k, lo, hi) in enumerate(e.limits):
            new = sp.Symbol(f"_a{depth}_{n}", integer=True)
            body = body.xreplace({k: new})
            limits.append((new, lo, hi))
        return sp.Sum(_alpha(body, depth + 1), *limits)
    if not e.args:
        return e
    return e.func(*(_alpha(a, depth) for a in e.args))


def admissible(x: sp.Expr, value: int | sp.Expr) -> bool:
    """Whether the number ``value`` respects the sign SymPy knows of ``x`` (a symbol given one
    by :meth:`Assumptions.rewrite`, or an expression of such symbols)."""
    return not (
        (x.is_positive and value <= 0)
        or (x.is_nonnegative and value < 0)
        or (x.is_negative and value >= 0)
        or (x.is_nonpositive and value > 0)
    )
