"""Exact checks at concrete shapes, and counterexamples with small integer values.

An :class:`Instance` fixes every size (V, d, K, ...), every free index (o, s, ...) and every
index list (ws = (2, 2, 1)); :func:`instantiate` then unrolls all sums, leaving an explicit
expression in array entries such as ``U[1, 0]``. Equality at an instance is decided by
random-point identity testing of the rational form (:func:`exactly_equal`); a difference is
confirmed numerically at 30 digits with small integer entries before it is reported.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

import sympy as sp

from ..symbolic.assumptions import HOLDS, Assumptions, admissible, ref_parts, regions
from . import pit
from .budget import refuse
from .piecewise import cases
from .rational import RationalForm

Condition = tuple[sp.Expr, str]  # gap op 0, at an instance

MAX_UNROLLED = 5_000
"""Cap on the nodes of one unrolled expression (:func:`unrolled_size`): a larger instance is
refused (:class:`~symw2v.verify.budget.WorkExceeded`) before it is built. The claims of
derivations/ and examples/ stay under 800; five nested sums over V at V=3 (11,422 nodes) took
2 s to unroll and over 20 s to cancel."""


@dataclass(frozen=True)
class Instance:
    """Sizes, free indices and index lists; a table of index lists (``indices[M, K, V]``) is a
    tuple of its M rows."""

    sizes: dict[sp.Symbol, int]
    indices: dict[sp.Symbol, int]
    lists: dict[sp.IndexedBase, tuple]

    @property
    def degenerate(self) -> bool:
        """Every size is 1: sides that differ may both be 0 (or 0/0) here, so such an
        instance is never the only witness of a verdict."""
        return bool(self.sizes) and all(v == 1 for v in self.sizes.values())

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.sizes.items()]
        parts += [f"{k}={v}" for k, v in self.indices.items()]
        parts += [f"{k}={_listed(v)}" for k, v in self.lists.items()]
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {
            **{str(k): v for k, v in self.sizes.items()},
            **{str(k): v for k, v in self.indices.items()},
            **{str(k): _listed(v) for k, v in self.lists.items()},
        }


def _listed(values: tuple) -> list:
    return [_listed(v) if isinstance(v, tuple) else v for v in values]


def entries(values: tuple) -> tuple[int, ...]:
    """The entries of a list, or of a table's rows one after the other."""
    return tuple(v for x in values for v in (entries(x) if isinstance(x, tuple) else (x,)))


def _shaped(flat: list[int], like: tuple) -> tuple:
    """``flat`` laid out as ``like`` is: a list, or a table of rows."""
    if not like or not isinstance(like[0], tuple):
        return tuple(flat)
    n = len(like[0])
    return tuple(tuple(flat[m * n : (m + 1) * n]) for m in range(len(like)))


def count(length: sp.Expr, sizes: dict[sp.Symbol, int]) -> int:
    """How many entries a list of ``length`` holds; a table's length is ``Tuple(rows, length)``."""
    return math.prod(int(n.xreplace(sizes)) for n in (length if isinstance(length, sp.Tuple) else (length,)))


def laid_out(flat: list[int], length: sp.Expr, sizes: dict[sp.Symbol, int]) -> tuple:
    if not isinstance(length, sp.Tuple):
        return tuple(flat)
    n = int(length[1].xreplace(sizes))
    return tuple(tuple(flat[m * n : (m + 1) * n]) for m in range(int(length[0].xreplace(sizes))))


@dataclass(frozen=True)
class Atom:
    """One index value an instance fixes: a free index (``o``) or an entry of a list (``ws[2]``)."""

    key: sp.Symbol | tuple[sp.IndexedBase, int]
    size: sp.Expr  # the range it is drawn from


