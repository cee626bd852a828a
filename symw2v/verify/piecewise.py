"""Proofs for univariate piecewise expressions (ReLU and its derivative), region by region.

The breakpoints of every condition split the real line into open intervals and points. On an
open interval each Piecewise selects one branch, and branches are analytic, so the difference
vanishes on the interval iff it vanishes identically; at a point it is evaluated exactly.
"""

from __future__ import annotations

import sympy as sp

from .rational import cancel_form


def piecewise_is_zero(e: sp.Expr) -> bool | None:
    """True/False when decided, None when the expression is outside this method's reach."""
    pieces = e.atoms(sp.Piecewise)
    symbols = [s for s in e.free_symbols if s.is_real]
    if not pieces or len(symbols) != 1:
        return None
    x = symbols[0]
    points: set[sp.Expr] = set()
    for pw in pieces:
        for rel in pw.atoms(sp.core.relational.Relational):
            gap = sp.expand(rel.lhs - rel.rhs)
            if not gap.is_polynomial(x) or sp.degree(gap, x) != 1:
                return None
            points.add(sp.solve(gap, x)[0])
    cuts = sorted(points)
    inner = [(a + b) / 2 for a, b in zip(cuts, cuts[1:], strict=False)]
    outer = [cuts[0] - 1, cuts[-1] + 1] if cuts else [sp.S.Zero]
    for r in inner + outer:
        chosen = e.replace(lambda p: isinstance(p, sp.Piecewise), lambda p, r=r: _branch(p, x, r))
        if cancel_form(chosen) != 0:
            return False
    return all(sp.simplify(e.xreplace({x: p})) == 0 for p in cuts)


def _branch(pw: sp.Piecewise, x: sp.Symbol, at: sp.Expr) -> sp.Expr:
    for value, cond in pw.args:
        if cond == sp.true or bool(cond.xreplace({x: at})):
            return value
    return sp.nan
