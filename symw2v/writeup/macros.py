"""The macros a LaTeX write-up defines for itself (``\\newcommand{\\partialD}[2]{\\frac{\\partial
#1}{\\partial #2}}``, ``\\def``, ``\\DeclareMathOperator``), written out in its math before it is
read, each character keeping the file offset it came from: an argument's characters their own,
a macro's body the offset of the macro's use. So an error in written-out math still points at
the file.

Expansion is bounded (depth and length), so a macro that uses itself stops and is then refused,
with its name, by the reader; a macro with an optional argument is left alone (and refused too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFINITION = re.compile(
    r"\\(?:re|provide)?newcommand\*?\s*\{?\s*\\(?P<name>[A-Za-z]+)\s*\}?\s*(?:\[(?P<n>\d)\])?\s*(?P<opt>\[)?"
    r"|\\def\s*\\(?P<dname>[A-Za-z]+)\s*(?=\{)"
    r"|\\DeclareMathOperator\*?\s*\{\s*\\(?P<oname>[A-Za-z]+)\s*\}\s*(?=\{)"
)
USE = re.compile(r"\\([A-Za-z]+)")
MAX_PASSES = 20
MAX_LENGTH = 200_000


@dataclass(frozen=True)
class Macro:
    name: str
    arity: int
    body: str


def group(text: str, at: int) -> int | None:
    """The offset just past the brace group that opens at ``at``, or None when unbalanced."""
    if at >= len(text) or text[at] != "{":
        return None
    depth, k = 0, at
    while k < len(text):
        c = text[k]
        if c == "\\":
            k += 2
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        k += 1
        if depth == 0:
            return k
    return None


def definitions(text: str) -> dict[str, Macro]:
    """The macros ``text`` defines (comments already blanked)."""
    out: dict[str, Macro] = {}
    for m in DEFINITION.finditer(text):
        at = m.end()
        while at < len(text) and text[at] in " \t\n":
            at += 1
        end = group(text, at)
        if end is None or m.group("opt"):
            continue
        body = text[at + 1 : end - 1]
        if m.group("oname"):
            out[m.group("oname")] = Macro(m.group("oname"), 0, f"\\operatorname{{{body}}}")
        else:
            name = m.group("name") or m.group("dname")
            out[name] = Macro(name, int(m.group("n") or 0), body)
    return out


def expand(text: str, origins: list[int], macros: dict[str, Macro]) -> tuple[str, list[int]]:
    """``text`` with every use of ``macros`` written out; ``origins[k]`` is the file offset of
    ``text[k]`` (one more entry, for the end)."""
    for _ in range(MAX_PASSES):
        out, where, k, changed = [], [], 0, False
        for m in USE.finditer(text):
            macro = macros.get(m.group(1))
            if macro is None or m.start() < k:
                continue
            args, end = _arguments(text, m.end(), macro.arity)
            if args is None:
                continue
            out.append(text[k : m.start()])
            where.extend(origins[k : m.start()])
            body, body_origins = _substitute(macro, args, text, origins, origins[m.start()])
            out.append(body)
            where.extend(body_origins)
            k, changed = end, True
        if not changed:
            return text, origins
        out.append(text[k:])
        where.extend(origins[k:])
        text, origins = "".join(out), where
        if len(text) > MAX_LENGTH:
            break
    return text, origins


def _arguments(text: str, at: int, n: int) -> tuple[list[tuple[int, int]] | None, int]:
    """The spans of ``n`` arguments after ``at`` (a brace group's inside, or one character or
    command), and the offset after them."""
    args = []
    for _ in range(n):
        while at < len(text) and text[at] in " \t\n":
            at += 1
        if at >= len(text):
            return None, at
        if text[at] == "{":
            end = group(text, at)
            if end is None:
                return None, at
            args.append((at + 1, end - 1))
            at = end
        else:
            m = re.match(r"\\[A-Za-z]+|\\.|.", text[at:], re.DOTALL)
            assert m is not None
            args.append((at, at + m.end()))
            at += m.end()
    if n == 0 and re.match(r"[A-Za-z]", text[at : at + 1]):  # \name followed by a letter: not this macro
        return None, at
    return args, at


def _substitute(macro: Macro, args, text: str, origins: list[int], use: int) -> tuple[str, list[int]]:
    out, where, k = [], [], 0
    for m in re.finditer(r"#(\d)", macro.body):
        out.append(macro.body[k : m.start()])
        where.extend([use] * (m.start() - k))
        n = int(m.group(1)) - 1
        if 0 <= n < len(args):
            start, end = args[n]
            out.append(text[start:end])
            where.extend(origins[start:end])
        k = m.end()
    out.append(macro.body[k:])
    where.extend([use] * (len(macro.body) - k))
    # spaces around: "\log\expuxvc{o}" must not become "\log\exp..." glued to a following letter
    return " " + "".join(out) + " ", [use, *where, use]
