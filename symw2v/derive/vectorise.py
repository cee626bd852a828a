"""Index notation (one component of a gradient) -> a formula of our language for the whole array.

The input is the normalised component ``dJ/dX[i]`` (or ``[i, j]``) as SymPy produces it; the
output is formula text whose component ``i`` is that expression. Two modes:

* **index form**: only the generic rules — ``X[i] -> X``, ``X[a, i] -> X[a]``,
  ``delta(i, t) -> onehot(t, N)``, elementwise functions, ``sum_m f -> sum(m in M, f)``,
  ``a_i b_j -> outer(a, b)``;
* **matrix form**: first the pattern table ``MATRIX_PATTERNS`` (``sum_m X[m, i] g(m) ->
  X.T @ g``, ``sum_m X[i, m] g(m) -> X @ g``, gathers ``X[ws[m], i] -> X[ws].T @ g``); the
  form counts as matrix form when no ``sum(`` over a vector is left.

Before vectorising, each term is brought back into the reader's vocabulary: ``exp(a)/(exp(a)+1)
-> sigma(a)``, ``1/(exp(a)+1) -> sigma(-a)``, ``exp(a_t)/sum_m exp(a_m) -> softmax(a)[t]``.
Every result is re-checked by the caller against the automatic gradient: these rewrites only
propose, the verifier decides.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..symbolic.functions import sigma
from ..verify.rational import RationalForm


class NotVectorisable(Exception):
    pass


softmax_at = sp.Function("softmax_at")  # softmax_at(Sum(exp(b(m)), m), t) = softmax(b)[t]


# ---- back to the reader's vocabulary ------------------------------------------------------


def split_terms(e: sp.Expr, comps: tuple[sp.Expr, ...] = ()) -> list[sp.Expr]:
    """A cancelled fraction -> one term per distinct component-bearing part (the factors that
    depend on ``comps``), its scalar coefficient cancelled against the denominator."""
    form = RationalForm()
    num, den = sp.fraction(sp.cancel(form.to_rational(e)))
    wanted = set(comps)
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(num)):
        part, coeff = sp.S.One, sp.S.One
        for f in sp.Mul.make_args(term):
            if wanted & form.back(f).free_symbols:
                part *= f
            else:
                coeff *= f
        groups[part] = groups.get(part, sp.S.Zero) + coeff
    out = []
    for part, c in groups.items():
        if c == 0:
            continue
        n, dd = sp.fraction(sp.cancel(c / den))
        dd = sp.factor(dd)
        out.extend(form.back(sp.factor(t / dd) * part) for t in sp.Add.make_args(sp.expand(n)))
    return out


def resigma_terms(e: sp.Expr) -> sp.Expr:
    form = RationalForm()
    r = sp.factor(sp.cancel(form.to_rational(e)))
    return resigma(form.back(r)) if not isinstance(r, sp.Add) else sp.Add(*[resigma(form.back(t)) for t in r.args])


def resigma(e: sp.Expr) -> sp.Expr:
    if isinstance(e, sp.Sum):
        return sp.Sum(resigma_terms(e.function), *e.limits)
    if not e.args or isinstance(e, sp.Indexed):
        return e
    e = e.func(*[a if _one_plus_exp(a) is not None else resigma(a) for a in e.args])
    if not isinstance(e, sp.Mul | sp.Pow):
        return e
    factors = list(sp.Mul.make_args(e))
    plain = [f for f in factors if _one_plus_exp(f) is None]
    sigmas = []
    for f in factors:
        a = _one_plus_exp(f)
        if a is None:
            continue
        for _ in range(int(-f.exp)):
            hit = next((g for g in plain if isinstance(g, sp.exp) and _multiple(g.args[0], a)), None)
            if hit is None:
                sigmas.append(sigma(-a))
                continue
            plain.remove(hit)
            c = _multiple(hit.args[0], a)
            if c != 1:
                plain.append(sp.exp((c - 1) * a))
            sigmas.append(sigma(a))
    sigmas += [g for g in plain if isinstance(g, sigma)]
    plain = [g for g in plain if not isinstance(g, sigma)]
    for n, g in enumerate(sigmas):  # exp(a) * sigma(-a) = sigma(a)
        a = -g.args[0]
        hit = next((h for h in plain if isinstance(h, sp.exp) and _multiple(h.args[0], a)), None)
        if hit is not None:
            plain.remove(hit)
            c = _multiple(hit.args[0], a)
            if c != 1:
                plain.append(sp.exp((c - 1) * a))
            sigmas[n] = sigma(a)
    return sp.Mul(*plain, *sigmas)


def _multiple(x: sp.Expr, a: sp.Expr) -> int:
    """n when x is n*a (n a positive integer, a up to renaming bound indices), else 0."""
    coeff, rest = x.as_coeff_Mul()
    if coeff.is_Integer and coeff > 0 and alpha_key(rest) == alpha_key(a):
        return int(coeff)
    return 1 if alpha_key(x) == alpha_key(a) else 0


def _one_plus_exp(f: sp.Expr) -> sp.Expr | None:
    """``a`` when f is ``1/(exp(a) + 1)``."""
    if f.is_Pow and f.exp.is_Integer and f.exp < 0 and isinstance(f.base, sp.Add) and len(f.base.args) == 2:
        one, ex = sorted(f.base.args, key=lambda x: not x.is_Number)
        if one == 1 and isinstance(ex, sp.exp):
            return ex.args[0]
    return None


def alpha_key(e: sp.Expr) -> str:
    """Text of ``e`` with bound indices renamed by nesting position (alpha-equivalence)."""
    counter = iter(range(10_000))

    def walk(x: sp.Expr) -> sp.Expr:
        if isinstance(x, sp.Sum):
            k = x.limits[0][0]
            new = sp.Symbol(f"_b{next(counter)}", integer=True)
            return sp.Sum(walk(x.function.xreplace({k: new})), (new, *x.limits[0][1:]))
        if not x.args or isinstance(x, sp.Indexed):
            return x
        return x.func(*[walk(a) for a in x.args])

    return str(walk(e))


def resoftmax(e: sp.Expr) -> sp.Expr:
    """``exp(a_t) / sum_m exp(a_m) -> softmax_at(sum, t)``, pushing 1/sum into sums first."""
    if not e.args or isinstance(e, sp.Indexed):
        return e
    if isinstance(e, sp.Sum):
        return sp.Sum(resoftmax(e.function), *e.limits)
    e = e.func(*[resoftmax(a) for a in e.args])
    if not isinstance(e, sp.Mul):
        return e
    factors = list(sp.Mul.make_args(e))
    for den in [f for f in factors if f.is_Pow and f.exp == -1 and _exp_sum(f.base)]:
        s = den.base
        hit = _match_exp(factors, s)
        if hit is not None:
            ex, t = hit
            factors.remove(den)
            factors.remove(ex)
            factors.append(softmax_at(s, t))
            continue
        for n, f in enumerate(factors):  # push 1/S into a sum over the same range
            if isinstance(f, sp.Sum) and f.limits[0][1:] == s.limits[0][1:]:
                body = resoftmax(sp.Mul(*sp.Mul.make_args(f.function), 1 / s))
                if body.has(softmax_at):
                    factors[n] = sp.Sum(body, *f.limits)
                    factors.remove(den)
                    break
    return sp.Mul(*factors)


def _exp_sum(s: sp.Expr) -> bool:
    return isinstance(s, sp.Sum) and isinstance(s.function, sp.exp) and len(s.limits) == 1


def _match_exp(factors: list[sp.Expr], s: sp.Sum):
    m = s.limits[0][0]
    body = s.function.args[0]
    for f in factors:
        if isinstance(f, sp.exp):
            a = f.args[0]
            for t in _index_candidates(a):
                if alpha_key(body.xreplace({m: t})) == alpha_key(a):
                    return f, t
    return None


def _index_candidates(e: sp.Expr) -> list[sp.Expr]:
    out = []
    for x in sp.preorder_traversal(e):
        if isinstance(x, sp.Indexed):
            out.extend(x.indices)
    return list(dict.fromkeys(out))


def prepare_terms(e: sp.Expr, comps: tuple[sp.Expr, ...] = ()) -> list[sp.Expr]:
    return [resoftmax(resigma(t)) for t in split_terms(e, comps)] if e != 0 else []


# ---- vectorising ---------------------------------------------------------------------------


class Vectoriser:
    """SymPy component expressions -> formula text; ``matrix=True`` enables MATRIX_PATTERNS."""

    def __init__(self, matrix: bool, list_bases: set[str], names: dict[sp.Expr, str] | None = None):
        self.matrix = matrix
        self.list_bases = list_bases
        self.names = names or {}

    # -- scalars --------------------------------------------------------------------------

    def scal(self, e: sp.Expr) -> str:
        if e in self.names:
            return self.names[e]
        if e.is_Integer:
            return str(e)
        if e.is_Rational:
            return f"({e.p} / {e.q})"
        if isinstance(e, sp.Symbol):
            return e.name
        if isinstance(e, sp.Indexed):
            return f"{e.base.label}[{', '.join(self.scal(i) for i in e.indices)}]"
        if isinstance(e, sp.Add):
            return self._add([self.scal(t) for t in _ordered(e)], e)
        if isinstance(e, sp.Mul):
            return self._mul(e, self.scal, lambda f: self.scal(f))
        if isinstance(e, sp.Pow):
            if e.exp == -1:
                return f"1 / ({self.scal(e.base)})"
            return f"({self.scal(e.base)})**({self.scal(e.exp)})"
        if isinstance(e, sp.KroneckerDelta):
            return f"[{self.scal(e.args[0])} == {self.scal(e.args[1])}]"
        if isinstance(e, sp.exp | sp.log | sp.tanh | sigma):
            return f"{_fname(e)}({self.scal(e.args[0])})"
        if isinstance(e, sp.Sum):
            return self.scal_sum(e)
        if e.func == softmax_at:
            s, t = e.args
            m, lo, hi = s.limits[0]
            return f"softmax({self.vec(s.function.args[0], m, hi + 1)})[{self.scal(t)}]"
        raise NotVectorisable(f"no rule for {type(e).__name__}")

    def scal_sum(self, s: sp.Sum) -> str:
        m, lo, hi = s.limits[0]
        body = s.function
        inside = [f for f in sp.Mul.make_args(body) if m in f.free_symbols]
        outside = [f for f in sp.Mul.make_args(body) if m not in f.free_symbols]
        if len(inside) == 2 and all(isinstance(f, sp.Indexed) and f.indices[-1] == m for f in inside):
            inside.sort(key=lambda f: -len(f.indices))  # rows of a matrix first: U[k] @ v_c
            a, b = (self.vec(f, m, hi + 1) for f in inside)  # a dot product
            dot = f"({a}) @ ({b})"
            return dot if not outside else f"{self.scal(sp.Mul(*outside))} * ({dot})"
        return f"sum({m} in {hi + 1}, {self.scal(body)})"

    def _add(self, texts: list[str], e: sp.Expr) -> str:
        out = ""
        for t in texts:
            if not out:
                out = t
            elif t.startswith("-"):
                out += f" - ({t[1:]})" if t[1:2] != "(" else f" - {t[1:]}"
            else:
                out += f" + {t}"
        return f"({out})"

    def _mul(self, e: sp.Expr, num_text: Callable, den_text: Callable) -> str:
        coeff, rest = e.as_coeff_Mul()
        num, den = [], []
        for f in sp.Mul.make_args(rest):
            if f.is_Pow and f.exp.is_Integer and f.exp < 0:
                den.append(f.base ** (-f.exp))
            else:
                num.append(f)
        text = " * ".join(f"({num_text(f)})" for f in num) or "1"
        if coeff.is_Rational and coeff.q != 1:
            den.append(sp.Integer(coeff.q))
            coeff = sp.Integer(coeff.p)
        if abs(coeff) != 1:
            text = f"{abs(coeff)} * {text}"
        if den:
            text = f"({text}) / ({' * '.join(f'({den_text(f)})' for f in den)})"
        return ("-" if coeff < 0 else "") + text

    # -- vectors --------------------------------------------------------------------------

    def vec(self, e: sp.Expr, i: sp.Expr, n: sp.Expr) -> str:
        if i not in e.free_symbols:
            return f"ones({n})" if e == 1 else f"({self.scal(e)}) * ones({n})"
        if isinstance(e, sp.Indexed):
            idx = list(e.indices)
            name = str(e.base.label)
            if idx[-1] == i and all(i not in x.free_symbols for x in idx[:-1]):
                return f"{name}[{', '.join(self.scal(x) for x in idx[:-1])}]" if len(idx) > 1 else name
            if len(idx) == 2 and idx[0] == i and i not in idx[1].free_symbols:
                return f"{name}.T[{self.scal(idx[1])}]"
            raise NotVectorisable(f"cannot vectorise {e} over {i}")
        if isinstance(e, sp.KroneckerDelta):
            a, b = e.args
            t = b if a == i else a if b == i else None
            if t is None or i in t.free_symbols:
                raise NotVectorisable(f"cannot vectorise {e} over {i}")
            return f"onehot({self.scal(t)}, {n})"
        if isinstance(e, sp.Add):
            return self._add([self.vec(t, i, n) for t in _ordered(e)], e)
        if isinstance(e, sp.Mul):
            return self._mul(e, lambda f: self.vec(f, i, n) if i in f.free_symbols else self.scal(f),
                             lambda f: self.vec(f, i, n) if i in f.free_symbols else self.scal(f))
        if isinstance(e, sp.Pow):
            return f"({self.vec(e.base, i, n)})**({self.scal(e.exp)})"
        if isinstance(e, sp.exp | sp.log | sp.tanh | sigma):
            return f"{_fname(e)}({self.vec(e.args[0], i, n)})"
        if e.func == softmax_at:
            s, t = e.args
            m, lo, hi = s.limits[0]
            if t == i:
                return f"softmax({self.vec(s.function.args[0], m, hi + 1)})"
            raise NotVectorisable("softmax over another index")
        if isinstance(e, sp.Sum):
            if self.matrix:
                for pattern in MATRIX_PATTERNS:
                    text = pattern(self, e, i, n)
                    if text is not None:
                        return text
            m, lo, hi = e.limits[0]
            return f"sum({m} in {hi + 1}, {self.vec(e.function, i, n)})"
        raise NotVectorisable(f"no rule for {type(e).__name__}")

    def mat(self, e: sp.Expr, i: sp.Expr, j: sp.Expr, ni: sp.Expr, nj: sp.Expr) -> str:
        if isinstance(e, sp.Add):
            return self._add([self.mat(t, i, j, ni, nj) for t in _ordered(e)], e)
        coeff, rest = e.as_coeff_Mul()
        fi, fj, both, scalar = [], [], [], []
        for f in sp.Mul.make_args(rest):
            has_i, has_j = i in f.free_symbols, j in f.free_symbols
            (both if has_i and has_j else fi if has_i else fj if has_j else scalar).append(f)
        if both:
            if both == [both[0]] and isinstance(both[0], sp.Indexed) and not fi and not fj:
                x = both[0]
                if tuple(x.indices) == (i, j):
                    core = str(x.base.label)
                elif tuple(x.indices) == (j, i):
                    core = f"{x.base.label}.T"
                else:
                    raise NotVectorisable(f"cannot vectorise {x}")
            else:
                raise NotVectorisable("a factor depends on both components")
        else:
            core = f"outer({self.vec(sp.Mul(*fi), i, ni)}, {self.vec(sp.Mul(*fj), j, nj)})"
        s = coeff * sp.Mul(*scalar)
        if s == 1:
            return core
        if s == -1:
            return f"-{core}"
        return f"({self.scal(s)}) * {core}"


def _fname(e: sp.Expr) -> str:
    return "sigma" if isinstance(e, sigma) else e.func.__name__


def _ordered(e: sp.Add) -> list[sp.Expr]:
    """Terms with a positive coefficient first, so results read ``a - b``."""
    return sorted(e.args, key=lambda t: (bool(t.as_coeff_Mul()[0].is_negative), sp.default_sort_key(t)))


# ---- the pattern table (matrix form) -------------------------------------------------------


def _pattern_rows(v: Vectoriser, s: sp.Sum, i: sp.Expr, n: sp.Expr) -> str | None:
    """sum_m X[m, i] g(m) -> X.T @ g; sum_m X[ws[m], i] g(m) -> X[ws].T @ g."""
    m, lo, hi = s.limits[0]
    factors = list(sp.Mul.make_args(s.function))
    for f in factors:
        if isinstance(f, sp.Indexed) and len(f.indices) == 2 and f.indices[1] == i:
            row = f.indices[0]
            rest = sp.Mul(*[g for g in factors if g is not f])
            if i in rest.free_symbols:
                continue
            if row == m:
                return f"{f.base.label}.T @ ({v.vec(rest, m, hi + 1)})"
            if isinstance(row, sp.Indexed) and tuple(row.indices) == (m,):
                return f"{f.base.label}[{row.base.label}].T @ ({v.vec(rest, m, hi + 1)})"
    return None


def _pattern_columns(v: Vectoriser, s: sp.Sum, i: sp.Expr, n: sp.Expr) -> str | None:
    """sum_m X[i, m] g(m) -> X @ g."""
    m, lo, hi = s.limits[0]
    factors = list(sp.Mul.make_args(s.function))
    for f in factors:
        if isinstance(f, sp.Indexed) and len(f.indices) == 2 and tuple(f.indices) == (i, m):
            rest = sp.Mul(*[g for g in factors if g is not f])
            if i not in rest.free_symbols:
                return f"{f.base.label} @ ({v.vec(rest, m, hi + 1)})"
    return None


def _pattern_gathered_columns(v: Vectoriser, s: sp.Sum, i: sp.Expr, n: sp.Expr) -> str | None:
    """sum_m X[ws[i], m] g(m) -> X[ws] @ g."""
    m, lo, hi = s.limits[0]
    factors = list(sp.Mul.make_args(s.function))
    for f in factors:
        if isinstance(f, sp.Indexed) and len(f.indices) == 2 and f.indices[1] == m:
            row = f.indices[0]
            rest = sp.Mul(*[g for g in factors if g is not f])
            if isinstance(row, sp.Indexed) and tuple(row.indices) == (i,) and i not in rest.free_symbols:
                return f"{f.base.label}[{row.base.label}] @ ({v.vec(rest, m, hi + 1)})"
    return None


MATRIX_PATTERNS: list[Callable[[Vectoriser, sp.Sum, sp.Expr, sp.Expr], str | None]] = [
    _pattern_rows,
    _pattern_columns,
    _pattern_gathered_columns,
]
