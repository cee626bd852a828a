"""The catalogue of single edits, as a table: kind -> generator of edited syntax trees.

Each generator receives the wrong step's tree and an :class:`EditContext` (the names in scope,
terms seen elsewhere in the claim) and yields ``(description, edited tree)``. A diagnosis is an
edit after which the step equals the last correct expression; the description says, in plain
words, what the slip was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from ..language.printer import to_text
from ..language.syntax import Binary, Call, Compare, Indicator, Name, Node, Number, Span, Subscript, Transpose, Unary

SPAN = Span(0, 0)
Edit = tuple[str, Node]


@dataclass(frozen=True)
class EditContext:
    index_names: dict[str, str]  # index name -> the size it ranges over ("o" -> "V")
    list_names: dict[str, tuple[str, str]]  # index list -> (length, range): "ws" -> ("K", "V")
    terms: tuple[Node, ...]  # candidates for a dropped term: the claim's other terms, defined names
    loop_sizes: frozenset[str]  # sizes a sum may run over (window, samples)
    indices_used: tuple[Node, ...] = ()  # index expressions anywhere in the claim (U[ws[s]] -> ws[s])
    table_names: frozenset[str] = frozenset()  # tables of index lists (indices[M, K, V])
    # "column", "row" or None: how a subtree is oriented under the columns convention
    orientation: Callable[[Node], str | None] = lambda node: None


def subtrees(node: Node) -> Iterator[tuple[Node, Callable[[Node], Node]]]:
    """Every subtree with a function rebuilding the whole tree around a replacement."""
    yield node, lambda new: new
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, Node):
            for sub, rebuild in subtrees(value):
                yield sub, (lambda new, f=field.name, r=rebuild: dataclasses.replace(node, **{f: r(new)}))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, Node):
                    for sub, rebuild in subtrees(item):

                        def put(new, f=field.name, i=i, r=rebuild, items=value):
                            return dataclasses.replace(node, **{f: items[:i] + (r(new),) + items[i + 1 :]})

                        yield sub, put


def additive_terms(node: Node, sign: int = 1) -> Iterator[tuple[int, Node]]:
    if isinstance(node, Binary) and node.op in "+-":
        yield from additive_terms(node.left, sign)
        yield from additive_terms(node.right, sign if node.op == "+" else -sign)
    elif isinstance(node, Unary) and node.op == "-":
        yield from additive_terms(node.operand, -sign)
    else:
        yield sign, node


def neg(node: Node) -> Node:
    return Unary("-", node, span=SPAN)


def _negate(node: Node) -> Node:
    """-node, written without a double minus where the minus is visible."""
    if isinstance(node, Unary) and node.op == "-":
        return node.operand
    if isinstance(node, Binary) and node.op in ("*", "@", "/") and isinstance(node.left, Unary):
        return dataclasses.replace(node, left=_negate(node.left))
    return neg(node)


def num(value: int | Fraction) -> Node:
    return Number(Fraction(value), span=SPAN)


def _sign(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    yield "sign flip: the whole expression has the wrong sign", neg(tree)
    for sub, rebuild in subtrees(tree):
        if isinstance(sub, Binary) and sub.op in "+-":
            other = "-" if sub.op == "+" else "+"
            yield (
                f"sign flip: `{to_text(sub.right)}` is added with the wrong sign",
                rebuild(dataclasses.replace(sub, op=other)),
            )
            yield (
                f"sign flip: `{to_text(sub.left)}` has the wrong sign",
                rebuild(dataclasses.replace(sub, left=_negate(sub.left))),
            )
        elif isinstance(sub, Unary) and sub.op == "-" and sub is not tree:
            yield f"sign flip: the minus in front of `{to_text(sub.operand)}`", rebuild(sub.operand)


ORIENTED = {"row": "row vector where a column is expected", "column": "column vector where a row is expected"}


def _transposed(ctx: EditContext, sub: Node) -> str:
    """What a transpose slip is called: under columns, by the orientation of what was written."""
    kind = ctx.orientation(sub)
    return f"{ORIENTED[kind]} (transpose)" if kind else "transpose"


def _transpose(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    for sub, rebuild in subtrees(tree):
        if isinstance(sub, Transpose):
            yield f"{_transposed(ctx, sub)}: `{to_text(sub)}` should not be transposed", rebuild(sub.operand)
        elif isinstance(sub, Call) and sub.func == "outer" and len(sub.args) == 2:
            yield (
                f"transpose (row vs column convention): `{to_text(sub)}` has its factors swapped",
                rebuild(dataclasses.replace(sub, args=sub.args[::-1])),
            )
        elif isinstance(sub, Name | Subscript) or isinstance(sub, Binary) and sub.op in "+-":
            yield f"{_transposed(ctx, sub)}: `{to_text(sub)}` should be transposed", rebuild(Transpose(sub, span=SPAN))


def _dropped_term(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    terms = {to_text(t): t for t in ctx.terms}
    for sub, rebuild in subtrees(tree):
        for key, term in terms.items():
            if key == to_text(sub):
                continue
            where = "" if sub is tree else f" next to `{to_text(sub)}`"
            yield f"dropped term: `+ {key}` is missing{where}", rebuild(Binary("+", sub, term, span=SPAN))
            yield f"dropped term: `- {key}` is missing{where}", rebuild(Binary("-", sub, term, span=SPAN))


def _extra_term(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    for sub, rebuild in subtrees(tree):
        if isinstance(sub, Binary) and sub.op in "+-":
            yield f"extra term: `{to_text(sub.right)}` does not belong", rebuild(sub.left)
            if sub.op == "+":
                yield f"extra term: `{to_text(sub.left)}` does not belong", rebuild(sub.right)
            else:
                yield f"extra term: `{to_text(sub.left)}` does not belong", rebuild(neg(sub.right))


def _factor(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    for factor, words in ((2, "a factor 2 is missing"), (Fraction(1, 2), "a factor 2 too many")):
        yield words, Binary("*", num(factor), tree, span=SPAN)
    for _, term in additive_terms(tree):
        if term is tree:
            continue
        for sub, rebuild in subtrees(tree):
            if sub is term:
                yield f"a factor 2 is missing in `{to_text(term)}`", rebuild(Binary("*", num(2), term, span=SPAN))
                yield (
                    f"a factor 2 too many in `{to_text(term)}`",
                    rebuild(Binary("*", num(Fraction(1, 2)), term, span=SPAN)),
                )


def _sigma_sign(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    for sub, rebuild in subtrees(tree):
        if isinstance(sub, Call) and sub.func == "sigma" and len(sub.args) == 1:
            flipped = _negate(sub.args[0])
            yield (
                f"sigma(x) written for sigma(-x): `{to_text(sub)}` should be `sigma({to_text(flipped)})`",
                rebuild(dataclasses.replace(sub, args=(flipped,))),
            )


def _constant_placement(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    for sub, rebuild in subtrees(tree):
        if isinstance(sub, Call) and len(sub.args) == 1 and sub.func in ("sigma", "exp", "log"):
            arg = sub.args[0]
            if isinstance(arg, Binary) and arg.op in "+-" and isinstance(arg.right, Number):
                inner = dataclasses.replace(sub, args=(arg.left,))
                yield (
                    f"a constant inside {sub.func} belongs outside: `{to_text(sub)}` should be "
                    f"`{sub.func}({to_text(arg.left)}) {arg.op} {to_text(arg.right)}`",
                    rebuild(Binary(arg.op, inner, arg.right, span=SPAN)),
                )
        if isinstance(sub, Binary) and sub.op in "+-" and isinstance(sub.right, Number):
            left = sub.left
            if isinstance(left, Call) and len(left.args) == 1 and left.func in ("sigma", "exp", "log"):
                moved = Binary(sub.op, left.args[0], sub.right, span=SPAN)
                yield (
                    f"a constant outside {left.func} belongs inside: `{to_text(sub)}`",
                    rebuild(dataclasses.replace(left, args=(moved,))),
                )


def _wrong_index(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    # Declared indices, and those the claim's formulas bind or use (sum(j, ...), U[j], U[ws[s]]).
    options: dict[str, Node] = {n: Name(n, span=SPAN) for n in ctx.index_names}
    for used in ctx.indices_used:
        options.setdefault(to_text(used), used)
    for sub in (s for source in (tree, *ctx.terms) for s, _ in subtrees(source)):
        if isinstance(sub, Subscript):
            for i in sub.indices:
                if isinstance(i, Name) and i.id not in ctx.list_names or isinstance(i, Subscript):
                    options.setdefault(to_text(i), i)
        elif isinstance(sub, Call) and sub.func == "sum" and sub.args and isinstance(sub.args[0], Name):
            options.setdefault(sub.args[0].id, sub.args[0])
    options.setdefault("0", num(0))
    for sub, rebuild in subtrees(tree):
        if not isinstance(sub, Subscript):
            continue
        for position, index in enumerate(sub.indices):
            current = to_text(index)
            for name, replacement in options.items():
                if name == current:
                    continue
                indices = sub.indices[:position] + (replacement,) + sub.indices[position + 1 :]
                yield (
                    f"wrong index: `{to_text(sub)}` should use {name} instead of {current}",
                    rebuild(dataclasses.replace(sub, indices=indices)),
                )


def _index_count(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    """An index written where none belongs (``yhat[w]`` in a vector formula), or a vector left
    unindexed where its entry is meant (``v_c * (yhat - y)`` for ``v_c * (yhat[j] - y[j])``).
    Juxtaposition is ``*`` next to an entry and ``@`` next to a vector, so the product the
    operand stands in changes with it (``U.T * yhat[w]`` -> ``U.T @ yhat``)."""
    options = {name: Name(name, span=SPAN) for name in ctx.index_names}
    options.update({to_text(i): i for i in ctx.indices_used})
    for sub, rebuild in subtrees(tree):
        for fix, edited in _index_edits(sub, options):
            yield fix, rebuild(edited)
        if isinstance(sub, Binary) and sub.op in ("*", "@"):
            for side in ("left", "right"):
                operand = getattr(sub, side)
                product = "@" if isinstance(operand, Subscript) else "*"  # a vector now, or an entry
                for fix, edited in _index_edits(operand, options):
                    yield fix, rebuild(dataclasses.replace(sub, op=product, **{side: edited}))


def _index_edits(sub: Node, options: dict[str, Node]) -> Iterator[Edit]:
    if isinstance(sub, Subscript) and len(sub.indices) == 1 and isinstance(sub.indices[0], Name | Subscript):
        yield f"stray index: `{to_text(sub)}` should be `{to_text(sub.base)}`", sub.base
    elif isinstance(sub, Name) or isinstance(sub, Binary) and sub.op in "+-":
        for index in options.values():
            edited = Subscript(sub, (index,), span=SPAN)
            yield f"missing index: `{to_text(sub)}` should be `{to_text(edited)}`", edited


def _wrong_size(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    sizes = {*ctx.index_names.values(), *(n for pair in ctx.list_names.values() for n in pair), *ctx.loop_sizes}
    for sub, rebuild in subtrees(tree):
        if isinstance(sub, Name) and sub.id in sizes:
            for other in sorted(sizes - {sub.id}):
                yield f"wrong size: `{other}` written as `{sub.id}`", rebuild(Name(other, span=SPAN))


def _count_repeats(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    for sub, _ in subtrees(tree):
        if not (isinstance(sub, Subscript) and isinstance(sub.base, Name)):
            continue
        table = sub.base.id in ctx.table_names and len(sub.indices) == 2
        if sub.base.id in ctx.list_names or table:
            # each entry of the list, or of the whole table (every row), that equals this one
            binders = [Name(_fresh(tree, ctx), span=SPAN) for _ in range(1 + table)]
            if table:
                binders[1] = Name(_fresh(Binary("*", tree, binders[0], span=SPAN), ctx), span=SPAN)
            entry = Subscript(sub.base, tuple(binders), span=SPAN)
            count: Node = Indicator(Compare("==", entry, sub, span=SPAN), span=SPAN)
            for j in reversed(binders):
                count = Call("sum", (j, count), span=SPAN)
            yield (
                f"repeated samples counted once: multiply by the number of times {to_text(sub)} was drawn",
                Binary("*", count, tree, span=SPAN),
            )


def _missing_sum(tree: Node, ctx: EditContext) -> Iterator[Edit]:
    for name, size in ctx.index_names.items():
        if size not in ctx.loop_sizes or not any(isinstance(s, Name) and s.id == name for s, _ in subtrees(tree)):
            continue
        j = _fresh(tree, ctx)
        body = substitute(tree, name, Name(j, span=SPAN))
        yield (
            f"missing sum: the expression should be summed over {name} (over all {size})",
            Call("sum", (Name(j, span=SPAN), body), span=SPAN),
        )


def binder(call: Node) -> tuple[str, str | None] | None:
    """``sum(k, ...)`` -> ("k", None), ``sum(k in K, ...)`` -> ("k", "K"); else None."""
    if not (isinstance(call, Call) and call.func == "sum" and len(call.args) == 2):
        return None
    head = call.args[0]
    if isinstance(head, Compare) and head.op == "in" and isinstance(head.left, Name) and isinstance(head.right, Name):
        return head.left.id, head.right.id
    return (head.id, None) if isinstance(head, Name) else None


def substitute(tree: Node, name: str, value: Node) -> Node:
    """``tree`` with the free occurrences of index ``name`` replaced by ``value``."""
    if isinstance(tree, Name):
        return value if tree.id == name else tree
    found = binder(tree)
    if found and found[0] == name:
        return tree  # rebound inside: not free here
    changes = {}
    for f in dataclasses.fields(tree):
        item = getattr(tree, f.name)
        if isinstance(item, Node):
            changes[f.name] = substitute(item, name, value)
        elif isinstance(item, tuple):
            changes[f.name] = tuple(substitute(x, name, value) if isinstance(x, Node) else x for x in item)
    return dataclasses.replace(tree, **changes)


def _fresh(tree: Node, ctx: EditContext) -> str:
    used = {s.id for s, _ in subtrees(tree) if isinstance(s, Name)} | set(ctx.index_names) | set(ctx.list_names)
    return next(n for n in ("j", "jj", "jjj", "rep", "repeat") if n not in used)


# Most specific first: when several kinds describe the same repair (sigma(-x) is also a sign
# flip inside the argument), the first one found names it.
CATALOGUE: dict[str, Callable[[Node, EditContext], Iterator[Edit]]] = {
    "sigma(x) for sigma(-x)": _sigma_sign,
    "constant placement": _constant_placement,
    "repeats counted once": _count_repeats,
    "missing sum": _missing_sum,
    "wrong index": _wrong_index,
    "wrong size": _wrong_size,
    "index count": _index_count,
    "transpose": _transpose,
    "sign": _sign,
    "factor": _factor,
    "extra term": _extra_term,
    "dropped term": _dropped_term,
}
