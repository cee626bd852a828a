"""Shapes as a write-up means them: every value is rows × columns, a vector is a column
(``d × 1``) unless transposed, and a scalar is ``1 × 1``. Sizes are the size names of the
notation (``d``, ``V``, ``K``); ``"1"`` is never a size name, so ``1`` always means "one".

Side by side, two values multiply as matrices when their inner sizes agree (``u^T v``,
``U^T \\hat y``, ``v (\\hat y - y)^T``) and as numbers when one of them is a scalar; this is how
the reader decides what juxtaposition means, and it refuses what fits neither.
"""

from __future__ import annotations

from dataclasses import dataclass

ONE = "1"


@dataclass(frozen=True)
class Shape:
    rows: str
    cols: str

    @property
    def scalar(self) -> bool:
        return self.rows == ONE and self.cols == ONE

    @property
    def column(self) -> bool:
        return self.cols == ONE and self.rows != ONE

    @property
    def row(self) -> bool:
        return self.rows == ONE and self.cols != ONE

    @property
    def vector(self) -> bool:
        return self.column or self.row

    @property
    def matrix(self) -> bool:
        return self.rows != ONE and self.cols != ONE

    @property
    def T(self) -> Shape:
        return Shape(self.cols, self.rows)

    def text(self) -> str:
        if self.scalar:
            return "a scalar"
        if self.column:
            return f"a column vector of size {self.rows}"
        if self.row:
            return f"a row vector of size {self.cols}"
        return f"a {self.rows}×{self.cols} matrix"


SCALAR = Shape(ONE, ONE)


def column(size: str) -> Shape:
    return Shape(size, ONE)


def of_sizes(sizes: tuple[str, ...]) -> Shape:
    """The shape of a value of the formula language with these axis sizes (a vector is a column)."""
    if not sizes:
        return SCALAR
    if len(sizes) == 1:
        return column(sizes[0])
    return Shape(sizes[0], sizes[1])
