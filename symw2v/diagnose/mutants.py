"""Single-edit mutants of a derivation's formulas, and a numeric oracle independent of the checker.

A soundness test by mutation: a mutant is the derivation text with one formula string of one
claim (its ``lhs``, a step, or its ``result``) replaced by a single edit of that formula, so it
goes through the normal loader. :data:`MUTATIONS` is the table of edit generators, one per
mutation class. :func:`differs_numerically` decides, without the checker's normaliser or its
instances, whether a claim's chain is numerically wrong: a mutant it calls different must never
be proved or checked.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import mpmath
import sympy as sp

from ..derivation.document import Declaration
from ..derivation.errors import DerivationError
from ..derivation.loader import loads
from ..language.parser import parse
from ..language.printer import to_text
from ..language.syntax import Call, Name, Node, Subscript, walk
from ..symbolic.functions import maximum, sigma
from ..symbolic.lower import Scope
from ..symbolic.tensor import Tensor
from ..verify.checker import Context, prepare
from ..verify.concrete import count, laid_out
from .edits import CATALOGUE, SPAN, Edit, EditContext, binder, num, substitute, subtrees

Symbols = dict[str, Declaration]
Generator = Callable[[Node, Symbols], Iterator[Edit]]


# ---- the mutation generators ------------------------------------------------------------------


def _catalogue(kind: str) -> Generator:
    """A generator of the diagnosis catalogue that needs no context (sign, transpose, ...)."""
    no_context = EditContext({}, {}, (), frozenset())
    return lambda tree, symbols: CATALOGUE[kind](tree, no_context)


def _binder_range(call: Call, symbols: Symbols) -> str | None:
    """The size a sum's index runs over: written (``k in K``) or read off an axis it indexes."""
    name, size = binder(call)
    if size is not None:
        return size
    for node in walk(call.args[1]):
        if isinstance(node, Subscript) and isinstance(node.base, Name) and node.base.id in symbols:
            decl = symbols[node.base.id]
            for position, index in enumerate(node.indices):
                if isinstance(index, Name) and index.id == name and decl.kind in ("vector", "matrix", "indices"):
                    return decl.sizes[position] if position < len(decl.sizes) - (decl.kind == "indices") else None
        if isinstance(node, Call) and node.func == "onehot" and node.args[0] == Name(name, span=SPAN):
            return to_text(node.args[1])
    return None


def _scope_at(tree: Node, site: Node, symbols: Symbols) -> dict[str, str]:
    """Index name -> size for every index usable at ``site``: declared, or bound by an
    enclosing sum whose range is known."""
    names = {n: d.sizes[0] for n, d in symbols.items() if d.kind == "index"}
    for node in walk(tree):
        found = binder(node)
        if found and any(n is site for n in walk(node.args[1])):
            size = _binder_range(node, symbols)
            if size is not None:
                names[found[0]] = size
    return names


def _range_of(node: Node, scope: dict[str, str], symbols: Symbols) -> str | None:
    """The size an index-valued node ranges over: an index name, or a list entry ``ws[s]``."""
    if isinstance(node, Name):
        return scope.get(node.id)
    if isinstance(node, Subscript) and isinstance(node.base, Name):
        decl = symbols.get(node.base.id)
        full = decl is not None and decl.kind == "indices" and len(node.indices) == len(decl.sizes) - 1
        return decl.sizes[-1] if full else None
    return None


def _binder_nodes(tree: Node) -> set[int]:
    """Identities of the binder nodes of sums (``k`` and ``k in K``): not index uses."""
    out: set[int] = set()
    for node in walk(tree):
        if binder(node):
            out.update(id(n) for n in walk(node.args[0]))
    return out


def _indices_of_range(size: str, scope: dict[str, str], symbols: Symbols) -> list[Node]:
    """Every index of range ``size`` at a site: names in scope, list entries, constants 0, 1."""
    out: list[Node] = [Name(n, span=SPAN) for n, s in scope.items() if s == size]
    for lst, decl in symbols.items():
        if decl.kind == "indices" and decl.sizes[-1] == size:
            axes = [[Name(n, span=SPAN) for n, s in scope.items() if s == axis] for axis in decl.sizes[:-1]]
            out += [Subscript(Name(lst, span=SPAN), tuple(p), span=SPAN) for p in itertools.product(*axes)]
    return out + [num(0), num(1)]


