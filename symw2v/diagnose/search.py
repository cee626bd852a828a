"""Try every edit of the catalogue on a wrong step; name the one that repairs it.

A candidate must first match the last correct expression numerically at the counterexample's
instance (cheap, at random real values), then be confirmed by the full comparison (proof or
exact checks), so a diagnosis is never a coincidence of one point.

The search runs inside the claim's budget: at most :data:`MAX_CANDIDATES` edits are tried, a
candidate refused by a work cap is skipped, and when the wall-clock budget runs out the search
is abandoned (the step keeps its refuted verdict and counterexample, with no diagnosis).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from ..derivation.document import Claim, Definition, Formula
from ..language.errors import FormulaError
from ..language.syntax import Call, Name, Node, Subscript, walk
from ..symbolic.lower import Lowerer, Scope
from ..symbolic.ops import fresh
from ..symbolic.tensor import Index, IndexList, IndexTable, Tensor
from ..verify import concrete
from ..verify.budget import WorkExceeded
from .edits import CATALOGUE, SPAN, EditContext, additive_terms, subtrees

NO_REPAIR = "no single edit from the catalogue repairs this step (see the residual)"
MAX_CANDIDATES = 1_000
"""Edits tried per wrong step at most (about 5 ms each when not confirmed); the slips of
examples/ generate at most 800."""


def edit_context(scope: Scope, claim: Claim) -> EditContext:
    indices = {n: str(v.size) for n, v in scope.names.items() if isinstance(v, Index) and v.value.is_Symbol}
    lists = {n: (str(v.length), str(v.size)) for n, v in scope.names.items() if isinstance(v, IndexList)}
    terms = tuple(
        term
        for f in claim.chain
        if not (isinstance(f.tree, Call) and f.tree.func == "grad")
        for _, term in additive_terms(f.tree)
    ) + tuple(Name(n, span=SPAN) for n, v in scope.names.items() if isinstance(v, Definition) and not v.params)
    used = tuple(
        i
        for f in claim.chain
        for sub, _ in subtrees(f.tree)
        if isinstance(sub, Subscript)
        for i in sub.indices
        if isinstance(i, Subscript) or isinstance(i, Name) and i.id in indices
    )
    tables = frozenset(n for n, v in scope.names.items() if isinstance(v, IndexTable))
    loops = frozenset(length for length, _ in lists.values())
    return EditContext(indices, lists, terms, loops, used, table_names=tables, orientation=_orientation(scope))


def _orientation(scope: Scope) -> Callable[[Node], str | None]:
    """How a subtree is oriented (columns convention); None when it cannot be lowered alone
    (it uses a summation index) or under rows."""

    def of(node: Node) -> str | None:
        if not scope.columns:
            return None
        # a summation index of the step is unbound here: any index will do for a shape
        free = {n.id: Index(fresh(n.id), None) for n in walk(node) if isinstance(n, Name) and n.id not in scope.names}
        try:
            value = Lowerer(scope.child(free)).lower(node)
        except (FormulaError, TypeError, ValueError):
            return None
        return value.orientation if isinstance(value, Tensor) else None

    return of


@dataclass(frozen=True)
class Diagnosis:
    """What the search found: the words for the step, and whether an edit repairs it."""

    words: str
    repaired: bool


# What a run that does not search for diagnoses (the mutation tests) puts in their place.
UNSEARCHED = Diagnosis("", False)


def diagnose(
    wrong: Formula,
    reference: Tensor,
    scope: Scope,
    claim: Claim,
    components: tuple[sp.Symbol, ...],
    instance: concrete.Instance,
    confirm: Callable[[Tensor], bool],
    residual: sp.Expr | None = None,
) -> Diagnosis:
    """Plain words for the single edit that makes ``wrong`` equal ``reference``. When no edit
    of the catalogue does, but the residual ``reference - wrong`` is a single term, the step
    dropped (or added) exactly that term."""
    try:
        repairs, left = _repairs(wrong, reference, scope, claim, components, instance, confirm)
    except WorkExceeded as err:
        return Diagnosis(f"no diagnosis: {err}", False)
    if repairs:
        first, *others = repairs.values()
        also = f" (other single edits that also repair it: {'; '.join(others)})" if others else ""
        return Diagnosis(first + also, True)
    if residual is not None and len(sp.Add.make_args(sp.fraction(residual)[0])) == 1:
        return Diagnosis(f"dropped term: the step lacks exactly one term, left - right = {residual}", False)
    capped = f"; search stopped at the cap of {MAX_CANDIDATES} candidate edits" if not left else ""
    return Diagnosis(NO_REPAIR + capped, False)


def _repairs(wrong, reference, scope, claim, components, instance, confirm) -> tuple[dict[str, str], int]:
    """kind -> description of the first edit of each kind that repairs ``wrong``, and how many
    of the :data:`MAX_CANDIDATES` tries were left."""
    lowerer = Lowerer(scope)
    probe = _Probe(reference, components, instance)
    repairs: dict[str, str] = {}
    context = edit_context(scope, claim)
    left = MAX_CANDIDATES
    for kind, generate in CATALOGUE.items():
        for description, tree in itertools.islice(generate(wrong.tree, context), left):
            left -= 1
            try:
                candidate = lowerer.lower(tree)
            except (FormulaError, TypeError, ValueError):
                continue
            if not isinstance(candidate, Tensor) or candidate.shape != reference.shape:
                continue
            try:
                if probe.matches(candidate) and confirm(candidate):
                    repairs[kind] = description
                    break
            except WorkExceeded:
                continue
    return repairs, left


class _Probe:
    """The reference's values at one instance and one random real point, to compare with."""

    def __init__(self, reference: Tensor, components, instance: concrete.Instance):
        self.components, self.instance = components, instance
        self.rng = random.Random(0)
        self.values: dict[sp.Expr, sp.Float] = {}
        dims = [int(s.xreplace(instance.sizes)) for s in reference.shape]
        self.points = [dict(zip(components, c, strict=True)) for c in _product(dims)]
        self.expected = [self._value(reference, p) for p in self.points]

    def _value(self, tensor: Tensor, point: dict) -> sp.Float | None:
        at = concrete.Instance(self.instance.sizes, {**self.instance.indices, **point}, self.instance.lists)
        try:
            e = concrete.instantiate(tensor.at(self.components), at)
        except (ValueError, TypeError):  # an index or a size (a swapped one) the instance does not fix
            return None
        for v in concrete.variables(e):
            self.values.setdefault(v, sp.Float(self.rng.uniform(-1.5, 1.5), 20))
        return concrete.evaluate(e, self.values, 20)

    def matches(self, candidate: Tensor) -> bool:
        for point, expected in zip(self.points, self.expected, strict=True):
            got = self._value(candidate, point)
            if got is None or expected is None or abs(got - expected) > 1e-9 * max(1, abs(expected)):
                return False
        return True


def _product(dims: list[int]):
    return itertools.product(*[range(n) for n in dims])
