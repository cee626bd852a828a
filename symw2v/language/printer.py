"""Syntax tree -> formula text, with the fewest parentheses that keep the meaning.

``parse(to_text(tree)) == tree`` for every tree the parser can produce (a tested round trip).
"""

from __future__ import annotations

from .syntax import (
    Binary,
    Call,
    Compare,
    Indicator,
    Name,
    Node,
    Number,
    Slice,
    Subscript,
    Transpose,
    Unary,
)

# Python's precedence levels for the operators we print; higher binds tighter.
PRECEDENCE = {"cmp": 1, "+": 2, "-": 2, "*": 3, "/": 3, "@": 3, "unary": 4, "**": 5, "atom": 6}


def to_text(node: Node) -> str:
    return _print(node)[0]


def _wrap(text: str, prec: int, needed: int) -> str:
    return f"({text})" if prec < needed else text


def _number(node: Number) -> str:
    v = node.value
    if v.denominator == 1:
        return str(v.numerator)
    # Parsed numbers are decimal literals, so their denominators divide a power of ten.
    digits = 0
    while (v * 10**digits).denominator != 1:
        digits += 1
    scaled = str(abs(v.numerator * 10**digits // v.denominator)).rjust(digits + 1, "0")
    return f"{'-' if v < 0 else ''}{scaled[:-digits]}.{scaled[-digits:]}"


def _print(node: Node) -> tuple[str, int]:
    match node:
        case Name(id=name):
            return name, PRECEDENCE["atom"]
        case Number():
            # Below "atom": a number before .T or [...] needs parentheses ("2.T" is not Python).
            return _number(node), PRECEDENCE["**"]
        case Unary(op=op, operand=operand):
            text, prec = _print(operand)
            return op + _wrap(text, prec, PRECEDENCE["unary"]), PRECEDENCE["unary"]
        case Binary(op="**", left=left, right=right):
            lt, lp = _print(left)
            rt, rp = _print(right)
            # ** is right-associative and binds tighter than a unary minus on its left.
            left_text = lt if isinstance(left, Number) else _wrap(lt, lp, PRECEDENCE["atom"])
            return f"{left_text}**{_wrap(rt, rp, PRECEDENCE['unary'])}", PRECEDENCE["**"]
        case Binary(op=op, left=left, right=right):
            prec = PRECEDENCE[op]
            lt, lp = _print(left)
            rt, rp = _print(right)
            return f"{_wrap(lt, lp, prec)} {op} {_wrap(rt, rp, prec + 1)}", prec
        case Call(func=func, args=args):
            return f"{func}({', '.join(to_text(a) for a in args)})", PRECEDENCE["atom"]
        case Subscript(base=base, indices=indices):
            bt, bp = _print(base)
            inner = ", ".join(to_text(i) for i in indices)
            return f"{_wrap(bt, bp, PRECEDENCE['atom'])}[{inner}]", PRECEDENCE["atom"]
        case Transpose(operand=operand):
            text, prec = _print(operand)
            return f"{_wrap(text, prec, PRECEDENCE['atom'])}.T", PRECEDENCE["atom"]
        case Compare(op=op, left=left, right=right):
            lt, lp = _print(left)
            rt, rp = _print(right)
            cmp = PRECEDENCE["cmp"]
            return f"{_wrap(lt, lp, cmp + 1)} {op} {_wrap(rt, rp, cmp + 1)}", cmp
        case Slice():
            return ":", PRECEDENCE["atom"]
        case Indicator(condition=condition):
            return f"[{to_text(condition)}]", PRECEDENCE["atom"]
    raise TypeError(f"not a syntax node: {node!r}")
