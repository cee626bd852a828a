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
class Axis:
    """A slot of a :class:`Target` filled by the tensor's component index on axis ``k``."""

    k: int


@dataclass(frozen=True)
class Target:
    """A declared array seen through a subscript: per axis of the array, ``slots`` holds a fixed
    index or the :class:`Axis` of the tensor that runs along it. ``U[o]`` is U with slots
    ``(o, Axis(0))``; the column ``U[:, o]`` (shape d×1) is ``(Axis(0), o)``."""

    base: sp.IndexedBase | sp.Symbol
    slots: tuple[sp.Expr | Axis, ...] = ()

    @classmethod
    def whole(cls, base: sp.IndexedBase | sp.Symbol, rank: int) -> Target:
        return cls(base, tuple(Axis(k) for k in range(rank)))

    def element(self, idx: tuple[sp.Expr, ...]) -> sp.Expr:
        full = tuple(idx[s.k] if isinstance(s, Axis) else s for s in self.slots)
        return self.base[full] if full else self.base

    def moved(self, axes: dict[int, sp.Expr | Axis]) -> Target:
        """The same array seen through a new view: tensor axis ``k`` becomes ``axes[k]``."""
        return Target(self.base, tuple(axes[s.k] if isinstance(s, Axis) else s for s in self.slots))


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

    @property
    def orientation(self) -> str | None:
        """"column" for shape n×1, "row" for 1×n (a vector under the columns convention), else
        None. Sizes are symbols, so a literal 1 only comes from orienting a vector."""
        if self.rank == 2 and (self.shape[0] == 1) != (self.shape[1] == 1):
            return "column" if self.shape[1] == 1 else "row"
        return None

    def flat(self) -> Tensor:
        """An oriented vector as a plain vector of its entries (anything else unchanged)."""
        kind = self.orientation
        if kind is None:
            return self
        axis = 0 if kind == "column" else 1
        target = self.target.moved({axis: Axis(0)}) if self.target else None

        def at(idx: tuple[sp.Expr, ...]) -> sp.Expr:
            return self.at((idx[0], sp.S.Zero) if kind == "column" else (sp.S.Zero, idx[0]))

        return Tensor(self.shape[axis : axis + 1], at, target)

    def oriented(self, kind: str) -> Tensor:
        """A plain vector as a column (n×1) or a row (1×n)."""
        assert self.rank == 1 and kind in ("column", "row")
        axis = 0 if kind == "column" else 1
        shape = (self.shape[0], sp.S.One) if kind == "column" else (sp.S.One, self.shape[0])
        target = self.target.moved({0: Axis(axis)}) if self.target else None
        return Tensor(shape, lambda idx: self.at((idx[axis],)), target)


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
    text = "×".join(str(s) for s in shape)
    if len(shape) == 2 and (shape[0] == 1) != (shape[1] == 1):
        text += " (column)" if shape[1] == 1 else " (row)"
    return text