def instances(
    sizes: list[sp.Symbol],
    index_ranges: dict[sp.Symbol, sp.Expr],
    list_shapes: dict[sp.IndexedBase, tuple[sp.Expr, sp.Expr]],
    assumptions: Assumptions,
    constants: frozenset[int] = frozenset(),
    seed: int = 0,
) -> list[Instance]:
    """Instances that can tell index and size substitutions apart, smallest first.

    Sizes: all 1 (degenerate, cheapest), then distinct small sizes (2, 3, 4, ...) with a random
    and a repeated draw, then the *generic* sizes: pairwise distinct and large enough that every
    free index and list entry can take a value of its own, distinct from every constant index
    the claim writes (``ws[0]``, ``yhat[0]``). At the generic sizes: the all-distinct pattern,
    then for every pair of atoms of one range (and every atom with every constant) the pattern
    where just that pair coincides, and every list with all entries equal. Once sizes are fixed,
    a claim's value depends on index values only through which of them are equal (relabelling a
    range permutes the free array entries), so these patterns make every pair of index
    expressions that can differ differ somewhere and every pair that can coincide coincide
    somewhere. Every instance satisfies the assumptions; patterns that cannot are skipped."""
    rng = random.Random(seed)
    out: list[Instance] = []
    seen: set[tuple] = set()

    def add(inst: Instance | None, repairs: int = 2) -> None:
        if inst is None:
            return
        if not assumptions.holds(inst.lists, {**inst.sizes, **inst.indices}):
            # an atom assumed in a list (o in ws) is set equal to each entry in turn, and each
            # entry to it: the pattern drawn, with that membership added
            for fixed in _members(inst, assumptions) if repairs else ():
                add(fixed, repairs - 1)
            return
        key = _pattern(inst, constants)
        if key not in seen:
            seen.add(key)
            out.append(inst)

    add(_generic(dict.fromkeys(sizes, 1), index_ranges, list_shapes, constants))
    small = {s: 2 + n for n, s in enumerate(sizes)}
    for repeat in (False, True):
        add(_draw(rng, small, index_ranges, list_shapes, assumptions, repeat))
    generic = generic_sizes(sizes, index_ranges, list_shapes, constants)
    base = _generic(generic, index_ranges, list_shapes, constants)
    add(base)
    atoms = _atoms(generic, index_ranges, list_shapes)
    for a, b in itertools.combinations(atoms, 2):
        if a.size == b.size:
            add(_with(base, {b.key: _value(base, a.key)}))
    for a in atoms:
        for c in sorted(constants):
            if c < int(a.size.xreplace(generic)):
                add(_with(base, {a.key: c}))
    for b, values in base.lists.items():
        flat = entries(values)
        add(_with(base, {(b, n): flat[0] for n in range(len(flat))}))
        if flat != values:  # a table: also each row with all its entries equal
            width = len(values[0])
            for m in range(len(values)):
                add(_with(base, {(b, m * width + k): flat[m * width] for k in range(width)}))
    return out


def _members(inst: Instance, assumptions: Assumptions):
    """For the first assumption ``e in ws`` that ``inst`` breaks: ``inst`` with e set to each
    entry of ws, and with each entry set to e."""
    for e, ref in sorted(assumptions.member, key=str):
        key, positions = _atom_key(inst, e), _positions(inst, ref)
        if key is None or positions is None or _value(inst, key) in {_value(inst, p) for p in positions}:
            continue
        for p in positions:
            yield _with(inst, {key: _value(inst, p)})
            yield _with(inst, {p: _value(inst, key)})
        return


def _number(inst: Instance, e: sp.Expr) -> int | None:
    value = sp.sympify(e).xreplace({k: sp.Integer(v) for k, v in {**inst.sizes, **inst.indices}.items()})
    return int(value) if value.is_Integer else None


def _atom_key(inst: Instance, e: sp.Expr):
    """The atom an index expression is at ``inst``: a free index, or (list, flat position)."""
    if e in inst.indices:
        return e
    if isinstance(e, sp.Indexed) and e.base in inst.lists:
        values, position = inst.lists[e.base], [_number(inst, i) for i in e.indices]
        if None in position:
            return None
        if len(position) == 2 and values and isinstance(values[0], tuple):
            return (e.base, position[0] * len(values[0]) + position[1])
        return (e.base, position[0]) if len(position) == 1 else None
    return None


