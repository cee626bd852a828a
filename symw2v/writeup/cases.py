"""``\\begin{cases}`` -> a sum of indicator products, only when the cases cannot overlap.

``\\begin{cases} a & \\text{if } c_1 \\\\ b & \\text{if } c_2 \\end{cases}`` is ``a * [c_1] + b * [c_2]``
and ``\\text{otherwise}`` weighs its value by what no other case covers. That is the function the
write-up means only if no two conditions can hold together, which the reader checks rather than
assumes: the conditions compare one scalar with numbers (``x < 0``, ``x \\geq 0``: intervals that
must not meet), or are ``a = b`` for two indices, with ``a \\neq b`` or ``\\text{otherwise}``.
Anything else is refused. Where no case holds (``x = 0`` for ``x < 0`` and ``x > 0``) the value is 0.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from lark import Tree

from ..language.syntax import Binary, Compare, Indicator, Node, Number, Span
from .latex import fail
from .shapes import SCALAR

if TYPE_CHECKING:
    from .translate import Translator, Value

NOWHERE = Span(0, 0)
OTHERWISE = ("otherwise", "else", "elsewhere")
IF = ("if", "for", "when", "whenever", "if:")
FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


def cases(tr: Translator, tree: Tree) -> Value:
    from .translate import Value

    parts = _parts(tr, tree)
    check(parts, tree)
    conditions = [c for _, c, _ in parts if c is not None]
    total: Node | None = None
    shape = SCALAR
    for value, cond, _ in parts:
        shape = value.shape if not value.shape.scalar else shape
        if cond is not None:
            weight: Node = Indicator(cond, span=NOWHERE)
        else:
            weight = Number(Fraction(1), span=NOWHERE)
            for c in conditions:
                weight = Binary("-", weight, Indicator(c, span=NOWHERE), span=NOWHERE)
        term = Binary("*", value.node, weight, span=NOWHERE)
        total = term if total is None else Binary("+", total, term, span=NOWHERE)
    assert total is not None
    return Value(total, shape)


def branches(tr: Translator, tree: Tree) -> list[tuple[Value, Compare]] | None:
    """The cases one by one, each value with its condition, when every case states its own
    (``f(x) = 0`` if ``x < 0``, ...: a claim each); None with an ``\\text{otherwise}``."""
    parts = _parts(tr, tree)
    check(parts, tree)
    if any(c is None for _, c, _ in parts):
        return None
    return [(value, cond) for value, cond, _ in parts if cond is not None]


def _parts(tr: Translator, tree: Tree) -> list[tuple[Value, Compare | None, Tree]]:
    from .translate import normal

    parts: list[tuple[Value, Compare | None, Tree]] = []
    for row in (c for c in tree.children if isinstance(c, Tree) and c.data == "crow"):
        value_tree, *rest = [c for c in row.children if isinstance(c, Tree) and c.data != "csep"]
        value = tr.val(value_tree)
        cond_tree = rest[0] if rest else None
        if isinstance(cond_tree, Tree) and cond_tree.data == "textcond":
            words = normal(str(cond_tree.children[0])).lower()
            after = cond_tree.children[1:]
            if not after and words in OTHERWISE:
                parts.append((value, None, row))
                continue
            if not after or words not in IF:
                raise fail(cond_tree, f"the condition `{tr.raw(cond_tree).strip()}`",
                           "write \\text{if } x > 0 or \\text{otherwise}")
            cond_tree = after[0]
        if cond_tree is None:
            raise fail(row, "a case without a condition")
        parts.append((value, tr.condition(cond_tree), row))
    return parts


def check(parts, tree: Tree) -> None:
    """Refuse cases that might overlap (see the module docstring)."""
    conds = [(c, row) for _, c, row in parts if c is not None]
    others = [row for _, c, row in parts if c is None]
    if len(others) > 1 or (others and parts[-1][1] is not None):
        raise fail(tree, "\\text{otherwise} more than once, or not last")
    if any(c.op in ("==", "!=") for c, _ in conds):
        pairs = {frozenset((str(c.left), str(c.right))) for c, _ in conds}
        ops = [c.op for c, _ in conds]
        if len(pairs) == 1 and (ops == ["=="] or sorted(ops) == ["!=", "=="]):
            return
        raise fail(tree, "cases on indices other than a = b with a \\neq b or \\text{otherwise}",
                   "the cases must not overlap, and the reader can only see that for such conditions")
    intervals = []
    subject = None
    for cond, row in conds:
        left, right, op = cond.left, cond.right, cond.op
        if isinstance(left, Number) and not isinstance(right, Number):
            left, right, op = right, left, FLIP.get(op, op)
        if not isinstance(right, Number) or op not in FLIP or subject not in (None, left):
            raise fail(row, "a case whose condition is not x < a, x > a, x \\leq a or x \\geq a for one scalar x",
                       "the cases must not overlap, and the reader can only see that for such conditions")
        subject = left
        a = right.value
        intervals.append(((None, False), (a, op == "<=")) if op in ("<", "<=") else ((a, op == ">="), (None, False)))
    for n, (lo1, hi1) in enumerate(intervals):
        for lo2, hi2 in intervals[n + 1 :]:
            if _overlap(lo1, hi1, lo2, hi2):
                raise fail(tree, "cases whose conditions overlap")


def _overlap(lo1, hi1, lo2, hi2) -> bool:
    lo = max((b for b in (lo1, lo2) if b[0] is not None), default=(None, False), key=lambda b: (b[0], not b[1]))
    hi = min((b for b in (hi1, hi2) if b[0] is not None), default=(None, False), key=lambda b: (b[0], b[1]))
    if lo[0] is None or hi[0] is None:
        return True
    return lo[0] < hi[0] or (lo[0] == hi[0] and lo[1] and hi[1])
