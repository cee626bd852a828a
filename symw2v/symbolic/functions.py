"""Scalar functions with their derivative rules next to them (as micrograd keeps them).

``sigma`` is a SymPy ``Function`` so that derivatives stay in the reader's vocabulary
(``sigma(x)*(1 - sigma(x))``) instead of being expanded into exponentials. ``relu`` is a
``Piecewise`` with derivative 0 at 0, the convention PyTorch and NumPy code use.
"""

from __future__ import annotations

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


def relu(x: sp.Expr) -> sp.Expr:
    """max(0, x) with derivative 0 at x = 0."""
    return sp.Piecewise((0, x <= 0), (x, True))


def indicator(condition: sp.Basic) -> sp.Expr:
    """Iverson bracket for a real condition: 1 where it holds, else 0."""
    return sp.Piecewise((1, condition), (0, True))