def _positions(inst: Instance, ref) -> list | None:
    """The atoms of a list, a table or a table's row at ``inst``."""
    base, prefix = ref_parts(ref)
    if base not in inst.lists:
        return None
    values = inst.lists[base]
    if not prefix:
        return [(base, n) for n in range(len(entries(values)))]
    m = _number(inst, prefix[0])
    if m is None or not values or not isinstance(values[0], tuple):
        return None
    return [(base, m * len(values[0]) + k) for k in range(len(values[0]))]


def generic_sizes(
    sizes: list[sp.Symbol],
    index_ranges: dict[sp.Symbol, sp.Expr],
    list_shapes: dict[sp.IndexedBase, tuple[sp.Expr, sp.Expr]],
    constants: frozenset[int],
) -> dict[sp.Symbol, int]:
    """Pairwise distinct sizes, each >= 2, with room in every range for one value per free
    index and list entry drawn from it, plus every constant index and one spare value (so a
    list indexed by ``s`` and ``0`` has a third entry to repeat). Lengths are fixed first and
    take the smaller values, since ranges grow with them."""
    spare = len(constants) + 1

    def room(size: sp.Symbol, lengths: dict[sp.Symbol, int]) -> int:
        known = {s: lengths.get(s, 2) for s in sizes}
        scalars = sum(size in r.free_symbols for r in index_ranges.values())
        atoms = sum(count(n, known) for n, r in list_shapes.values() if size in r.free_symbols)
        return max(2, scalars + atoms + spare) if scalars + atoms else 2

    first = {s for n, _ in list_shapes.values() for s in n.free_symbols}
    lengths = _distinct({s: room(s, {}) for s in sizes if s in first})
    ranges = _distinct({s: room(s, lengths) for s in sizes if s not in first}, set(lengths.values()))
    return {s: lengths.get(s) or ranges[s] for s in sizes}


def _distinct(need: dict[sp.Symbol, int], taken: set[int] | None = None) -> dict[sp.Symbol, int]:
    """The smallest values at least ``need``, pairwise distinct and not in ``taken``, given in
    order of need."""
    out: dict[sp.Symbol, int] = {}
    taken = set(taken or ())
    for s in sorted(need, key=lambda s: (need[s], str(s))):
        v = need[s]
        while v in taken:
            v += 1
        out[s] = v
        taken.add(v)
    return out


def _atoms(sizes, index_ranges, list_shapes) -> list[Atom]:
    atoms = [Atom(s, r) for s, r in sorted(index_ranges.items(), key=lambda kv: str(kv[0]))]
    for b, (length, r) in sorted(list_shapes.items(), key=lambda kv: str(kv[0])):
        atoms += [Atom((b, n), r) for n in range(count(length, sizes))]
    return atoms


def _generic(sizes, index_ranges, list_shapes, constants) -> Instance:
    """Every atom its own value of its range, avoiding constants while values last."""
    cursor: dict[int, int] = {}
    indices: dict[sp.Symbol, int] = {}
    lists: dict[sp.IndexedBase, list[int]] = {}
    for atom in _atoms(sizes, index_ranges, list_shapes):
        n = int(atom.size.xreplace(sizes))
        pool = [v for v in range(n) if v not in constants] or list(range(n))
        k = cursor.get(n, 0)
        cursor[n] = k + 1
        value = pool[k % len(pool)]
        if isinstance(atom.key, tuple):
            lists.setdefault(atom.key[0], []).append(value)
        else:
            indices[atom.key] = value
    shaped = {b: laid_out(v, list_shapes[b][0], sizes) for b, v in lists.items()}
    return Instance(dict(sizes), indices, shaped)


def _value(inst: Instance, key) -> int:
    return entries(inst.lists[key[0]])[key[1]] if isinstance(key, tuple) else inst.indices[key]


