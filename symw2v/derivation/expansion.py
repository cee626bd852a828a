"""Definitions written out, measured without being lowered.

A formula means its tree with every definition it uses written out in place (macros with their
arguments; names resolved as the lowering resolves them: parameters and ``sum`` binders first).
That written-out tree must be finite, not too deep for Python's recursion (in the lowering and in
SymPy) and not too large to build. :func:`check_expansions` refuses, while loading:

* a circular definition (``a = "b"``, ``b = "a"``; ``"f(x)" = "f(x)"``; through a function
  passed to a macro, ``"f(g)" = "g(g)"`` used as ``f(f)``), at the reference that closes the
  circle;
* a formula nested more than ``MAX_EXPANDED_DEPTH`` levels deep, where a use of a definition
  counts as one level (real derivations reach 15 levels and 70 nodes);
* a formula of more than ``MAX_EXPANDED_NODES`` nodes (``a2 = "a1 + a1"``, ``a3 = "a2 + a2"``, ...
  doubles at each step; so does ``softmax(softmax(...))``, see ``COPIES``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..language.syntax import BUILTINS, Call, Compare, Name, Node, children
from .document import Definition, Formula
from .errors import DerivationError

MAX_EXPANDED_DEPTH = 64
MAX_EXPANDED_NODES = 1_000
# Built-ins whose SymPy form writes their argument out more than once (symw2v.symbolic.ops):
# exp(x_i) / sum_j exp(x_j), and relu's Piecewise((0, x <= 0), (x, True)).
COPIES = {"softmax": 2, "relu": 2}


@dataclass(frozen=True)
class Extent:
    """Height and node count of a written-out tree."""

    depth: int
    nodes: int


LEAF = Extent(1, 1)


@dataclass(frozen=True)
class FunctionRef:
    """A macro parameter bound to a function: a definition of the file, or a built-in."""

    name: str


Bound = Extent | FunctionRef


class _TooLarge(Exception):
    pass


def check_expansions(path: str, definitions: dict[str, Definition], formulas: Iterable[Formula]) -> None:
    """Raise :class:`DerivationError` for the first definition, then the first of ``formulas``,
    that is circular, too deep or too large once written out."""
    expander = _Expander(path, definitions)
    for definition in definitions.values():
        with _located(path, definition.formula):
            expander.expand(definition, dict.fromkeys(definition.params, LEAF), 0, definition.formula.tree)
    for formula in formulas:
        with _located(path, formula):
            expander.extent(formula.tree, {}, 0)


@contextmanager
def _located(path: str, formula: Formula) -> Iterator[None]:
    """A limit exceeded inside the block becomes a DerivationError at ``formula``."""
    try:
        yield
    except _TooLarge as err:
        message = f"{err} once its definitions are written out"
        raise DerivationError(path, message, line=formula.line, where=formula.where, text=formula.text) from None


class _Expander:
    def __init__(self, path: str, definitions: dict[str, Definition]):
        self.path, self.definitions = path, definitions
        self.memo: dict[tuple[str, frozenset], Extent] = {}
        self.active: list[Definition] = []  # being written out, outermost first

    def extent(self, node: Node, env: dict[str, Bound], level: int) -> Extent:
        """Extent of ``node`` at ``level`` nodes below the top, names bound as in ``env``."""
        if level >= MAX_EXPANDED_DEPTH:
            raise _TooLarge(f"nested more than {MAX_EXPANDED_DEPTH} levels deep")
        definition = self.called(node, env)
        if definition is not None:
            args = node.args if isinstance(node, Call) else ()
            bound = {p: self.argument(a, env, level + 1) for p, a in zip(definition.params, args, strict=True)}
            inner = self.expand(definition, {**env, **bound}, level + 1, node)
            found = Extent(1 + inner.depth, inner.nodes)
        elif isinstance(node, Name):
            found = env.get(node.id, LEAF)
            found = found if isinstance(found, Extent) else LEAF
        else:
            binder = _binder(node)
            inner_env = {**env, binder: LEAF} if binder else env
            parts = [self.extent(c, inner_env, level + 1) for c in children(node)]
            function = env.get(node.func, node.func) if isinstance(node, Call) else None
            copies = COPIES.get(function.name if isinstance(function, FunctionRef) else function, 1)
            found = Extent(1 + max((p.depth for p in parts), default=0), 1 + copies * sum(p.nodes for p in parts))
        if level + found.depth > MAX_EXPANDED_DEPTH:
            raise _TooLarge(f"nested more than {MAX_EXPANDED_DEPTH} levels deep")
        if found.nodes > MAX_EXPANDED_NODES:
            raise _TooLarge(f"larger than {MAX_EXPANDED_NODES:,} nodes")
        return found

    def called(self, node: Node, env: dict[str, Bound]) -> Definition | None:
        """The definition that ``node`` uses (a plain name, or a macro call with its arity,
        also through a parameter bound to a function)."""
        if isinstance(node, Name) and node.id not in env:
            definition = self.definitions.get(node.id)
            return definition if definition is not None and not definition.params else None
        if isinstance(node, Call):
            bound = env.get(node.func)
            name = bound.name if isinstance(bound, FunctionRef) else node.func if bound is None else None
            definition = self.definitions.get(name) if name else None
            return definition if definition is not None and len(definition.params) == len(node.args) else None
        return None

    def argument(self, node: Node, env: dict[str, Bound], level: int) -> Bound:
        """A macro's argument: a function when it names a macro, a built-in or a parameter
        bound to a function (as :meth:`symw2v.symbolic.lower.Lowerer.argument` reads it)."""
        if isinstance(node, Name):
            bound = env.get(node.id)
            if isinstance(bound, FunctionRef):
                return bound
            definition = self.definitions.get(node.id)
            if bound is None and (definition is not None and definition.params or node.id in BUILTINS):
                return FunctionRef(node.id)
        return self.extent(node, env, level)

    def expand(self, definition: Definition, env: dict[str, Bound], level: int, use: Node) -> Extent:
        names = [d.name for d in self.active]
        if definition.name in names:
            circle = names[names.index(definition.name) :] + [definition.name]
            where = self.active[-1].formula  # whose formula uses the definition again
            raise DerivationError(
                self.path,
                f"circular definition: {' -> '.join(circle)}",
                line=where.line,
                where=where.where,
                text=where.text,
                span=use.span,
            )
        key = (definition.name, frozenset(env.items()))
        if key not in self.memo:
            self.active.append(definition)
            self.memo[key] = self.extent(definition.formula.tree, env, level)
            self.active.pop()
        return self.memo[key]


def _binder(node: Node) -> str | None:
    """The name that ``sum(k, ...)`` or ``sum(k in K, ...)`` binds, else None."""
    if not (isinstance(node, Call) and node.func == "sum" and node.args):
        return None
    binder = node.args[0]
    if isinstance(binder, Compare) and binder.op == "in":
        binder = binder.left
    return binder.id if isinstance(binder, Name) else None
