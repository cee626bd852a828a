"""Scalar functions with their derivative rules next to them (as micrograd keeps them).

``sigma`` is a SymPy ``Function`` so that derivatives stay in the reader's vocabulary
(``sigma(x)*(1 - sigma(x))``) instead of being expanded into exponentials. ``relu`` is a
``Piecewise`` with derivative 0 at 0, the convention PyTorch and NumPy code use.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp


class sigma(sp.Function):  # noqa: N801 - named as written in the mathematics
    """The logistic sigmoid  sigma(x) = 1 / (1 + exp(-x))."""

    @classmethod
    def eval(cls, x):
        if x == 0:
            return sp.Rational(1, 2)
        return None

    def fdiff(self, argindex: int = 1):
        s = sigma(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer):
        return rf"\sigma\left({printer._print(self.args[0])}\right)"


def orderable(x: sp.Expr) -> bool:
    """False for what SymPy refuses to compare (nan, zoo, I, 1/0 * x): a formula with an
    undefined constant must not raise, its value is undefined."""
    return x is not sp.nan and x.is_extended_real is not False


def relu(x: sp.Expr) -> sp.Expr:
    """max(0, x) with derivative 0 at x = 0; nan where x is not orderable."""
    return sp.Piecewise((0, x <= 0), (x, True)) if orderable(x) else sp.nan


def indicator(relation: Callable[[sp.Expr, sp.Expr], sp.Basic], a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """Iverson bracket [a relation b] for reals: 1 where it holds, else 0; nan where a or b is
    not orderable."""
    return sp.Piecewise((1, relation(a, b)), (0, True)) if orderable(a) and orderable(b) else sp.nan


class maximum(sp.Function):  # noqa: N801 - a SymPy function, named as written
    """max_{0 <= j < n} body(j), args ``(body, j, n)``: opaque while n is a symbol, SymPy's
    ``Max`` of the n entries once n is a number (at an instance). It has no derivative here:
    differentiating it raises, so a gradient through max is never given a made-up value."""

    nargs = 3

    @classmethod
    def eval(cls, body, j, n):
        if n.is_Integer and n > 0:
            return sp.Max(*[body.xreplace({j: sp.Integer(k)}) for k in range(int(n))])
        return None

    def fdiff(self, argindex: int = 1):
        raise NotImplementedError("max(x) has no derivative in symw2v; differentiate before taking max")

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer):
        body, j, n = self.args
        return rf"\max_{{{printer._print(j)} < {printer._print(n)}}} {printer._print(body)}"
