"""Exact checks at concrete shapes, and counterexamples with small integer values.

An :class:`Instance` fixes every size (V, d, K, ...), every free index (o, s, ...) and every
index list (ws = (2, 2, 1)); :func:`instantiate` then unrolls all sums, leaving an explicit
expression in array entries such as ``U[1, 0]``. Equality at an instance is decided exactly
by :func:`symw2v.verify.rational.cancel_form`; a difference is confirmed numerically at 30
digits with small integer entries before it is reported.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import sympy as sp

from ..symbolic.assumptions import Assumptions
from .budget import refuse
from .rational import cancel_form

MAX_UNROLLED = 5_000
"""Cap on the nodes of one unrolled expression (:func:`unrolled_size`): a larger instance is
refused (:class:`~symw2v.verify.budget.WorkExceeded`) before it is built. The claims of
derivations/ and examples/ stay under 800; five nested sums over V at V=3 (11,422 nodes) took
2 s to unroll and over 20 s to cancel."""


@dataclass(frozen=True)
class Instance:
    sizes: dict[sp.Symbol, int]
    indices: dict[sp.Symbol, int]
    lists: dict[sp.IndexedBase, tuple[int, ...]]

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.sizes.items()]
        parts += [f"{k}={v}" for k, v in self.indices.items()]
        parts += [f"{k}={list(v)}" for k, v in self.lists.items()]
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {
            **{str(k): v for k, v in self.sizes.items()},
            **{str(k): v for k, v in self.indices.items()},
            **{str(k): list(v) for k, v in self.lists.items()},
        }


def instances(
    sizes: list[sp.Symbol],
    index_ranges: dict[sp.Symbol, sp.Expr],
    list_shapes: dict[sp.IndexedBase, tuple[sp.Expr, sp.Expr]],
    assumptions: Assumptions,
    levels: tuple[int, ...] = (1, 2, 3),
    seed: int = 0,
) -> list[Instance]:
    """Small instances in increasing size satisfying the assumptions: per level one random
    draw and, where an index list may repeat, one draw with every entry equal."""
    rng = random.Random(seed)
    out: list[Instance] = []
    for level in levels:
        concrete = {s: level for s in sizes}
        constrained = {e for e, _ in assumptions.not_in} | {e for p in assumptions.unequal for e in p}
        ranges = {r for _, r in list_shapes.values()}
        ranges |= {r for s, r in index_ranges.items() if s in constrained}
        ranges -= {n for n, _ in list_shapes.values()}  # growing a length would not help
        for _ in range(8):  # grow the ranges indices draw from until the assumptions can hold
            draws = [_draw(rng, concrete, index_ranges, list_shapes, assumptions, False)]
            if any(b not in assumptions.distinct for b in list_shapes):
                draws.append(_draw(rng, concrete, index_ranges, list_shapes, assumptions, True))
            draws = [d for d in draws if d is not None]
            if draws:
                break
            for r in ranges:
                if isinstance(r, sp.Symbol):
                    concrete[r] += 1
        for d in draws:
            if d not in out:
                out.append(d)
    return out


def _draw(rng, sizes, index_ranges, list_shapes, assumptions, repeat) -> Instance | None:
    def n(e):
        return int(e.xreplace(sizes))

    for _ in range(200):
        lists = {}
        for base, (length, rng_size) in list_shapes.items():
            k, v = n(length), n(rng_size)
            first = rng.randrange(v)
            lists[base] = tuple(first if repeat else rng.randrange(v) for _ in range(k))
        indices = {s: rng.randrange(n(r)) for s, r in index_ranges.items()}
        if repeat and not any(len(set(x)) < len(x) for x in lists.values()):
            return None
        if assumptions.holds({b: list(x) for b, x in lists.items()}, indices):
            return Instance(dict(sizes), indices, lists)
    return None


def instantiate(e: sp.Expr, inst: Instance) -> sp.Expr:
    e = e.xreplace({**inst.sizes, **{k: sp.Integer(v) for k, v in inst.indices.items()}})
    refuse(unrolled_size(e), MAX_UNROLLED, f"unrolling the sums at {inst.describe()}", "nodes")
    e = unroll(e)
    entries = {base[n]: sp.Integer(v) for base, values in inst.lists.items() for n, v in enumerate(values)}
    e = e.xreplace(entries) if entries else e
    loose = [x for x in e.atoms(sp.Indexed) if not all(i.is_Integer for i in x.indices)]
    if loose:  # an index without a value would make the check meaningless
        raise ValueError(f"instance {inst.describe()} leaves {loose[0]} symbolic")
    return e


def unroll(e: sp.Expr) -> sp.Expr:
    """Replace every sum with concrete limits by the explicit addition of its terms."""
    if isinstance(e, sp.Sum):
        body = e.function
        for k, lo, hi in reversed(e.limits[1:]):
            body = sp.Sum(body, (k, lo, hi))
        k, lo, hi = e.limits[0]
        return sp.Add(*[unroll(body.xreplace({k: sp.Integer(n)})) for n in range(int(lo), int(hi) + 1)])
    if not e.args or isinstance(e, sp.Indexed):
        return e
    return e.func(*[unroll(a) for a in e.args])


def unrolled_size(e: sp.Expr, seen: dict[sp.Expr, int] | None = None) -> int:
    """The number of nodes :func:`unroll` builds for ``e``, counted without building them."""
    seen = {} if seen is None else seen
    if e not in seen:
        if isinstance(e, sp.Sum):
            n = unrolled_size(e.function, seen)
            for _, lo, hi in e.limits:
                n *= max(int(hi) - int(lo) + 1, 0)
        elif not e.args or isinstance(e, sp.Indexed):
            n = 1
        else:
            n = 1 + sum(unrolled_size(a, seen) for a in e.args)
        seen[e] = n
    return seen[e]


def exactly_equal(a: sp.Expr, b: sp.Expr) -> bool:
    return cancel_form(a - b) == 0


def variables(e: sp.Expr) -> list[sp.Expr]:
    """The real unknowns of an explicit expression: array entries and scalar symbols."""
    entries = e.atoms(sp.Indexed)
    labels = {x.base.label for x in entries}
    out = set(entries) | {s for s in e.free_symbols if s.is_real and s not in labels}
    return sorted(out, key=sp.default_sort_key)


def evaluate(e: sp.Expr, values: dict[sp.Expr, sp.Expr], digits: int = 30) -> sp.Float | None:
    value = e.xreplace(values).evalf(digits)
    return value if value.is_Number and value.is_finite else None


def differ(a: sp.Expr | None, b: sp.Expr | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) > sp.Float("1e-12") * max(1, abs(a), abs(b))


@dataclass(frozen=True)
class Counterexample:
    instance: Instance
    component: tuple[int, ...]
    values: dict[str, int]
    left: float
    right: float

    def to_json(self) -> dict:
        return {
            "shape": self.instance.to_json(),
            "component": list(self.component),
            "values": self.values,
            "left": self.left,
            "right": self.right,
        }


def find_counterexample(
    left: sp.Expr, right: sp.Expr, inst: Instance, component: tuple[int, ...], seed: int = 0
) -> Counterexample | None:
    """Small integer entries (0, ±1, ±2, then wider) at which the two sides differ."""
    rng = random.Random(seed)
    unknowns = variables(left) + [v for v in variables(right) if v not in variables(left)]
    pools = [(0, 1, -1), (0, 1, -1, 2, -2), tuple(range(-4, 5))]
    for pool in pools:
        candidates = (
            itertools.product(pool, repeat=len(unknowns))
            if len(pool) ** len(unknowns) <= 64
            else (tuple(rng.choice(pool) for _ in unknowns) for _ in range(64))
        )
        for combo in candidates:
            values = {u: sp.Integer(c) for u, c in zip(unknowns, combo, strict=True)}
            a, b = evaluate(left, values), evaluate(right, values)
            if differ(a, b):
                shown = {str(u): int(values[u]) for u in unknowns}
                return Counterexample(inst, component, shown, float(a), float(b))
    return None
