"""General-dimension proofs: a normaliser for index-notation expressions with symbolic sizes.

SymPy differentiates index notation correctly but cannot compare the results with a closed form
(``Sum.doit`` leaves range guards, ``simplify`` misses alpha-equivalent sums, and summing
Kronecker deltas can go wrong: sympy issue 27359). This module brings an expression to a
canonical form with rewrites that are each valid for every size:

* a Kronecker delta is simplified only by an assumption (``distinct``, ``not in``, ``!=``);
* ``sum_k f(k) * delta(k, t)`` becomes ``f(t)`` only when t provably lies in k's range;
* factors free of k leave ``sum_k``; sums over the same range at one level are merged;
* of a double sum ``sum_k a(k) sum_m b(k, m)`` and its exchange ``sum_m b'(m) sum_k ...`` (ranges
  independent), the one that prints first is kept, so either order written is proved equal;
* every sum body is a cancelled rational function (see :mod:`.rational`);
* bound indices are renamed from a hash of the body, so alpha-equivalent sums are equal.

It is sound and incomplete: ``is_zero`` returning False means "not proved", never "wrong".
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager

import sympy as sp

from ..symbolic.assumptions import Assumptions
from .rational import RationalForm, cancel_form

Range = tuple[sp.Expr, sp.Expr]


class Normaliser:
    def __init__(
        self,
        ranges: dict[sp.Expr, sp.Expr],
        lists: dict[sp.IndexedBase, sp.Expr],
        assumptions: Assumptions,
    ):
        """``ranges``: free index symbol -> size; ``lists``: index-list base -> size of its
        entries' range."""
        self.ranges: dict[sp.Expr, Range] = {k: (sp.S.Zero, n - 1) for k, n in ranges.items()}
        self.lists = lists
        self.assumptions = assumptions
        self.exchange = False  # bring double sums to one order (for a proof; a form shown keeps its own)

    @contextmanager
    def exchanging(self):
        """Normal forms that put two nested sums in one order, whichever was written: for
        proving ``left - right == 0``, not for showing a form (the order chosen reads worse)."""
        self.exchange = True
        try:
            yield
        finally:
            self.exchange = False

    def is_zero(self, e: sp.Expr) -> bool:
        return self.normal(e) == 0

    def normal(self, e: sp.Expr) -> sp.Expr:
        return self.rational(self.canon(e))

    # ---- ranges ---------------------------------------------------------------------------

    def range_of(self, t: sp.Expr) -> Range | None:
        if t in self.ranges:
            return self.ranges[t]
        if isinstance(t, sp.Indexed) and t.base in self.lists:
            return (sp.S.Zero, self.lists[t.base] - 1)
        return None

    @contextmanager
    def bound(self, k: sp.Symbol, lo: sp.Expr, hi: sp.Expr):
        saved = self.ranges.get(k)
        self.ranges[k] = (lo, hi)
        try:
            yield
        finally:
            if saved is None:
                del self.ranges[k]
            else:
                self.ranges[k] = saved

    # ---- structure ------------------------------------------------------------------------

    def canon(self, e: sp.Expr) -> sp.Expr:
        if isinstance(e, sp.Sum):
            return self.canon_sum(e)
        if not e.args or isinstance(e, sp.Indexed):
            return e
        args = [self.canon(a) for a in e.args]
        if isinstance(e, sp.KroneckerDelta):
            return self.assumptions.delta(*args)
        return e.func(*args)

    def rational(self, e: sp.Expr) -> sp.Expr:
        return cancel_form(e, self._merge_sums)

    def canon_sum(self, s: sp.Sum) -> sp.Expr:
        # Sum(f, (k, ...), (m, ...)) is sum_m sum_k f: the last limit is the outermost.
        k, lo, hi = s.limits[-1]
        body = sp.Sum(s.function, *s.limits[:-1]) if len(s.limits) > 1 else s.function
        swapped = self._swap_for_delta(body, k, lo, hi)
        if swapped is not None:
            return self.canon(swapped)
        with self.bound(k, lo, hi):
            # Work on the body as a rational function of atoms: SymPy's expand and factor
            # would otherwise turn exp(Sum(...)) into Product(exp(...)).
            form = RationalForm()
            body = sp.cancel(form.to_rational(self.canon(body)))
            num, den = sp.fraction(body)
            num = self._merge_sums(sp.expand(num), form)
            if num == 0:
                return sp.S.Zero
            collapsed, rest, constant = sp.S.Zero, [], sp.S.Zero
            for term in sp.Add.make_args(sp.expand(num)):
                full = _substitute_under_delta(form.back(term / den), k)
                hit = self._collapsible(full, k, lo, hi)
                if hit is not None:
                    delta, t = hit
                    collapsed += (full / delta).xreplace({k: t})
                elif k not in full.free_symbols:
                    constant += full
                else:
                    rest.append(full)
        out = self.normal(collapsed) if collapsed != 0 else sp.S.Zero
        if constant != 0:
            out += self.normal(constant * (hi - lo + 1))
        for term in rest:
            out += self._sum_of(term, k, lo, hi)
        return out

    def _swap_for_delta(self, body: sp.Expr, k: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> sp.Expr | None:
        """``sum_k a(k) * sum_m b(k, m)`` with ``b`` holding ``delta(k, t(m))``, t in k's range:
        exchange the sums (ranges independent of each other), so that the delta collapses
        the sum over k: ``sum_m a(t(m)) b'``."""
        factors = sp.Mul.make_args(body)
        inner = [f for f in factors if isinstance(f, sp.Sum) and len(f.limits) == 1]
        if len(inner) != 1:
            return None
        (m, lo2, hi2), = inner[0].limits
        if k in lo2.free_symbols | hi2.free_symbols:
            return None
        for delta in inner[0].function.atoms(sp.KroneckerDelta):
            a, b = delta.args
            t = b if a == k else a if b == k else None
            if t is not None and m in t.free_symbols and self.range_of(t.xreplace({m: sp.S.Zero})) == (lo, hi):
                rest = sp.Mul(*[f for f in factors if f is not inner[0]])
                return sp.Sum(sp.Sum(rest * inner[0].function, (k, lo, hi)), (m, lo2, hi2))
        return None

    def _collapsible(self, term: sp.Expr, k: sp.Symbol, lo: sp.Expr, hi: sp.Expr):
        for f in sp.Mul.make_args(term):
            if isinstance(f, sp.KroneckerDelta):
                a, b = f.args
                t = b if a == k else a if b == k else None
                if t is not None and k not in t.free_symbols and self.range_of(t) == (lo, hi):
                    return f, t
        return None

    def _sum_of(self, term: sp.Expr, k: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
        """``sum_k term`` (one monomial over the common denominator) with its k-free factors
        pulled out and k renamed canonically."""
        form = RationalForm()
        num, den = sp.fraction(sp.cancel(form.to_rational(term)))
        inside, outside = [], []
        for part, power in ((sp.factor(num), 1), (sp.factor(den), -1)):
            for f in sp.Mul.make_args(part):
                f = form.back(f)
                (inside if k in f.free_symbols else outside).append(f**power)
        swapped = self._swap_for_delta(sp.Mul(*inside), k, lo, hi)
        if swapped is not None:
            return sp.Mul(*outside) * self.canon(swapped)
        nested = canonical_sum(sp.Mul(*inside), k, lo, hi)
        exchanged = _exchanged(inside, k, lo, hi) if self.exchange else None
        if exchanged is not None:
            nested = min(nested, exchanged, key=str)  # one order for both, whichever the sides wrote
        return sp.Mul(*outside) * nested

    def _merge_sums(self, num: sp.Expr, form: RationalForm) -> sp.Expr:
        """Merge ``c1*sum_k f + c2*sum_k g`` (same range, c free of k) into one sum."""
        groups: dict[tuple, list[tuple[sp.Expr, sp.Sum]]] = {}
        others = []
        for term in sp.Add.make_args(num):
            sums = [(f, form.hidden_value(f)) for f in sp.Mul.make_args(term)]
            sums = [(f, s) for f, s in sums if isinstance(s, sp.Sum)]
            if len(sums) == 1 and len(sums[0][1].limits) == 1:
                atom, s = sums[0]
                key = (s.limits[0][1], s.limits[0][2])
                groups.setdefault(key, []).append((term / atom, s))
            else:
                others.append(term)
        out = sp.Add(*others)
        for (lo, hi), members in groups.items():
            if len(members) == 1:
                c, s = members[0]
                out += c * form.to_rational(s)
                continue
            k = sp.Dummy("m", integer=True)
            merged = sp.Add(*[form.back(c) * s.function.xreplace({s.limits[0][0]: k}) for c, s in members])
            out += form.to_rational(self.canon_sum(sp.Sum(merged, (k, lo, hi))))
        return out


def _exchanged(inside: list[sp.Expr], k: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> sp.Expr | None:
    """``sum_k a(k) sum_m b(k, m)`` as ``sum_m b'(m) sum_k a(k) b''(k, m)``: the same double sum
    with the other index outermost (finite sums whose ranges do not depend on each other
    commute), its factors free of the new inner index outside it. None unless ``inside`` holds
    exactly one such inner sum, a product of factors."""
    inner = [f for f in inside if isinstance(f, sp.Sum) and len(f.limits) == 1]
    if len(inner) != 1 or isinstance(inner[0].function, sp.Add):
        return None
    (m, lo2, hi2), = inner[0].limits
    if k in lo2.free_symbols | hi2.free_symbols or m in lo.free_symbols | hi.free_symbols:
        return None
    factors = [f for f in inside if f is not inner[0]] + list(sp.Mul.make_args(inner[0].function))
    if any(isinstance(f, sp.Add | sp.Sum) for f in factors):
        return None
    with_k = sp.Mul(*[f for f in factors if k in f.free_symbols])
    without_k = sp.Mul(*[f for f in factors if k not in f.free_symbols])
    return canonical_sum(without_k * canonical_sum(with_k, k, lo, hi), m, lo2, hi2)


def _substitute_under_delta(term: sp.Expr, k: sp.Symbol) -> sp.Expr:
    """delta(a, b) * f(a) == delta(a, b) * f(b): replace the k-dependent side by the k-free
    one, so that f leaves the sum (sum_k delta(ws[k], ws[s]) is then a count)."""
    for f in sp.Mul.make_args(term):
        if isinstance(f, sp.KroneckerDelta):
            a, b = f.args
            if k in b.free_symbols:
                a, b = b, a
            if k in a.free_symbols and k not in b.free_symbols and a != k:
                return f * (term / f).xreplace({a: b})
    return term


def canonical_sum(body: sp.Expr, k: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> sp.Sum:
    """Rename the bound index from a hash of the body, so alpha-equivalent sums coincide.

    Indices of enclosing sums (dummies, or canonical names starting with "_", which user
    names cannot) are anonymised in the key, so the name does not depend on what they are
    called; an inner sum's body is a strict part of the outer's, so nested sums
    never share a name."""
    anonymous = {d: sp.Symbol("_free") for d in body.free_symbols if isinstance(d, sp.Dummy) or d.name.startswith("_")}
    key = f"{body.xreplace({**anonymous, k: sp.Symbol('_bound')})}|{lo}|{hi}"
    name = "_" + hashlib.sha1(key.encode()).hexdigest()[:10]
    new = sp.Symbol(name, integer=True)
    return sp.Sum(body.xreplace({k: new}), (new, lo, hi))


def readable(e: sp.Expr) -> sp.Expr:
    """Rename canonical bound indices to short names (k, m, n, ...) and component indices
    (dummies) to their plain names (i, j), for people to read; no two indices share a name: a
    component whose name a free index of the file has (a declared ``i``) takes the next free
    one, and a bound index never takes the name of a free index (a component ``k`` keeps its
    sums off ``k``)."""
    labels = {b.label for b in e.atoms(sp.IndexedBase)}
    taken = {s.name for s in e.free_symbols if s not in labels and not isinstance(s, sp.Dummy)}
    mapping: dict[sp.Symbol, sp.Symbol] = {}
    spare = (f"{c}{n or ''}" for n in range(100) for c in "ijl")
    for d in sorted((d for d in e.free_symbols if isinstance(d, sp.Dummy)), key=lambda d: d.name):
        name = d.name if d.name not in taken else next(n for n in spare if n not in taken)
        taken.add(name)
        mapping[d] = sp.Symbol(name, integer=True)
    pool = iter(name for n in range(100) for c in "kmnpqr" if (name := f"{c}{n or ''}") not in taken)
    for s in sorted(e.atoms(sp.Sum), key=lambda s: (-len(str(s)), str(s))):  # ties by text: same names every run
        var = s.limits[0][0]
        if var not in mapping:
            mapping[var] = sp.Symbol(next(pool), integer=True)
    return e.xreplace(mapping)
