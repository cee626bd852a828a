"""The values formulas denote: tensors given component-wise, indices and index lists.

A :class:`Tensor` of shape ``(n1, ..., nk)`` is a rule ``at(i1, ..., ik)`` producing the SymPy
scalar at that position; sizes are positive-integer symbols, so every rule holds for all
dimensions at once. Declared arrays carry a :class:`Target`: the exact SymPy atoms they are
made of, which is what a gradient differentiates by.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Target:
    """A declared array, possibly with leading indices fixed (``U[o]`` is U with row o)."""

    base: sp.IndexedBase | sp.Symbol
    prefix: tuple[sp.Expr, ...] = ()

    def element(self, idx: tuple[sp.Expr, ...]) -> sp.Expr:
        full = self.prefix + idx
        return self.base[full] if full else self.base


@dataclass(frozen=True)
class Tensor:
    shape: tuple[sp.Expr, ...]
    at: Callable[[tuple[sp.Expr, ...]], sp.Expr] = field(repr=False)
    target: Target | None = None

    @property
    def rank(self) -> int:
        return len(self.shape)

    def scalar(self) -> sp.Expr:
        assert not self.shape
        return self.at(())


@dataclass
class Index:
    """An integer ``0 <= value < size``. A summation binder starts with ``size=None`` and learns
    its size from the first axis it indexes."""

    value: sp.Expr
    size: sp.Expr | None


@dataclass(frozen=True)
class IndexList:
    """``length`` indices ``base[0..length-1]``, each in ``range(size)``; repeats allowed. A row
    ``wss[m]`` of a table is the list ``base[m, 0..length-1]``: its ``prefix`` is ``(m,)``."""

    base: sp.IndexedBase
    length: sp.Expr
    size: sp.Expr
    prefix: tuple[sp.Expr, ...] = ()

    def entry(self, k: sp.Expr) -> sp.Expr:
        return self.base[(*self.prefix, k)]

    @property
    def ref(self) -> sp.IndexedBase | tuple[sp.IndexedBase, tuple[sp.Expr, ...]]:
        """How assumptions name it: the base for a whole list, (base, prefix) for a row."""
        return (self.base, self.prefix) if self.prefix else self.base


@dataclass(frozen=True)
class IndexTable:
    """``indices[M, K, V]``: ``rows`` lists of ``length`` indices each, every entry
    ``base[m, k]`` in ``range(size)``; repeats allowed (separate samples for each pair of a
    window). An instance gives it as a tuple of ``rows`` tuples."""

    base: sp.IndexedBase
    rows: sp.Expr
    length: sp.Expr
    size: sp.Expr

    def row(self, m: sp.Expr) -> IndexList:
        return IndexList(self.base, self.length, self.size, (m,))


@dataclass(frozen=True)
class Size:
    symbol: sp.Symbol


def size_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


def index_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, nonnegative=True)


def shape_text(shape: tuple[sp.Expr, ...]) -> str:
    if not shape:
        return "scalar"
    return "×".join(str(s) for s in shape)
