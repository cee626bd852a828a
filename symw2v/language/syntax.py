"""Syntax tree of the formula language.

Every node records the character span of the text it came from, so that errors can point at
the offending part of a formula. Spans do not take part in equality: two trees are equal when
they denote the same formula.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class Span:
    """Half-open character range ``[start, end)`` within one formula string."""

    start: int
    end: int


@dataclass(frozen=True)
class Node:
    span: Span = field(compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Name(Node):
    id: str


@dataclass(frozen=True)
class Number(Node):
    value: Fraction


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-" or "+"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # one of + - * / ** @
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Subscript(Node):
    base: Node
    indices: tuple[Node, ...]


@dataclass(frozen=True)
class Slice(Node):
    """``:`` in a subscript, the whole axis: ``U[:, o]`` is column o of U."""


@dataclass(frozen=True)
class Transpose(Node):
    operand: Node


@dataclass(frozen=True)
class Compare(Node):
    op: str  # == != < <= > >= in "not in"
    left: Node
    right: Node


@dataclass(frozen=True)
class Indicator(Node):
    """Iverson bracket ``[condition]``: 1 where the condition holds, else 0."""

    condition: Compare


# Names the language gives a meaning of its own: the functions of
# ``symw2v.symbolic.lower.CALLS`` and ``distinct(ws)`` of assumptions. A file may not declare or
# define them (``exp(t) = t`` would otherwise make ``exp(x) = x`` provable).
BUILTINS = frozenset(
    {"exp", "log", "sigma", "relu", "tanh", "softmax", "outer", "logaddexp", "onehot", "ones",
     "zeros", "sum", "grad", "jacobian", "diag", "max", "count", "concat", "stack", "distinct"}
)


def children(node: Node) -> Iterator[Node]:
    """The direct sub-nodes of ``node``, in order."""
    for value in vars(node).values():
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            yield from (item for item in value if isinstance(item, Node))


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, pre-order."""
    yield node
    for child in children(node):
        yield from walk(child)
