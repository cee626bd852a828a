"""What a claim may assume about its indices and scalars, and the places that use it.

``distinct(ws)``: ws[j] == ws[k] only when j == k.  ``o not in ws``: o differs from every
ws[k].  ``w != o``: the two indices differ; ``w == o``: they are equal.  ``x > 0`` (``>= < <=``
against 0): the sign of a declared scalar. Without ``distinct`` an index list may repeat, and
every gradient must count each occurrence.

Every use is sound: Kronecker deltas are simplified only by what is assumed (:meth:`delta`),
of two indices assumed equal one stands for both and a signed scalar becomes a SymPy symbol
with that sign (:meth:`rewrite`), and concrete instances (:meth:`holds`) and counterexample
values (:func:`admissible`) are drawn only where every assumption holds, so a counterexample
never breaks one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

# x op 0 -> the SymPy assumption a symbol for x carries
SIGNS = {">": "positive", ">=": "nonnegative", "<": "negative", "<=": "nonpositive"}


@dataclass(frozen=True)
class Assumptions:
    distinct: frozenset[sp.IndexedBase] = field(default_factory=frozenset)
    not_in: frozenset[tuple[sp.Expr, sp.IndexedBase]] = field(default_factory=frozenset)
    unequal: frozenset[frozenset[sp.Expr]] = field(default_factory=frozenset)
    equal: frozenset[frozenset[sp.Expr]] = field(default_factory=frozenset)
    signs: frozenset[tuple[sp.Symbol, str]] = field(default_factory=frozenset)  # (x, one of SIGNS)

    def merge(self, other: Assumptions) -> Assumptions:
        return Assumptions(
            self.distinct | other.distinct,
            self.not_in | other.not_in,
            self.unequal | other.unequal,
            self.equal | other.equal,
            self.signs | other.signs,
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

        def pairs(sets: frozenset[frozenset[sp.Expr]]) -> frozenset[frozenset[sp.Expr]]:
            return frozenset(p for p in (frozenset(map(r, s)) for s in sets) if len(p) == 2)

        unequal = frozenset(frozenset(map(r, p)) for p in self.unequal)  # {o, o}: no instance holds
        not_in = frozenset((r(e), b) for e, b in self.not_in)
        return Assumptions(self.distinct, not_in, unequal, self.equal | pairs(self.equal), self.signs)

    def contradiction(self) -> str | None:
        """What makes these (resolved) assumptions unsatisfiable, if something visibly does: an
        index assumed unequal to one assumed equal to it, or a scalar of two opposite signs.
        Under such assumptions every claim would hold vacuously, so none is checked."""
        for pair in self.unequal:
            if len(pair) == 1:
                return f"{next(iter(pair))} is assumed both equal and unequal to another index"
        ops: dict[sp.Symbol, set[str]] = {}
        for x, op in self.signs:
            ops.setdefault(x, set()).add(op)
        for x, found in ops.items():
            if found & {">", ">="} and found & {"<", "<="} and not found <= {">=", "<="}:
                return f"{x} is assumed both positive and negative"
        return None

    def rewrite(self, e: sp.Expr) -> sp.Expr:
        """``e`` with equal indices renamed (:meth:`renaming`) and each scalar with an assumed
        sign replaced by a symbol of the same name carrying it (``x`` -> ``x`` positive)."""
        signed: dict[sp.Symbol, dict[str, bool]] = {}
        for x, op in self.signs:
            signed.setdefault(x, {"real": True})[SIGNS[op]] = True
        changes: dict[sp.Expr, sp.Expr] = {**self.renaming(), **{x: sp.Symbol(x.name, **a) for x, a in signed.items()}}
        return e.xreplace(changes) if changes else e

    def delta(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        """KroneckerDelta(a, b) simplified by what is assumed (sound: only proved rewrites)."""
        if frozenset((a, b)) in self.unequal:
            return sp.S.Zero
        if frozenset((a, b)) in self.equal:
            return sp.S.One
        for x, y in ((a, b), (b, a)):
            if isinstance(x, sp.Indexed) and (y, x.base) in self.not_in:
                return sp.S.Zero
        if (
            isinstance(a, sp.Indexed)
            and isinstance(b, sp.Indexed)
            and a.base == b.base
            and a.base in self.distinct
        ):
            return sp.KroneckerDelta(a.indices[0], b.indices[0])
        return sp.KroneckerDelta(a, b)

    def holds(self, lists: dict[sp.IndexedBase, list[int]], scalars: dict[sp.Expr, int]) -> bool:
        """Whether concrete index values satisfy every assumption; assumptions about indices
        that have no value here are not in play."""

        def value(e: sp.Expr) -> int | None:
            if isinstance(e, sp.Indexed):
                if e.base not in lists:
                    return None
                position = scalars.get(e.indices[0], e.indices[0])
                return lists[e.base][int(position)] if sp.sympify(position).is_Integer else None
            value = scalars.get(e, e)
            return int(value) if sp.sympify(value).is_Integer else None

        if any(len(set(lists[b])) != len(lists[b]) for b in self.distinct if b in lists):
            return False
        for e, b in self.not_in:
            if b in lists and value(e) in lists[b]:
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


def admissible(x: sp.Expr, value: int | sp.Expr) -> bool:
    """Whether the number ``value`` respects the sign SymPy knows of ``x`` (a symbol given one
    by :meth:`Assumptions.rewrite`, or an expression of such symbols)."""
    return not (
        (x.is_positive and value <= 0)
        or (x.is_nonnegative and value < 0)
        or (x.is_negative and value >= 0)
        or (x.is_nonpositive and value > 0)
    )
