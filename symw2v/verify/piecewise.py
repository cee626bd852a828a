"""Piecewise expressions (ReLU, its derivative, indicators) case by case.

:func:`cases`: one branch-free expression per sign of each gap of the conditions; an
expression vanishing identically in every case vanishes everywhere (each real point falls in
one case; infeasible cases only make the test stricter).

:func:`piecewise_is_zero`, for univariate expressions, region by region: the breakpoints of
every condition split the real line into open intervals and points. On an open interval each
Piecewise selects one branch, and branches are analytic, so the difference vanishes on the
interval iff it vanishes identically; at a point it is evaluated exactly. Intervals and points
outside the sign assumed of x are skipped.
"""

from __future__ import annotations

import itertools

import sympy as sp

from ..symbolic.assumptions import admissible
from .rational import cancel_form

MAX_GAPS = 5  # 3**5 sign cases: beyond that Piecewise stays an opaque atom
# Truth of ``gap op 0`` from the sign of the gap, per relation.
TRUTH = {
    ">": lambda s: s > 0,
    ">=": lambda s: s >= 0,
    "<": lambda s: s < 0,
    "<=": lambda s: s <= 0,
    "==": lambda s: s == 0,
    "!=": lambda s: s != 0,
}


def cases(e: sp.Expr, conditions=()) -> list[sp.Expr]:
    """``e`` without Piecewise, one branch-free expression per sign (-, 0, +) of each distinct
    gap ``lhs - rhs`` of the conditions (up to a positive factor): each real point lies in one
    case, so ``e`` vanishes everywhere when every case vanishes identically; a case where a gap
    has a sign its symbols' assumptions exclude (``x < 0`` for x assumed positive) holds nowhere
    and is skipped, and so is one where a gap has a sign the claim's sign ``conditions``
    (``gap op 0``) exclude: then ``e`` vanishes wherever they hold. In a case where a gap is 0
    and linear in some unknown with a numeric coefficient, that unknown is solved for, so the case
    holds only on the surface. ``[e]`` when there is no gap or more than MAX_GAPS."""
    relations = {r for pw in e.atoms(sp.Piecewise) for r in pw.atoms(sp.core.relational.Relational)}
    scaled = {r: _primitive(r.lhs - r.rhs) for r in relations}
    gaps = sorted({p for _, p in scaled.values()}, key=sp.default_sort_key)
    if not gaps or len(gaps) > MAX_GAPS or any(r.rel_op not in TRUTH for r in relations):
        return [e]
    out = []
    allowed = _allowed_signs(conditions)
    for signs in itertools.product((-1, 0, 1), repeat=len(gaps)):
        sign = dict(zip(gaps, signs, strict=True))
        if not all(admissible(p, sign[p]) and sign[p] in allowed.get(p, (-1, 0, 1)) for p in gaps):
            continue  # no point where x > 0 is assumed, or where the conditions hold
        truth = {r: sp.true if TRUTH[r.rel_op](c * sign[p]) else sp.false for r, (c, p) in scaled.items()}
        case = e.replace(lambda x: isinstance(x, sp.Piecewise), lambda x, t=truth: _chosen(x, t))
        for p in (p for p in gaps if sign[p] == 0):
            case = _on_surface(case, p, gaps)
        out.append(case)
    return out


def _allowed_signs(conditions) -> dict[sp.Expr, set[int]]:
    """For each gap (canonical, as :func:`_primitive`) that a condition ``gap op 0`` bounds, the
    signs it may have."""
    out: dict[sp.Expr, set[int]] = {}
    for gap, op in conditions:
        c, p = _primitive(gap)
        out[p] = out.get(p, {-1, 0, 1}) & {s for s in (-1, 0, 1) if TRUTH[op](c * s)}
    return out


def _primitive(gap: sp.Expr) -> tuple[int, sp.Expr]:
    """``gap == c * p`` with ``c`` of sign +1 or -1 times a positive number, ``p`` canonical."""
    content, p = sp.expand(gap).as_content_primitive()
    sign = 1 if content > 0 else -1
    if p.could_extract_minus_sign():
        sign, p = -sign, -p
    return sign, p


def _on_surface(case: sp.Expr, gap: sp.Expr, gaps: list[sp.Expr]) -> sp.Expr:
    """``case`` restricted to ``gap == 0`` by solving for an unknown the gap is linear in."""
    unknowns = sorted(
        gap.atoms(sp.Indexed) | {s for s in gap.free_symbols if not isinstance(s, sp.IndexedBase)},
        key=sp.default_sort_key,
    )
    for v in unknowns:
        slope = sp.diff(gap, v)
        if slope.is_Number and slope != 0:
            return case.xreplace({v: sp.expand(v - gap / slope)})
    return case


def _chosen(pw: sp.Piecewise, truth: dict) -> sp.Expr:
    for value, cond in pw.args:
        if cond.xreplace(truth) == sp.true:
            return value
    return sp.nan


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
            roots = sp.solve(gap, x)
            if not roots:  # no breakpoint where the gap is undefined (x / 0)
                return None
            points.add(roots[0])
    if not admissible(x, 1) or not admissible(x, -1):  # a sign is assumed: 0 cuts too, so
        points.add(sp.S.Zero)  # every interval lies on one side of it, and is skipped or not
    cuts = sorted(points)
    inner = [(a + b) / 2 for a, b in zip(cuts, cuts[1:], strict=False)]
    outer = [cuts[0] - 1, cuts[-1] + 1] if cuts else [sp.S.Zero]
    for r in (r for r in inner + outer if admissible(x, r)):
        chosen = e.replace(lambda p: isinstance(p, sp.Piecewise), lambda p, r=r: _branch(p, x, r))
        if cancel_form(chosen) != 0:
            return False
    return all(sp.simplify(e.xreplace({x: p})) == 0 for p in cuts if admissible(x, p))


def _branch(pw: sp.Piecewise, x: sp.Symbol, at: sp.Expr) -> sp.Expr:
    for value, cond in pw.args:
        if cond == sp.true or bool(cond.xreplace({x: at})):
            return value
    return sp.nan
