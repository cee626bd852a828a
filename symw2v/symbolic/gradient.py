"""Automatic gradients: SymPy differentiates the index-notation loss component by component.

``grad(J, X)`` has X's shape (denominator layout), whatever the convention: component ``idx``
is dJ/dX[idx]. For a row ``U[o]`` that is dJ/dU[o, i]; for a sample row ``U[ws[s]]`` SymPy
produces sum_k delta(ws[k], ws[s]) terms, which count repeated samples by construction.
"""

from __future__ import annotations

from functools import cache, lru_cache

import sympy as sp

from ..language.errors import FormulaError
from ..language.syntax import Span
from .tensor import Tensor, shape_text


def gradient(f: Tensor, x: Tensor, span: Span) -> Tensor:
    if f.shape:
        raise FormulaError(f"grad needs a scalar to differentiate, not {shape_text(f.shape)}", span)
    if x.target is None:
        raise FormulaError(
            "grad differentiates by a declared symbol or a row of one (v_c, U, U[o], x)", span
        )
    target = x.target

    @cache
    def value() -> sp.Expr:  # built at the first component asked for, within the claim's budget
        return f.scalar()

    return Tensor(x.shape, lambda idx: _diff(value(), target.element(idx)))


def jacobian(f: Tensor, x: Tensor, span: Span) -> Tensor:
    """jacobian(f, x)[i, j] = d f[i] / d x[j]: n×m for a vector f of size n and a declared
    vector (or a row of a declared matrix) x of size m."""
    f, x = f.flat(), x.flat()  # a column or row vector by its entries
    if f.rank != 1 or x.rank != 1:
        raise FormulaError(
            f"jacobian takes a vector function and a vector, not {shape_text(f.shape)} and {shape_text(x.shape)}",
            span,
        )
    if x.target is None:
        raise FormulaError("jacobian differentiates by a declared vector or a row of a matrix (v_c, U[o])", span)
    target = x.target
    return Tensor(f.shape + x.shape, lambda idx: _diff(f.at(idx[:1]), target.element(idx[1:])))


@lru_cache(maxsize=4096)
def _diff(value: sp.Expr, element: sp.Expr) -> sp.Expr:
    """d value / d element; cached, since claims of one file differentiate one loss again."""
    return sp.diff(value, element)
