"""Expressions with exp and log -> rational functions of independent atoms, and back.

Each ``exp(c1*m1 + c2*m2 + c0)`` becomes ``E1**(c1*L1) * E2**(c2*L2) * exp(c0)`` with one fresh
positive symbol ``E = exp(m/L)`` per monomial ``m`` (``L`` clears the denominators of its
coefficients), so ``exp(x)*exp(-x)`` and ``exp(2x)`` relate as they should. ``log`` of a
positive rational function is split over its factors: ``log(E) = m/L``, and any other factor
``f`` becomes an opaque atom for ``log|f|``. Identity as a rational function of these atoms
implies identity of the original expressions (sound); the converse holds for the
exponential-polynomial expressions of these losses (exponentials of distinct monomials are
algebraically independent), so a non-zero result is a real difference up to Piecewise atoms.
"""

from __future__ import annotations

from collections.abc import Callable
from math import comb, lcm

import sympy as sp

from ..symbolic.functions import sigma
from .budget import refuse

MAX_EXPANDED = 100_000
"""Cap on :func:`expanded_terms` (a bound) of anything given to ``cancel``/``expand``, so a
power whose expansion could not finish in any reasonable budget is refused before it starts,
on any machine. Measured here: ``(x + 1)**30 * (x + 2)**30 - (x**2 + 3*x + 2)**30`` with
x = v @ u at d=2 bounds 570,648 terms (over 20 s to cancel); ``(v @ v + 1)**40`` at d=3 bounds
58,261 (0.3 s for an identity, 8 s for a difference). The claims of derivations/ and
examples/ stay under 100."""

OPAQUE = (sp.Sum, sp.Indexed, sp.KroneckerDelta, sp.Piecewise)
# Stood in for by plain symbols, so that expand/factor/cancel never look inside them.
HIDDEN = (sp.Sum, sp.Piecewise)


class RationalForm:
    """One substitution context; ``to_rational`` and ``back`` use the same atoms."""

    def __init__(self) -> None:
        self.scale: dict[sp.Expr, int] = {}
        self.exp_atoms: dict[sp.Expr, sp.Symbol] = {}
        self.log_atoms: dict[sp.Expr, sp.Symbol] = {}
        self.hidden: dict[sp.Expr, sp.Symbol] = {}
        self.back_map: dict[sp.Symbol, sp.Expr] = {}
        self.memo: dict[sp.Expr, sp.Expr] = {}

    def hidden_value(self, atom: sp.Expr) -> sp.Expr | None:
        """The Sum or Piecewise a symbol stands for, if it stands for one."""
        value = self.back_map.get(atom)
        return value if isinstance(value, HIDDEN) else None

    def _collect_scales(self, e: sp.Expr) -> None:
        for node in _walk(e):
            if isinstance(node, sp.exp):
                for coeff, mono in _terms(node.args[0]):
                    if mono != 1:
                        self.scale[mono] = lcm(self.scale.get(mono, 1), int(coeff.q))

    def to_rational(self, e: sp.Expr) -> sp.Expr:
        e = _rewrite_sigma(e)
        before = dict(self.scale)
        self._collect_scales(e)
        if self.scale != before:  # converted parts depend on the scales: start afresh
            self.memo = {}
        return _bounded(self._convert(e))

    def _convert(self, e: sp.Expr) -> sp.Expr:
        # shared subexpressions (one log-sum-exp in every component) are converted once
        if e not in self.memo:
            self.memo[e] = self._convert_new(e)
        return self.memo[e]

    def _convert_new(self, e: sp.Expr) -> sp.Expr:
        if isinstance(e, HIDDEN):
            if e not in self.hidden:
                atom = sp.Dummy("S", real=True)
                self.hidden[e] = atom
                self.back_map[atom] = e
            return self.hidden[e]
        if isinstance(e, OPAQUE) or not e.args:
            return e
        if isinstance(e, sp.exp):
            return self._exp(e.args[0])
        if isinstance(e, sp.log):
            return self._log(e.args[0])
        return e.func(*[self._convert(a) for a in e.args])

    def _exp(self, arg: sp.Expr) -> sp.Expr:
        out = sp.S.One
        for coeff, mono in _terms(arg):
            if mono == 1:
                out *= sp.exp(coeff)
                continue
            scale = self.scale.setdefault(mono, int(coeff.q))
            if mono not in self.exp_atoms:
                atom = sp.Dummy("E", positive=True)
                self.exp_atoms[mono] = atom
                self.back_map[atom] = sp.exp(mono / scale)
            out *= self.exp_atoms[mono] ** (coeff * scale)
        return out

    def _log(self, arg: sp.Expr) -> sp.Expr:
        inner = sp.cancel(_bounded(self._convert(arg)))
        num, den = sp.fraction(inner)
        total = sp.S.Zero
        for part, sign in ((num, 1), (den, -1)):
            const, factors = sp.factor_list(part)
            total += sign * sp.log(abs(const))
            for f, mult in factors:
                total += sign * mult * self._log_factor(f)
        return total

    def _log_factor(self, f: sp.Expr) -> sp.Expr:
        for mono, atom in self.exp_atoms.items():
            if f == atom:
                return mono / self.scale[mono]
        if f.could_extract_minus_sign():
            f = -f
        if f not in self.log_atoms:
            atom = sp.Dummy("L", real=True)
            self.log_atoms[f] = atom
            self.back_map[atom] = sp.log(f)
        return self.log_atoms[f]

    def back(self, e: sp.Expr) -> sp.Expr:
        # log atoms may contain exp and hidden atoms: substitute until none is left.
        for _ in range(4):
            e = e.xreplace(self.back_map)
        return e


