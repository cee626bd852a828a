"""Compare the verdicts of two derivations of the same write-up, chain by chain and step by step,
without a hand-made table: a hand transcription (examples/seed-writeup/) and what symw2v.writeup
read from the write-up itself.

Formulas are compared in a canonical text: definitions written out (losses included), indices
bound by sums renamed in order, ranges of sums dropped, minus signs taken out of products,
products of products written left to right, ``a * (b / c)`` as ``a * b / c``, ``x.T.T`` as ``x``,
``sum(i, -x)`` as ``-sum(i, x)``
and, under rows, a row of a matrix without its (meaningless) transpose. Two chains are the same
chain when their left-hand sides agree (or are gradients with respect to the same variable, of
losses that may be written differently, and the chains end alike), or when they share at least
two formulas (the closest such chain: same result, then most formulas shared); their steps are
aligned by the longest common subsequence of canonical texts. A step's verdict (proved and
checked alike: both say right) is compared with its diagnosis's kind (the words before its
first colon).
"""

from __future__ import annotations

from dataclasses import dataclass

from symw2v.derivation.document import Derivation
from symw2v.language.printer import to_text
from symw2v.language.syntax import Binary, Call, Compare, Name, Node, Subscript, Transpose, Unary, children

PRODUCTS = ("*", "@", "/")


def canonical(node: Node, derivation: Derivation) -> str:
    tree = _negations(_bound(_expand(node, derivation, {}), {}, [0]))
    if derivation.convention == "rows":
        tree = _unoriented(tree, derivation)
    return to_text(tree)


def _unoriented(node: Node, d: Derivation) -> Node:
    """Under rows a vector has no orientation: U[o].T is U[o]."""
    node = _rebuild(node, lambda c: _unoriented(c, d))
    if isinstance(node, Transpose) and isinstance(node.operand, Subscript):
        base = node.operand.base
        if isinstance(base, Name) and base.id in d.symbols and d.symbols[base.id].kind == "matrix":
            if len(node.operand.indices) == 1:
                return node.operand
    return node


def _expand(node: Node, d: Derivation, env: dict[str, Node]) -> Node:
    if isinstance(node, Name):
        if node.id in env:
            return env[node.id]
        definition = d.definitions.get(node.id)
        if definition is not None and not definition.params:
            return _expand(definition.formula.tree, d, {})
        return node
    if isinstance(node, Call) and isinstance(env.get(node.func), Name):  # a function passed as an argument
        node = Call(env[node.func].id, node.args, span=node.span)
    if isinstance(node, Call) and node.func in d.definitions and d.definitions[node.func].params:
        definition = d.definitions[node.func]
        args = {p: _expand(a, d, env) for p, a in zip(definition.params, node.args, strict=True)}
        return _expand(definition.formula.tree, d, args)
    if isinstance(node, Call) and node.func == "sum":
        binder = node.args[0].left if isinstance(node.args[0], Compare) else node.args[0]
        inner = {k: v for k, v in env.items() if k != binder.id}
        return Call("sum", (binder, _expand(node.args[1], d, inner)), span=node.span)
    return _rebuild(node, lambda c: _expand(c, d, env))


def _bound(node: Node, names: dict[str, str], counter: list[int]) -> Node:
    if isinstance(node, Name):
        return Name(names.get(node.id, node.id), span=node.span)
    if isinstance(node, Call) and node.func == "sum":
        binder = node.args[0].left if isinstance(node.args[0], Compare) else node.args[0]
        fresh = f"b{counter[0]}"
        counter[0] += 1
        body = _bound(node.args[1], {**names, binder.id: fresh}, counter)
        return Call("sum", (Name(fresh, span=binder.span), body), span=node.span)
    return _rebuild(node, lambda c: _bound(c, names, counter))