def _index(tree: Node, symbols: Symbols) -> Iterator[Edit]:
    binders = _binder_nodes(tree)
    for sub, rebuild in subtrees(tree):
        if id(sub) in binders:
            continue
        scope = _scope_at(tree, sub, symbols)
        size = _range_of(sub, scope, symbols)
        if size is None:
            continue
        for other in _indices_of_range(size, scope, symbols):
            if other != sub:
                yield f"index: `{to_text(sub)}` replaced by `{to_text(other)}`", rebuild(other)


def _size(tree: Node, symbols: Symbols) -> Iterator[Edit]:
    sizes = sorted({s for d in symbols.values() for s in d.sizes})
    # Sizes as shape arguments (onehot(o, V), ones(M), sum(k in K, ...)) change the shape, not a value.
    shapes = {
        id(n) for c in walk(tree) if isinstance(c, Call) and c.func in ("onehot", "ones", "zeros") for n in c.args
    }
    shapes |= _binder_nodes(tree)
    for sub, rebuild in subtrees(tree):
        if isinstance(sub, Name) and sub.id in sizes and id(sub) not in shapes:
            for other in sizes:
                if other != sub.id:
                    yield f"size: `{sub.id}` replaced by `{other}`", rebuild(Name(other, span=SPAN))


def _sum_dropped(tree: Node, symbols: Symbols) -> Iterator[Edit]:
    for sub, rebuild in subtrees(tree):
        found = binder(sub)
        if not found:
            continue
        size = _binder_range(sub, symbols)
        scope = _scope_at(tree, sub, symbols)
        options = [num(0)] + [Name(n, span=SPAN) for n, s in scope.items() if s == size and n != found[0]]
        for value in options:
            yield (
                f"sum dropped: `sum({found[0]}, ...)` replaced by its body at {found[0]} = {to_text(value)}",
                rebuild(substitute(sub.args[1], found[0], value)),
            )


# Mutation class -> generator. Most specific first: a mutated formula reached by several
# classes (sigma(-x) is also a sign flip inside the argument) is labelled by the first.
MUTATIONS: dict[str, Generator] = {
    "sigma(-x)": _catalogue("sigma(x) for sigma(-x)"),
    "size swap": _size,
    "index": _index,
    "sum dropped": _sum_dropped,
    "transpose": _catalogue("transpose"),
    "sign": _catalogue("sign"),
    "dropped term": _catalogue("extra term"),
    "factor 2": _catalogue("factor"),
}


# ---- mutants of a derivation file -------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """One formula of one claim replaced by a single edit of it."""

    path: str
    claim: str
    field: str  # "lhs", "steps[n]" or "result"
    kind: str  # the mutation class: a key of MUTATIONS
    description: str
    original: str
    formula: str  # the mutated formula
    file_text: str = dataclasses.field(repr=False)
    start: int = dataclasses.field(repr=False)  # [start, end): the original's string literal
    end: int = dataclasses.field(repr=False)

    @property
    def source(self) -> str:
        """The derivation text with the mutated formula in place; line numbers are unchanged."""
        return self.file_text[: self.start] + json.dumps(self.formula) + self.file_text[self.end :]


def mutants(path: str | Path) -> Iterator[Mutant]:
    """Every distinct single-edit mutant of every claim formula (lhs, steps, result) of a
    derivation file, in file order. Raises DerivationError for a malformed file."""
    text = Path(path).read_text(encoding="utf-8")
    symbols = loads(text, str(path)).symbols
    headers = [m.start() for m in re.finditer(r"^\[\[claim\]\]", text, re.M)] + [len(text)]
    for n, claim in enumerate(tomllib.loads(text).get("claim", [])):
        for field, original, start, end in _formulas(text, headers[n], headers[n + 1], claim):
            tree = parse(original)
            seen = {to_text(tree)}
            for kind, generate in MUTATIONS.items():
                for description, mutated in generate(tree, symbols):
                    formula = to_text(mutated)
                    if formula not in seen:
                        seen.add(formula)
                        yield Mutant(
                            str(path), claim["id"], field, kind, description, original, formula, text, start, end
                        )


def _formulas(text: str, start: int, end: int, claim: dict) -> Iterator[tuple[str, str, int, int]]:
    """(field, formula, start and end of its string literal) for the lhs, steps and result of
    the claim written in ``text[start:end]``; a formula not written as a plain double-quoted
    string is left out."""
    for key in ("lhs", "steps", "result"):
        found = re.compile(rf"^\s*{key}\s*=", re.M).search(text, start, end)
        if key not in claim or found is None:
            continue
        at = found.end()
        for n, value in enumerate(claim[key] if key == "steps" else [claim[key]]):
            literal = json.dumps(value)
            at = text.find(literal, at, end)
            if at < 0:
                break
            yield (f"steps[{n}]" if key == "steps" else key), value, at, at + len(literal)
            at += len(literal)


