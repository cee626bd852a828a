"""Is a rational function of independent atoms zero? Random-point identity testing.

:func:`symw2v.verify.rational.RationalForm.to_rational` turns an explicit expression (no sums:
a concrete instance) into a rational function ``N/D`` of independent atoms: array entries,
one positive symbol per ``exp(monomial)``, one symbol per ``log`` factor. Deciding ``N/D == 0``
with ``sympy.cancel`` expands ``N`` and costs seconds at V=6; evaluating the expression tree
at a random point modulo the prime ``P = 2**61 - 1`` costs milliseconds.

The contract (Schwartz–Zippel): if ``N`` is not the zero polynomial, a point drawn uniformly
from ``F_P`` makes it vanish with probability at most ``deg N / P``; with ``deg N < 10**4`` and
``POINTS`` independent points a nonzero function is reported zero with probability below
``(10**4 / 2**61)**POINTS < 1e-29``. A zero result is therefore "zero" beyond any doubt worth
stating, and a nonzero result is always right. Every node the evaluator cannot compute in
``F_P`` (a function, a transcendental constant, a Piecewise) is an atom of its own, keyed by
structure: treating more things as independent can only turn a true identity into "nonzero"
(which the caller must confirm numerically), never a false identity into "zero".
"""

from __future__ import annotations

import random

import sympy as sp

P = 2**61 - 1
POINTS = 2


class _Pole(Exception):
    """A denominator vanished at the drawn point: draw another."""


def is_zero(e: sp.Expr, seed: int = 0) -> bool:
    """Whether the rational function ``e`` of independent atoms is identically zero, tested at
    ``POINTS`` random points of ``F_P`` (see the module docstring for the error bound)."""
    rng = random.Random(seed)
    done = 0
    for _ in range(20 * POINTS):
        try:
            value = _Evaluator(rng).value(e)
        except _Pole:
            continue
        if value:
            return False
        done += 1
        if done == POINTS:
            return True
    return False  # only poles: not shown to be zero


class _Evaluator:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.atoms: dict[sp.Expr, int] = {}
        self.memo: dict[sp.Expr, int] = {}

    def value(self, e: sp.Expr) -> int:
        found = self.memo.get(e)
        if found is None:
            found = self.memo[e] = self._value(e)
        return found

    def _value(self, e: sp.Expr) -> int:
        if e.is_Rational:
            return e.p * _inverse(e.q % P) % P
        if isinstance(e, sp.Add):
            return sum(self.value(a) for a in e.args) % P
        if isinstance(e, sp.Mul):
            out = 1
            for a in e.args:
                out = out * self.value(a) % P
            return out
        if isinstance(e, sp.Pow) and e.exp.is_Integer:
            base, n = self.value(e.base), int(e.exp)
            return pow(base, n, P) if n >= 0 else pow(_inverse(base), -n, P)
        # an atom: a symbol, an array entry, or anything not rational in its arguments
        if e not in self.atoms:
            self.atoms[e] = self.rng.randrange(1, P)
        return self.atoms[e]


def _inverse(x: int) -> int:
    if x % P == 0:
        raise _Pole
    return pow(x, P - 2, P)