def _with(inst: Instance, changes: dict) -> Instance:
    indices = dict(inst.indices)
    lists = {b: list(entries(v)) for b, v in inst.lists.items()}
    for key, value in changes.items():
        if isinstance(key, tuple):
            lists[key[0]][key[1]] = value
        else:
            indices[key] = value
    return Instance(dict(inst.sizes), indices, {b: _shaped(v, inst.lists[b]) for b, v in lists.items()})


def _pattern(inst: Instance, constants: frozenset[int]) -> tuple:
    """The instance up to relabelling the non-constant values of each range."""
    labels: dict[int, int] = {}

    def label(v: int) -> object:
        if v in constants:
            return ("c", v)
        return labels.setdefault(v, len(labels))

    return (
        tuple(sorted((str(k), v) for k, v in inst.sizes.items())),
        tuple(sorted((str(k), label(v)) for k, v in inst.indices.items())),
        tuple(sorted((str(b), tuple(label(v) for v in entries(vs))) for b, vs in inst.lists.items())),
    )


def _draw(rng, sizes, index_ranges, list_shapes, assumptions, repeat) -> Instance | None:
    def n(e):
        return int(e.xreplace(sizes))

    for _ in range(200):
        lists = {}
        for base, (length, rng_size) in list_shapes.items():
            k, v = count(length, sizes), n(rng_size)
            first = rng.randrange(v)
            lists[base] = laid_out([first if repeat else rng.randrange(v) for _ in range(k)], length, sizes)
        indices = {s: rng.randrange(n(r)) for s, r in index_ranges.items()}
        if repeat and not any(len(set(entries(x))) < len(entries(x)) for x in lists.values()):
            return None
        if assumptions.holds(lists, {**sizes, **indices}):
            return Instance(dict(sizes), indices, lists)
    return None


def constant_indices(e: sp.Expr) -> frozenset[int]:
    """The integers a claim writes as indices (``ws[0]``, ``yhat[0]``, ``onehot(1, V)``)."""
    out: set[int] = set()
    for x in e.atoms(sp.Indexed):
        out |= {int(i) for i in x.indices if i.is_Integer}
    for x in e.atoms(sp.KroneckerDelta):
        out |= {int(i) for i in x.args if i.is_Integer}
    return frozenset(out)


def conditions_at(assumptions: Assumptions, inst: Instance) -> list[Condition] | None:
    """The sign conditions at ``inst`` (sums unrolled), or None when no point of the instance
    meets them: one is a number of the wrong sign (``U[o] @ v_c - U[w] @ v_c > 0`` where o == w),
    or two bound one expression to disjoint ranges. Such an instance is not used."""
    out: list[Condition] = []
    for gap, op in assumptions.conditions:
        at = instantiate(gap, inst)
        if at.is_number:
            if at.is_comparable and HOLDS[op](at):
                continue
            return None
        out.append((at, op))
    return None if any(r.is_empty for r in regions(out).values()) else out


def instantiate(e: sp.Expr, inst: Instance) -> sp.Expr:
    """``e`` at the instance: an explicit expression in array entries such as ``U[1, 0]``."""
    return settled(unrolled(e, inst), inst)


def unrolled(e: sp.Expr, inst: Instance) -> sp.Expr:
    """``e`` with the instance's values substituted and every sum unrolled; symbols the
    instance does not fix (component indices) may remain, to be substituted cheaply later."""
    values = {**inst.sizes, **inst.indices}
    e = sp.sympify(e).xreplace({k: sp.Integer(v) for k, v in values.items()})
    refuse(unrolled_size(e), MAX_UNROLLED, f"unrolling the sums at {inst.describe()}", "nodes")
    e = unroll(e)
    entries = list_entries(inst)
    return e.xreplace(entries) if entries else e


def list_entries(inst: Instance) -> dict[sp.Expr, sp.Integer]:
    """The instance's index-list entries, ``ws[2] -> 1``, and a table's by row, ``wss[0, 1] -> 3``."""
    known: dict[sp.Expr, sp.Integer] = {}
    for base, values in inst.lists.items():
        for n, v in enumerate(values):
            if isinstance(v, tuple):
                known.update({base[n, k]: sp.Integer(x) for k, x in enumerate(v)})
            else:
                known[base[n]] = sp.Integer(v)
    return known


