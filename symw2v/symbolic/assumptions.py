"""What a claim may assume about its indices, and the one place that uses it: Kronecker deltas.

``distinct(ws)``: ws[j] == ws[k] only when j == k.  ``o not in ws``: o differs from every
ws[k].  ``w != o``: the two indices differ. Without ``distinct`` an index list may repeat,
and every gradient must count each occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Assumptions:
    distinct: frozenset[sp.IndexedBase] = field(default_factory=frozenset)
    not_in: frozenset[tuple[sp.Expr, sp.IndexedBase]] = field(default_factory=frozenset)
    unequal: frozenset[frozenset[sp.Expr]] = field(default_factory=frozenset)

    def merge(self, other: Assumptions) -> Assumptions:
        return Assumptions(
            self.distinct | other.distinct, self.not_in | other.not_in, self.unequal | other.unequal
        )

    def delta(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        """KroneckerDelta(a, b) simplified by what is assumed (sound: only proved rewrites)."""
        if frozenset((a, b)) in self.unequal:
            return sp.S.Zero
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
            a, b = (value(e) for e in pair)
            if a is not None and a == b:
                return False
        return True
