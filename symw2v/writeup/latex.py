"""LaTeX math -> a lark syntax tree, with the grammar of ``grammar.lark`` (LALR(1), built once).

``parse_row`` reads one row of a display; what the grammar does not cover raises
:class:`~symw2v.writeup.errors.Unreadable` at the offending character, with a suggestion when
the construct is one people write but this reader does not (``\\dots``, matrices written out,
``\\partial J / \\partial v``).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .errors import Unreadable

# (pattern at the error, message, suggestion), the first that matches the text at the error
HINTS: tuple[tuple[str, str, str], ...] = (
    (r"\\[lcvd]?dots|\\cdots", "terms left out with dots cannot be checked", "write the sum out with \\sum"),
    (r"\\partial", "a \\partial outside \\frac{\\partial ...}{\\partial ...}",
     "write the derivative as \\frac{\\partial J}{\\partial x} or \\frac{\\partial}{\\partial x}"),
    (r"\\begin\s*\{\s*[pbvBV]?matrix", "a matrix written out entry by entry", "write it with the notation's symbols"),
    (r"\\begin\s*\{\s*array", "an array", "write the formula without an array"),
    (r"\\(mathbf|boldsymbol)\s*\{\s*1\s*\}", "a vector of ones", "declare it in a notation file"),
    (r"\\prod", "a product \\prod", "write it with \\exp and \\sum of logarithms"),
    (r"\\sqrt", "a square root", "write it as a power"),
    (r"\\[a-zA-Z]+", "the command {text}", "it is not part of the notation this reader knows"),
)

# an error just inside the denominator of \frac{\partial ...}{...} that does not start with \partial or d
NO_PARTIAL_BELOW = re.compile(
    r"\\[dt]?frac\s*\{\s*(?:\\partial(?![A-Za-z])|\u2202)(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}\s*"
    r"\{(\s*(?!\\partial|\u2202|d(?![A-Za-z]))[^{}\s]{0,2})$"
)


@cache
def parser() -> Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False)


def parse_row(text: str) -> Tree:
    """The syntax tree of one row; offsets in the tree are offsets into ``text``."""
    try:
        return parser().parse(text)
    except UnexpectedInput as err:
        raise _unreadable(text, err) from None


def _unreadable(text: str, err: UnexpectedInput) -> Unreadable:
    if isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken) and err.token.type == "$END"):
        end = len(text.rstrip())
        return Unreadable("the formula ends too early (an unclosed bracket or brace?)", max(end - 1, 0), end)
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream
        what = text[pos : pos + 1]
    else:
        assert isinstance(err, UnexpectedToken)
        pos, what = err.token.start_pos or 0, str(err.token)
    below = NO_PARTIAL_BELOW.search(text[:pos])
    if below is not None:  # \frac{\partial J}{v_c}: a slip for \partial v_c, or a quotient? not guessed
        return Unreadable("\\partial above the line and none below it", below.start(1), pos + 1,
                          "write \\frac{\\partial J}{\\partial x}")
    rest = text[pos:]
    for pattern, message, suggestion in HINTS:
        m = re.match(pattern, rest)
        if m:
            return Unreadable(message.replace("{text}", m.group(0)), pos, pos + len(m.group(0)), suggestion)
    return Unreadable(f"unexpected {what!r} here", pos, pos + max(len(what), 1))


def span(item: Tree | Token) -> tuple[int, int]:
    """Start and end offset of a subtree or token."""
    if isinstance(item, Token):
        return item.start_pos or 0, item.end_pos or 0
    return item.meta.start_pos, item.meta.end_pos


def fail(item: Tree | Token, message: str, suggestion: str = "") -> Unreadable:
    start, end = span(item)
    return Unreadable(message, start, end, suggestion)