def pending_entries(e: sp.Expr, inst: Instance, later: tuple[sp.Symbol, ...] = ()) -> dict[sp.Expr, sp.Expr]:
    """The entries of the instance's index lists that ``e`` still picks by a symbol of ``later``
    (``ws[i]``, where the component i of a gathered ``U[ws] @ v`` is substituted afterwards): each
    becomes an integer once ``later`` is, by :func:`list_entries`. A constant entry beyond the list
    (``ws[1]`` at K=1) is not one: it leaves the instance out."""
    out: dict[sp.Expr, sp.Expr] = {}
    for x in e.atoms(sp.Indexed):
        picked_by = set().union(*(i.free_symbols for i in x.indices))
        if x.base in inst.lists and picked_by and picked_by <= set(later):
            out[x] = sp.S.Zero
    return out


def settled(e: sp.Expr, inst: Instance, later: tuple[sp.Symbol, ...] = ()) -> sp.Expr:
    """``e`` itself, once every array entry in it has integer indices (or indices in the
    symbols ``later``, or entries of the instance's lists picked by them, substituted afterwards)."""
    pending = pending_entries(e, inst, later)
    loose = [
        x
        for x in e.atoms(sp.Indexed)
        if x not in pending
        and (x.base in inst.lists or any(i.xreplace(pending).free_symbols - set(later) for i in x.indices))
    ]
    if loose:  # an index without a value (a list entry beyond its length) would make the check meaningless
        raise ValueError(f"instance {inst.describe()} leaves {loose[0]} symbolic")
    return e


def unroll(e: sp.Expr, env: dict[sp.Symbol, sp.Integer] | None = None) -> sp.Expr:
    """Replace every sum (product) with concrete limits by the explicit sum (product) of its terms, in one
    pass: the bound indices' values travel down in ``env`` instead of being substituted."""
    env = env or {}
    if isinstance(e, sp.Sum | sp.Product):  # SymPy turns exp(Sum) into Product(exp) in relations
        (k, lo, hi), *inner = e.limits
        body = e.func(e.function, *inner) if inner else e.function
        lo, hi = int(lo.xreplace(env)), int(hi.xreplace(env))
        terms = [unroll(body, {**env, k: sp.Integer(n)}) for n in range(lo, hi + 1)]
        return sp.Add(*terms) if isinstance(e, sp.Sum) else sp.Mul(*terms)
    if not e.args:
        return env.get(e, e)
    if isinstance(e, sp.Indexed):
        return e.xreplace(env) if env else e
    return e.func(*[unroll(a, env) for a in e.args])


def unrolled_size(e: sp.Expr, seen: dict[sp.Expr, int] | None = None) -> int:
    """The number of nodes :func:`unroll` builds for ``e``, counted without building them."""
    seen = {} if seen is None else seen
    if e not in seen:
        if isinstance(e, sp.Sum | sp.Product):
            n = unrolled_size(e.function, seen)
            for _, lo, hi in e.limits:
                n *= max(int(hi) - int(lo) + 1, 0)
        elif not e.args or isinstance(e, sp.Indexed):
            n = 1
        else:
            n = 1 + sum(unrolled_size(a, seen) for a in e.args)
        seen[e] = n
    return seen[e]


def exactly_equal(a: sp.Expr, b: sp.Expr, conditions: list[Condition] = ()) -> bool:
    """``a == b`` as rational functions of independent atoms (array entries, exp and log
    atoms), by random-point identity testing (:mod:`symw2v.verify.pit`): True is an identity
    (error probability below 1e-29), False may still be an identity the atoms cannot see.
    Piecewise parts are decided case by case (:func:`symw2v.verify.piecewise.cases`), the
    cases the sign ``conditions`` exclude skipped: True then means equal wherever they hold."""
    return all(pit.is_zero(RationalForm().to_rational(case)) for case in cases(a - b, conditions))