# ---- the numeric oracle -----------------------------------------------------------------------


class Unevaluable(Exception):
    """The expression cannot be evaluated at this point (out-of-range entry, complex value)."""


FUNCTIONS: dict[type, Callable[[mpmath.mpf], mpmath.mpf]] = {
    sp.exp: mpmath.exp,
    sp.log: mpmath.log,
    sp.tanh: mpmath.tanh,
    sigma: lambda x: 1 / (1 + mpmath.exp(-x)),
}
RELATIONS: dict[str, Callable[[mpmath.mpf, mpmath.mpf], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


@dataclass
class Point:
    """A concrete instance with real entries: values of sizes, indices, scalars and components
    (``env``), index lists, and every entry of every declared array."""

    env: dict[sp.Symbol, int | mpmath.mpf]
    lists: dict[sp.IndexedBase, list]  # a table: a list of rows
    entries: dict[sp.IndexedBase, dict[tuple[int, ...], mpmath.mpf]]

    def value(self, e: sp.Basic) -> mpmath.mpf:
        """The value of an index-notation expression, sums looped over, at this point."""
        if e.is_Symbol:
            if e not in self.env:
                raise Unevaluable(f"no value for {e}")
            return mpmath.mpf(self.env[e])
        if e.is_Rational:
            return mpmath.mpf(e.p) / e.q
        if isinstance(e, sp.Indexed):
            key = tuple(self.integer(i) for i in e.indices)
            table = self.lists.get(e.base)
            if min(key) < 0:
                raise Unevaluable(f"{e} is out of range")
            try:
                if table is None:
                    return self.entries[e.base][key]
                for k in key:
                    table = table[k]
                if isinstance(table, list):
                    raise Unevaluable(f"{e} is a row, not an entry")
                return table
            except (KeyError, IndexError):
                raise Unevaluable(f"{e} is out of range") from None
        if isinstance(e, sp.Add):
            return mpmath.fsum(self.value(a) for a in e.args)
        if isinstance(e, sp.Mul):
            return mpmath.fprod(self.value(a) for a in e.args)
        if isinstance(e, sp.Pow):
            return self.value(e.base) ** self.value(e.exp)
        if isinstance(e, sp.Sum):
            return self.sum(e.function, list(e.limits))
        if isinstance(e, sp.KroneckerDelta):
            return mpmath.mpf(self.integer(e.args[0]) == self.integer(e.args[1]))
        if isinstance(e, sp.Piecewise):
            for piece, condition in e.args:
                if self.holds(condition):
                    return self.value(piece)
            raise Unevaluable("no piece of a Piecewise applies")
        if isinstance(e, maximum):
            body, j, n = e.args
            return max(self.sum(body, [(j, sp.Integer(k), sp.Integer(k))]) for k in range(self.integer(n)))
        if type(e) in FUNCTIONS:
            return FUNCTIONS[type(e)](self.value(e.args[0]))
        raise Unevaluable(f"cannot evaluate {type(e).__name__}")

    def integer(self, e: sp.Basic) -> int:
        v = self.value(e)
        if v != int(v):
            raise Unevaluable(f"index {e} = {v} is not an integer")
        return int(v)

    def holds(self, condition: sp.Basic) -> bool:
        if condition in (sp.true, sp.false):
            return bool(condition)
        if isinstance(condition, sp.core.relational.Relational):
            return RELATIONS[condition.rel_op](self.value(condition.lhs), self.value(condition.rhs))
        raise Unevaluable(f"cannot decide {condition}")

    def sum(self, body: sp.Basic, limits: list) -> mpmath.mpf:
        (k, lo, hi), rest = limits[0], limits[1:]
        total = mpmath.mpf(0)
        for n in range(self.integer(lo), self.integer(hi) + 1):
            self.env[k] = n
            total += self.sum(body, rest) if rest else self.value(body)
        del self.env[k]
        return total


MAX_SIZE = 5
MAX_COMPONENTS = 8


def _at(size: sp.Expr, sizes: dict[sp.Symbol, int]) -> int:
    return int(size.xreplace(sizes))


def random_point(rng: random.Random, scope: Scope, ctx: Context, tries: int = 200) -> Point | None:
    """Sizes 1..MAX_SIZE drawn independently, free indices and index lists in range (a list
    gets a forced repeat half of the time) satisfying the claim's assumptions, and standard
    normal entries (a scalar assumed of one sign gets that sign) meeting its sign conditions;
    None when no draw satisfies them."""
    # a declared array by its own entries (a column vector d×1 is the d entries v[i])
    arrays = [v.flat() for v in scope.names.values() if isinstance(v, Tensor) and v.target is not None]
    for _ in range(tries):
        sizes = {s: rng.randint(1, MAX_SIZE) for s in ctx.sizes}
        lists: dict[sp.IndexedBase, list[int]] = {}
        repeat = rng.random() < 0.5
        for base, (length, size) in ctx.list_shapes.items():
            values = [rng.randrange(_at(size, sizes)) for _ in range(count(length, sizes))]
            if repeat and len(values) > 1:
                values[rng.randrange(1, len(values))] = values[0]
            lists[base] = [list(row) if isinstance(row, tuple) else row for row in laid_out(values, length, sizes)]
        indices = {s: rng.randrange(_at(size, sizes)) for s, size in ctx.index_ranges.items()}
        if not ctx.assumptions.holds(lists, {**sizes, **indices}):
            continue
        env: dict[sp.Symbol, int | mpmath.mpf] = {**sizes, **indices}
        entries: dict[sp.IndexedBase, dict[tuple[int, ...], mpmath.mpf]] = {}
        for array in arrays:
            if array.shape:
                cells = itertools.product(*(range(_at(s, sizes)) for s in array.shape))
                entries[array.target.base] = {c: mpmath.mpf(rng.gauss(0, 1)) for c in cells}
            else:
                env[array.target.base] = mpmath.mpf(rng.gauss(0, 1))
        for x, op in ctx.assumptions.signs:  # x > 0 or x >= 0: |x|; x < 0 or x <= 0: -|x|
            env[x] = abs(env[x]) if op in (">", ">=") else -abs(env[x])
        point = Point(env, lists, entries)
        try:
            if all(RELATIONS[op](point.value(gap), 0) for gap, op in ctx.assumptions.bounds):
                return point
        except (Unevaluable, ZeroDivisionError, OverflowError):
            continue
    return None


def differs_numerically(derivation_text: str, claim_id: str, instances: int = 20, seed: int = 0) -> bool | None:
    """Whether some element of the claim's chain differs from its left-hand side: True when a
    random concrete instance (:func:`random_point`, drawn independently of the checker) shows a
    relative difference above 1e-6 (and absolute above 1e-12) at some component, False when
    ``instances`` instances agree, None when the claim cannot be lowered (malformed), its
    assumptions cannot be met, or fewer than ``instances`` of ``2 * instances`` draws can be
    evaluated (an entry out of range, a complex value).
    Both sides are the project's lowering (``Tensor.at``), evaluated with 30-digit mpmath."""
    try:
        derivation = loads(derivation_text)
        claim = next(c for c in derivation.claims if c.id == claim_id)
        scope = Scope.of(derivation)
        tensors, ctx = prepare(derivation, scope, claim)
    except (DerivationError, StopIteration):
        return None
    if not all(isinstance(t, Tensor) for t in tensors):
        return None
    chain = [t.at(ctx.components) for t in tensors]
    rng = random.Random(seed)
    evaluated = 0
    with mpmath.workdps(30):
        for _ in range(2 * instances):
            point = random_point(rng, scope, ctx)
            if point is None:
                return None
            dims = [range(point.integer(s)) for s in ctx.shape]
            components = list(itertools.product(*dims))
            try:
                for component in rng.sample(components, min(len(components), MAX_COMPONENTS)):
                    point.env.update(zip(ctx.components, component, strict=True))
                    left, *rights = (point.value(e) for e in chain)
                    if any(_differ(left, right) for right in rights):
                        return True
            except (Unevaluable, ZeroDivisionError, OverflowError):
                continue
            evaluated += 1
            if evaluated == instances:
                return False
    return None


def _differ(a: mpmath.mpf, b: mpmath.mpf) -> bool:
    if not (isinstance(a, mpmath.mpf) and isinstance(b, mpmath.mpf)) or not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        raise Unevaluable("a value is complex or infinite")
    gap = abs(a - b)
    return gap > 1e-12 and gap > 1e-6 * max(abs(a), abs(b))