def _negations(node: Node) -> Node:
    node = _rebuild(node, _negations)
    if isinstance(node, Binary) and node.op == "*" and isinstance(node.right, Binary) and node.right.op in "*/":
        # a * (b * c) -> a * b * c and a * (b / c) -> a * b / c (elementwise, so associative)
        inner = node.right
        left = Binary("*", node.left, inner.left, span=node.span)
        return _negations(Binary(inner.op, left, inner.right, span=node.span))
    if isinstance(node, Binary) and node.op in PRODUCTS:
        left, right, sign = node.left, node.right, False
        if isinstance(left, Unary) and left.op == "-":
            left, sign = left.operand, not sign
        if isinstance(right, Unary) and right.op == "-":
            right, sign = right.operand, not sign
        if sign:
            return Unary("-", Binary(node.op, left, right, span=node.span), span=node.span)
        return Binary(node.op, left, right, span=node.span)
    if isinstance(node, Call) and node.func == "sum" and isinstance(node.args[1], Unary) and node.args[1].op == "-":
        return Unary("-", Call("sum", (node.args[0], node.args[1].operand), span=node.span), span=node.span)
    if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Unary) and node.operand.op == "-":
        return node.operand.operand
    if isinstance(node, Transpose) and isinstance(node.operand, Transpose):
        return node.operand.operand
    return node


def _rebuild(node: Node, f) -> Node:
    if not list(children(node)):
        return node
    fields = {}
    for key, value in vars(node).items():
        if isinstance(value, Node):
            fields[key] = f(value)
        elif isinstance(value, tuple):
            fields[key] = tuple(f(v) if isinstance(v, Node) else v for v in value)
        elif key != "span":
            fields[key] = value
    return type(node)(**fields, span=node.span)


@dataclass
class Compared:
    ours: str  # claim ids
    theirs: str
    pairs: list[tuple[int, int, tuple[str, str], tuple[str, str]]]  # their step, our step, verdicts


def kind(step) -> tuple[str, str]:
    verdict = "right" if step.verdict in ("proved", "checked") else step.verdict
    return verdict, (step.diagnosis or "").split(":")[0]


def texts(derivation: Derivation, claim_id: str) -> list[str]:
    claim = next(c for c in derivation.claims if c.id == claim_id)
    return [canonical(f.tree, derivation) for f in claim.chain]


def wrt(derivation: Derivation, claim_id: str) -> str | None:
    """What the claim's left-hand side differentiates by, when it is a gradient of a loss."""
    claim = next(c for c in derivation.claims if c.id == claim_id)
    lhs = claim.chain[0].tree
    if isinstance(lhs, Call) and lhs.func == "grad" and isinstance(lhs.args[0], Name):
        return canonical(lhs.args[1], derivation)
    return None


def lcs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            out.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def compare(theirs: list[tuple[Derivation, list]], ours: list[tuple[Derivation, list]]) -> list[Compared]:
    """Each hand-transcribed claim against the chain read from the write-up that is the same chain
    (``ours``: the derivations read, one per section of the notation, with their verdicts)."""
    our_results = [r for _, results in ours for r in results]
    our_texts = {r.claim: texts(d, r.claim) for d, results in ours for r in results}
    our_wrt = {r.claim: wrt(d, r.claim) for d, results in ours for r in results}
    out = []
    for their_d, their_results in theirs:
        for result in their_results:
            mine = texts(their_d, result.claim)
            by = wrt(their_d, result.claim)

            def same_lhs(c: str, mine=mine, by=by) -> bool:
                ends = our_texts[c][-1] == mine[-1]
                return our_texts[c][0] == mine[0] or (by is not None and our_wrt[c] == by and ends)

            best = max(
                our_texts,
                key=lambda c: (
                    same_lhs(c),
                    our_texts[c][-1] == mine[-1],
                    len(lcs(mine, our_texts[c])),
                    -abs(len(our_texts[c]) - len(mine)),
                ),
            )
            other = our_texts[best]
            if not same_lhs(best) and len(lcs(mine, other)) < 2:
                continue
            pairs = {(i, j) for i, j in lcs(mine, other) if i and j}
            ours_by_number = {s.number: s for s in next(r for r in our_results if r.claim == best).steps}
            theirs_by_number = {s.number: s for s in result.steps}
            out.append(
                Compared(
                    best,
                    result.claim,
                    [
                        (i, j, kind(theirs_by_number[i]), kind(ours_by_number[j]))
                        for i, j in sorted(pairs)
                        if i in theirs_by_number and j in ours_by_number
                    ],
                )
            )
    return out


__all__ = ["Compared", "Subscript", "canonical", "compare"]