def all_equal(pairs: list[tuple[sp.Expr, sp.Expr]], seed: int = 0, conditions: list[Condition] = ()) -> bool:
    """Whether ``a == b`` for every pair, in one test: ``sum_c r_c (a_c - b_c) == 0`` with
    random integers ``r_c`` in [1, 2**61). If some difference is nonzero, the ``r`` for which the
    combination vanishes lie in a proper subspace, hit with probability at most 2**-61, so this
    adds that to the bound of :func:`exactly_equal`. False means "test the pairs one by one"."""
    if len(pairs) == 1:
        return exactly_equal(*pairs[0], conditions)
    rng = random.Random(seed)
    weights = [sp.Integer(rng.randrange(1, pit.P)) for _ in pairs]
    left = sp.Add(*[w * a for w, (a, _) in zip(weights, pairs, strict=True)])
    right = sp.Add(*[w * b for w, (_, b) in zip(weights, pairs, strict=True)])
    return exactly_equal(left, right, conditions)


def variables(e: sp.Expr) -> list[sp.Expr]:
    """The real unknowns of an explicit expression: array entries and scalar symbols."""
    entries = e.atoms(sp.Indexed)
    labels = {x.base.label for x in entries}
    out = set(entries) | {s for s in e.free_symbols if s.is_real and s not in labels}
    return sorted(out, key=sp.default_sort_key)


def evaluate(e: sp.Expr, values: dict[sp.Expr, sp.Expr], digits: int = 30) -> sp.Float | None:
    """``e`` at ``values`` to ``digits`` digits; None where it is undefined (a condition that
    compares nan or zoo, a division by zero)."""
    try:
        value = e.xreplace(values).evalf(digits)
    except TypeError:
        return None
    return value if value.is_Number and value.is_finite else None


def differ(a: sp.Expr | None, b: sp.Expr | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) > sp.Float("1e-12") * max(1, abs(a), abs(b))


def _meets(gap: sp.Expr, op: str, values: dict[sp.Expr, sp.Expr]) -> bool:
    """Whether ``gap op 0`` surely holds at these integer values: exactly for a rational gap,
    else at 50 digits and clear of 0 (a value too close to 0 to tell is not used)."""
    at = gap.xreplace(values)
    if at.is_Rational:
        return HOLDS[op](at)
    value = evaluate(at, {}, 50)
    return value is not None and abs(value) > sp.Float("1e-30") and HOLDS[op](value)


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
    left: sp.Expr,
    right: sp.Expr,
    inst: Instance,
    component: tuple[int, ...],
    seed: int = 0,
    conditions: list[Condition] = (),
) -> Counterexample | None:
    """Small integer entries (0, ±1, ±2, then wider) at which the two sides differ, each of
    the sign its symbol is assumed to have (:func:`admissible`), meeting every sign condition
    (their unknowns get values too, and are shown)."""
    rng = random.Random(seed)
    unknowns: list[sp.Expr] = []
    for e in (left, right, *(gap for gap, _ in conditions)):
        unknowns += [v for v in variables(e) if v not in unknowns]
    pools = [(0, 1, -1), (0, 1, -1, 2, -2), tuple(range(-4, 5))]
    draws = 256 if conditions else 64
    for pool in pools:
        options = [[c for c in pool if admissible(u, c)] for u in unknowns]
        candidates = (
            itertools.product(*options)
            if math.prod(map(len, options)) <= draws
            else (tuple(rng.choice(o) for o in options) for _ in range(draws))
        )
        for combo in candidates:
            values = {u: sp.Integer(c) for u, c in zip(unknowns, combo, strict=True)}
            if not all(_meets(gap, op, values) for gap, op in conditions):
                continue
            a, b = evaluate(left, values), evaluate(right, values)
            if differ(a, b):
                shown = {str(u): int(values[u]) for u in unknowns}
                return Counterexample(inst, component, shown, float(a), float(b))
    return None