def cancel_form(e: sp.Expr, hook: Callable[[sp.Expr, RationalForm], sp.Expr] | None = None) -> sp.Expr:
    """Canonical rational form of ``e`` (exp/log as above), returned in original vocabulary.

    ``hook`` may rewrite the cancelled numerator (still in atoms) before converting back."""
    form = RationalForm()
    r = sp.cancel(form.to_rational(e))
    r = _reduce_delta_powers(r)
    if hook is not None:
        num, den = sp.fraction(r)
        r = sp.cancel(hook(sp.expand(num), form) / den)
    return form.back(r)


def _reduce_delta_powers(e: sp.Expr) -> sp.Expr:
    """delta**n == delta for n >= 1 (a delta is 0 or 1)."""
    if not e.has(sp.KroneckerDelta):
        return e
    reduced = e.replace(
        lambda x: x.is_Pow and isinstance(x.base, sp.KroneckerDelta) and x.exp.is_Integer and x.exp > 1,
        lambda x: x.base,
    )
    return sp.cancel(reduced) if reduced != e else e


def _rewrite_sigma(e: sp.Expr) -> sp.Expr:
    if e.has(sigma):
        e = e.replace(lambda x: isinstance(x, sigma), lambda x: 1 / (1 + sp.exp(-x.args[0])))
    if e.has(sp.tanh):
        e = e.replace(lambda x: isinstance(x, sp.tanh), lambda x: x.rewrite(sp.exp))
    return e


def _terms(arg: sp.Expr) -> list[tuple[sp.Rational, sp.Expr]]:
    """``arg`` as sum of (rational coefficient, monomial); the constant has monomial 1."""
    out = []
    for term in sp.Add.make_args(sp.expand(_bounded(arg))):
        coeff, mono = term.as_coeff_Mul()
        if not coeff.is_Rational:
            coeff, mono = sp.S.One, term
        out.append((coeff, mono))
    return out


def _walk(e: sp.Expr):
    """Pre-order traversal that does not enter opaque atoms (sums are canonical already)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, OPAQUE):
            stack.extend(node.args)


def expanded_terms(e: sp.Expr, seen: dict[sp.Expr, int] | None = None) -> int:
    """An upper bound on the number of terms of ``sp.expand(e)`` (numerator and denominator
    alike), counted without expanding: a sum adds, a product multiplies, and an integer power
    ``p**n`` of t terms has at most ``C(n + t - 1, n)`` (at least n + 1, which is what is
    returned for an exponent over the cap). Sums and other atoms count 1."""
    seen = {} if seen is None else seen
    if e in seen:
        return seen[e]
    if isinstance(e, HIDDEN) or not e.args:
        n = 1
    elif e.is_Add:
        n = sum(expanded_terms(a, seen) for a in e.args)
    elif e.is_Mul:
        n = 1
        for a in e.args:
            n *= expanded_terms(a, seen)
    elif e.is_Pow and e.exp.is_Integer:
        t, power = expanded_terms(e.base, seen), abs(int(e.exp))
        n = 1 if t == 1 else power + 1 if power > MAX_EXPANDED else comb(power + t - 1, power)
    else:
        n = 1
    seen[e] = n
    return n


def _bounded(e: sp.Expr) -> sp.Expr:
    """``e``, unless expanding it would exceed :data:`MAX_EXPANDED` terms (then refused)."""
    refuse(expanded_terms(e), MAX_EXPANDED, "expanding a polynomial")
    return e
