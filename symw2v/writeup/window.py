"""The skip-gram context window as write-ups write it (problem (i) of the course).

The window around the center word ``w_t`` is ``w_{t-m}, ..., w_{t+m}``: its ``M = 2m`` outside
words ``w_{t+j}``, ``-m <= j <= m``, ``j != 0``. A notation that declares ``[window] words =
"ctx"`` (an index list ``indices[M, V]``) and ``outside = "o"`` (the outside word of the pair
loss) reads, and reads nothing else as these:

* ``\\sum_{-m \\leq j \\leq m, j \\neq 0}`` (also ``\\substack``, ``\\atop``): a sum over the M
  positions of the window; both bounds and the exclusion of 0 must be written;
* ``w_{t+j}`` with j bound by such a sum: the outside word ``ctx[j]`` (positions are relabelled
  0..M-1 in order; every sum over the window is over the same positions, so nothing changes);
* ``J(v_c, w_{t+j}, U)``: the loss J of the notation with its outside word ``o`` replaced by
  ``ctx[j]`` (the pair loss of position j);
* ``J(v_c, w_{t-m}, \\dots, w_{t+m}, U)``: the window written as arguments, the sum of J over the
  window; ``J_{skip-gram}`` (with or without arguments) is that sum for the J a bare ``J`` means
  at that line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnose.edits import substitute
from ..language.syntax import Call, Compare, Name, Node, Span, Subscript, walk

NOWHERE = Span(0, 0)

# normalised LaTeX (see translate.normal): the window's words and its ends
WORD = re.compile(r"w_\{?t([+-])([A-Za-z])\}?")
RUN = re.compile(r"w_\{?t-m\}?,(?:\\[lc]?dots|\\cdots|\.\.\.|\u2026),?w_\{?t\+m\}?")
TOTAL = "J_skip_gram"  # J_{skip-gram}, J_{\text{skip-gram}}


@dataclass(frozen=True)
class Window:
    """``words``: the index list of the outside words (``ctx[j]`` is ``w_{t+j}``), of ``size``
    entries; ``outside``: the index the pair loss's formula takes as its outside word."""

    words: str
    size: str
    outside: str

    def word(self, position: Node) -> Node:
        """``w_{t+j}`` for the position ``j``: ``ctx[j]``."""
        return Subscript(Name(self.words, span=NOWHERE), (position,), span=NOWHERE)

    def pair(self, loss: Node, position: Node) -> Node:
        """The pair loss at ``position``: ``loss`` with its outside word replaced by ``ctx[j]``."""
        return substitute(loss, self.outside, self.word(position))

    def total(self, loss: Node, binder: str) -> Node:
        """The skip-gram loss: the pair loss summed over the window (``binder`` its position)."""
        position = Name(binder, span=NOWHERE)
        bound = Compare("in", position, Name(self.size, span=NOWHERE), span=NOWHERE)
        return Call("sum", (bound, self.pair(loss, position)), span=NOWHERE)


def arguments(normal_args: str) -> tuple[list[str], str | None, bool]:
    """A loss's arguments as written (normalised, with their parentheses): the plain ones, the
    position of a window word among them with its sign (``w_{t+j}`` -> ``"+j"``) and whether
    the whole window (``w_{t-m}, \\dots, w_{t+m}``) is one of them."""
    inner = normal_args.strip()[1:-1]
    whole = RUN.search(inner) is not None
    inner = RUN.sub("", inner)
    plain, position = [], None
    for item in (a for a in inner.split(",") if a):
        m = WORD.fullmatch(item)
        if m and position is None:
            position = m.group(1) + m.group(2)
        else:
            plain.append(item)
    return plain, position, whole


def names_in(node: Node) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, Name)}
