"""Claim -> verdict per step: general proof first, then exact checks at concrete shapes.

For each link ``left = right`` of a chain:

1. **proved** when the normaliser (or, for univariate piecewise functions, the region
   method) shows ``left - right == 0`` with symbolic sizes; one concrete instance is still
   checked as a guard against a bug in the normaliser (soundness comes first);
2. otherwise both sides are compared exactly at small instances (sizes, free indices and
   index lists, with repeated samples forced where allowed): **refuted** with the smallest
   counterexample, or **checked** at the instances listed;
3. **undecided** when the budget runs out or a difference found exactly cannot be confirmed
   numerically.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import sympy as sp

from ..derivation.document import Claim, Derivation
from ..derivation.errors import DerivationError
from ..derivation.loader import load
from ..diagnose.search import diagnose
from ..symbolic.assumptions import Assumptions, decide, regions
from ..symbolic.lower import Lowerer, LoweringError, Scope, assumption
from ..symbolic.ops import transpose
from ..symbolic.tensor import Index, IndexList, IndexTable, Size, Tensor, shape_text
from . import concrete
from .budget import BudgetExceeded, WorkExceeded, budget, exhausted_text
from .normalise import Normaliser, readable
from .piecewise import piecewise_is_zero
from .verdict import CHECKED, MALFORMED, PROVED, REFUTED, UNDECIDED, ClaimResult, StepResult, worst

DEFAULT_BUDGET = 30.0
T = TypeVar("T")
R = TypeVar("R")
# The component indices of a claim's sides, one per axis; the same for every claim, so that
# gradients computed for one claim are reused by the next (symw2v.symbolic.gradient caches them).
COMPONENTS = tuple(sp.Dummy("ijkl"[n], integer=True, nonnegative=True) for n in range(4))


@dataclass
class Context:
    """What one claim's comparisons need: component indices, ranges, assumptions."""

    shape: tuple[sp.Expr, ...]
    components: tuple[sp.Symbol, ...]
    normaliser: Normaliser
    sizes: list[sp.Symbol]
    index_ranges: dict[sp.Symbol, sp.Expr]
    list_shapes: dict[sp.IndexedBase, tuple[sp.Expr, sp.Expr]]
    assumptions: Assumptions
    unrolled: dict[tuple[sp.Expr, str], sp.Expr] = field(default_factory=dict)
    conditions: dict[str, list[concrete.Condition] | None] = field(default_factory=dict)

    def at(self, e: sp.Expr, inst: concrete.Instance) -> sp.Expr:
        """``e`` unrolled at ``inst``, components still symbolic, and the comparisons its sign
        conditions decide there replaced by their truth; cached, since every step of a chain is
        compared with the same earlier expression at the same instances."""
        key = (e, inst.describe())
        if key not in self.unrolled:
            found = concrete.settled(concrete.unrolled(e, inst), inst, self.components)
            self.unrolled[key] = decide(found, regions(self.conditions_at(inst) or ()))
        return self.unrolled[key]

    def conditions_at(self, inst: concrete.Instance) -> list[concrete.Condition] | None:
        """The claim's sign conditions at ``inst``; None when no point of it meets them."""
        key = inst.describe()
        if key not in self.conditions:
            self.conditions[key] = concrete.conditions_at(self.assumptions, inst)
        return self.conditions[key]


def check_paths(paths: list[str | Path], claim_budget: float = DEFAULT_BUDGET, jobs: int = 1) -> list[ClaimResult]:
    """Check every file of ``paths`` (a folder stands for its .toml files, recursively). A file
    that cannot be loaded or has no claim, and a folder without a .toml file, is one MALFORMED
    result; the other files are still checked. With ``jobs > 1`` files are checked in that many
    forked processes; the results, in file order, are the same as with one."""
    return [r for _, results in _checked(paths, claim_budget, jobs) for r in results]


def check_files(
    paths: list[str | Path], claim_budget: float = DEFAULT_BUDGET, jobs: int = 1
) -> list[tuple[Derivation | None, list[ClaimResult]]]:
    """As :func:`check_paths`, per file: its derivation (None when it cannot be read) and verdicts."""
    return [(_loaded(path) if path else None, results) for path, results in _checked(paths, claim_budget, jobs)]


def _checked(paths: list[str | Path], claim_budget: float, jobs: int) -> list[tuple[Path | None, list[ClaimResult]]]:
    entries: list[Path | ClaimResult] = []
    for target in paths:
        files = expand_paths([target])
        if not files:
            error = f"{target}: no .toml file in this folder"
            entries.append(ClaimResult(str(target), "(folder)", "", MALFORMED, error=error))
        entries.extend(files)
    files = [e for e in entries if isinstance(e, Path)]
    checked = dict(zip(files, parallel_map(check_file, files, claim_budget, jobs), strict=True))
    return [(e, checked[e]) if isinstance(e, Path) else (None, [e]) for e in entries]


def parallel_map(function: Callable[[T, float], R], items: list[T], claim_budget: float, jobs: int) -> list[R]:
    """``function(item, claim_budget)`` for every item, in order: ``jobs`` at a time in forked
    processes (a claim's budget is its process's alarm), in this process when ``jobs`` is 1 or
    a worker dies (out of memory)."""
    if jobs > 1 and len(items) > 1 and "fork" in multiprocessing.get_all_start_methods():
        try:
            with ProcessPoolExecutor(min(jobs, len(items)), mp_context=multiprocessing.get_context("fork")) as pool:
                return list(pool.map(function, items, itertools.repeat(claim_budget)))
        except BrokenProcessPool:
            pass
    return [function(item, claim_budget) for item in items]


def _loaded(path: Path) -> Derivation | None:
    try:
        return load(path)
    except Exception:  # reported already, as the file's malformed result
        return None


def check_file(path: Path, claim_budget: float = DEFAULT_BUDGET) -> list[ClaimResult]:
    """Every claim of one file, or the file's one MALFORMED result when it cannot be loaded."""
    try:
        derivation = load(path)
        if not derivation.claims:
            raise DerivationError(str(path), "nothing to check: the file has no [[claim]]")
    except Exception as err:  # DerivationError, or a bug in loading that must not hide the other files
        error = str(err) if isinstance(err, DerivationError) else f"{path}: cannot load: {err!r}"
        return [ClaimResult(str(path), "(file)", "", MALFORMED, error=error)]
    return check_derivation(derivation, claim_budget)


def expand_paths(paths: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.rglob("*.toml")) if p.is_dir() else [p])
    return out


def check_derivation(derivation: Derivation, claim_budget: float = DEFAULT_BUDGET) -> list[ClaimResult]:
    scope = Scope.of(derivation)
    return [check_claim(derivation, scope, claim, claim_budget) for claim in derivation.claims]


def check_claim(
    derivation: Derivation, scope: Scope, claim: Claim, claim_budget: float = DEFAULT_BUDGET
) -> ClaimResult:
    """Every step n (chain[n], n >= 1) is compared with the last correct expression before it,
    so a slip is charged to the step that made it: a later step equal to the last correct one
    is back on track, and a later step that only follows from the wrong one is marked as the
    error propagating. A step that first goes wrong gets a one-edit diagnosis."""
    start = time.perf_counter()
    result = ClaimResult(derivation.path, claim.id, claim.says, UNDECIDED, when=[f.text for f in claim.when])
    texts = [f.text for f in claim.chain]
    good = 0  # index of the last correct expression of the chain
    exhausted = ""  # set when the budget runs out: what the undecided steps say
    tensors: list = texts[:1]  # replaced by prepare's unless the budget runs out in it
    try:
        with budget(claim_budget):
            tensors, ctx = prepare(derivation, scope, claim)
    except DerivationError as err:
        result.verdict, result.error = MALFORMED, str(err)
        return result
    except BudgetExceeded as out:
        exhausted = exhausted_text(out, claim_budget)
    except Exception as err:  # one claim's failure is its verdict, never the run's
        exhausted = _internal(err)
    try:
        with budget(max(claim_budget - (time.perf_counter() - start), 1e-3)):  # one budget for prepare and steps
            for n in range(1, len(tensors)):
                if isinstance(tensors[n], DerivationError):
                    step = _unreadable_step(n, good, texts, tensors, ctx, scope, claim)
                    result.steps.append(step)
                    if step.verdict == MALFORMED:
                        result.error = "\n".join(filter(None, [result.error, str(tensors[n])]))
                    continue
                if isinstance(tensors[n], Transposed):
                    result.steps.append(_transposed_step(n, good, texts, tensors, ctx))
                    continue
                found = compare(tensors[good], tensors[n], ctx)
                step = StepResult(n, texts[good], texts[n], found.verdict, "", compared_with=good)
                step.shapes, step.counterexample, step.residual = found.shapes, found.counterexample, found.residual
                step.residual_expr = found.residual_expr
                # set before the diagnosis, so they are kept if it runs out of budget
                step.shown, step.seconds = found.note or _shown(step), found.seconds
                result.steps.append(step)
                if found.verdict in (PROVED, CHECKED):
                    if good != n - 1:
                        step.note = f"back on track: equal to {_name(good)} again"
                    good = n
                elif found.verdict == REFUTED:
                    previous = tensors[n - 1]
                    if (
                        good != n - 1
                        and isinstance(previous, Tensor)
                        and compare(previous, tensors[n], ctx).verdict in (PROVED, CHECKED)
                    ):
                        step.note = f"follows from step {n - 1}: its error propagates"
                    elif found.counterexample is not None:
                        step.diagnosis = diagnose(
                            claim.chain[n],
                            tensors[good],
                            scope,
                            claim,
                            ctx.components,
                            found.counterexample.instance,
                            lambda t, ref=tensors[good]: compare(ref, t, ctx).verdict in (PROVED, CHECKED),
                            found.residual_expr,
                        ).words
    except BudgetExceeded as out:
        exhausted = exhausted_text(out, claim_budget)
    except Exception as err:  # one claim's failure is its verdict, never the run's
        exhausted = _internal(err)
    for n in range(len(result.steps) + 1, len(texts)):
        result.steps.append(StepResult(n, texts[good], texts[n], UNDECIDED, exhausted))
    result.verdict = worst([s.verdict for s in result.steps])
    result.seconds = time.perf_counter() - start
    return result


def _internal(err: Exception) -> str:
    return f"undecided: the checker failed on this claim ({type(err).__name__}: {err}); please report it"


def _unreadable_step(n: int, good: int, texts: list[str], tensors: list, ctx: Context, scope: Scope, claim: Claim):
    """A step that cannot be read as written (a shape error) is malformed, unless one edit of
    the catalogue makes it equal to the last correct expression: then that edit names the slip
    (a row added to a column, an index left out) and the step is refuted."""
    error = tensors[n]
    reference = tensors[good]
    found = diagnose(
        claim.chain[n],
        reference,
        scope,
        claim,
        ctx.components,
        _generic_instance(ctx),
        lambda t: compare(reference, t, ctx).verdict in (PROVED, CHECKED),
    )
    if not found.repaired:
        return StepResult(n, texts[good], texts[n], MALFORMED, error.message, compared_with=good)
    shown = f"cannot be read as written: {error.message}"
    step = StepResult(n, texts[good], texts[n], REFUTED, shown, compared_with=good)
    step.diagnosis = found.words
    return step


def _generic_instance(ctx: Context) -> concrete.Instance:
    """An instance with pairwise distinct sizes, to probe candidate repairs at."""
    found = concrete.instances(ctx.sizes, ctx.index_ranges, ctx.list_shapes, ctx.assumptions)
    return next((i for i in reversed(found) if len(set(i.sizes.values())) == len(i.sizes)), found[-1])


@dataclass(frozen=True)
class Transposed:
    """A step whose shape is the transpose of the chain's (d×V where V×d is declared): wrong as
    written, whatever its entries; ``back`` is it transposed back, for the diagnosis."""

    back: Tensor
    message: str


def _transposed_step(n: int, good: int, texts: list[str], tensors: list, ctx: Context) -> StepResult:
    """Refuted by its shape; diagnosed as the other convention only when its transpose passes
    the full check against the last correct expression."""
    step = tensors[n]
    step_result = StepResult(n, texts[good], texts[n], REFUTED, step.message, compared_with=good)
    found = compare(tensors[good], step.back, ctx)
    step_result.shapes, step_result.seconds = found.shapes, found.seconds
    if found.verdict in (PROVED, CHECKED):
        kind = step.back.orientation
        what = (
            f"{_opposite(kind)} vector where a {kind} is expected (transpose)"
            if kind
            else "transpose (row vs column convention): this is the gradient in the other layout"
        )
        step_result.diagnosis = f"{what}; its transpose is {found.verdict} equal to {_name(good)}"
    return step_result


def _opposite(kind: str) -> str:
    return "row" if kind == "column" else "column"


def _name(n: int) -> str:
    return "the left-hand side" if n == 0 else f"step {n}"


def prepare(
    derivation: Derivation, scope: Scope, claim: Claim
) -> tuple[list[Tensor | Transposed | DerivationError], Context]:
    """Lower every formula of the claim and check that the chain has one shape; a step that
    fails either is returned as its error."""
    lowerer = Lowerer(scope)
    where = f"claim {claim.id!r}"

    def fail(message: str, formula=None, span=None) -> DerivationError:
        return DerivationError(
            derivation.path,
            message,
            line=formula.line if formula else claim.line,
            where=formula.where if formula else where,
            text=formula.text if formula else None,
            span=span,
        )

    try:
        lhs = lowerer.formula(claim.chain[0])
        facts = Assumptions()
        for f in derivation.assume + claim.assume + claim.when:
            facts = facts.merge(assumption(lowerer, f))
            # the first assumption or condition that makes them contradict each other is located
            contradiction = facts.resolved().contradiction()
            if contradiction:
                raise fail(f"the assumptions contradict each other: {contradiction}", f, f.tree.span)
    except LoweringError as err:
        raise fail(err.message, err.formula, err.span) from None
    if not isinstance(lhs, Tensor):
        raise fail("expected a number, vector or matrix", claim.chain[0])
    shape = lhs.shape
    values: list[Tensor | Transposed | DerivationError] = [lhs]
    for formula in claim.chain[1:]:
        # A step that cannot be read or has the wrong shape is malformed on its own; the
        # other steps are still checked.
        try:
            value = lowerer.formula(formula)
        except LoweringError as err:
            values.append(fail(err.message, err.formula, err.span))
            continue
        if not isinstance(value, Tensor):
            values.append(fail("expected a number, vector or matrix", formula))
        elif len(shape) == 2 and value.shape == shape[::-1] and shape[0] != shape[1]:
            values.append(Transposed(transpose(value), _convention_message(shape, value.shape, claim, derivation)))
        elif value.shape != shape:
            values.append(fail(_shape_message(shape, value.shape), formula))
        else:
            values.append(value)
    facts = facts.resolved()
    components = COMPONENTS[: len(shape)]
    index_ranges = {v.value: v.size for v in scope.names.values() if isinstance(v, Index)}
    lists = {v.base: (v.length, v.size) for v in scope.names.values() if isinstance(v, IndexList)}
    lists |= {v.base: (sp.Tuple(v.rows, v.length), v.size) for v in scope.names.values() if isinstance(v, IndexTable)}
    sizes = [v.symbol for v in scope.names.values() if isinstance(v, Size)]
    normaliser = Normaliser(
        {**index_ranges, **dict(zip(components, shape, strict=True))},
        {b: s for b, (_, s) in lists.items()},
        facts,
    )
    return values, Context(shape, components, normaliser, sizes, index_ranges, lists, facts)


def _shape_message(expected, got) -> str:
    return f"shape {shape_text(got)} does not match {shape_text(expected)} of the left-hand side"


def _convention_message(expected, got, claim: Claim, derivation: Derivation) -> str:
    wrt = claim.wrt.text if claim.wrt else "the left-hand side"
    if 1 in expected:  # an oriented vector (columns convention): a row for a column or back
        return f"a {shape_text(got)} vector where {wrt} is a {shape_text(expected)} vector"
    return (
        f"convention: shape {shape_text(got)} where {wrt} has shape {shape_text(expected)}; under "
        f"convention = {derivation.convention!r} the gradient has the shape of what it is taken with respect to"
    )


@dataclass
class Comparison:
    """Whether two tensors of one shape are equal, and what was shown."""

    verdict: str
    shapes: list[str]
    counterexample: concrete.Counterexample | None = None
    residual: str | None = None
    seconds: float = 0.0
    residual_expr: sp.Expr | None = None
    note: str | None = None


def compare(a: Tensor, b: Tensor, ctx: Context) -> Comparison:
    start = time.perf_counter()
    left, right = (ctx.assumptions.rewrite(t.at(ctx.components)) for t in (a, b))
    diff = left - right
    try:
        with ctx.normaliser.exchanging():
            residual = ctx.normaliser.normal(diff)
        proved = residual == 0
    except BudgetExceeded:
        raise
    except Exception:  # an incomplete normaliser must fall through to concrete checks
        residual, proved = None, False
    if not proved:
        proved = _piecewise_zero(diff)
    out = Comparison(PROVED if proved else CHECKED, [])
    # the instances fix what the sides and the sign conditions mention (a condition on o counts
    # even where a side no longer uses o)
    wanted = instances_for(sp.Tuple(left, right, *(gap for gap, _ in ctx.assumptions.conditions)), ctx)
    if proved and wanted:
        # one guard instance against a normaliser bug: the all-distinct pattern at generic sizes
        # (or the first pattern there that meets the claim's conditions); when that one is too
        # large to unroll, the largest smaller one that is not degenerate
        generic = [i for i in wanted if i.sizes == wanted[-1].sizes]
        wanted = generic + [i for i in reversed(wanted) if i.sizes != wanted[-1].sizes and not i.degenerate]
    unsure = 0
    witnesses: list[concrete.Instance] = []
    for inst in wanted:
        if proved and witnesses:
            break
        try:
            found = _check_instance(left, right, ctx, inst)
        except WorkExceeded:
            if proved and inst is not wanted[-1]:
                continue
            raise
        if found is SKIPPED:
            continue
        if found is None:
            out.shapes.append(inst.describe())
            witnesses.append(inst)
        elif found[0] == REFUTED:
            out.shapes.append(inst.describe())
            out.verdict, out.counterexample = found
            break
        else:  # exactly different, not confirmed numerically: a later instance may refute
            unsure += 1
    if out.verdict != REFUTED and (unsure or all(i.degenerate for i in witnesses)):
        out.verdict = UNDECIDED
        out.note = (
            f"exactly different at {unsure} instance(s) but not confirmed numerically"
            if unsure
            else "no instance beyond the degenerate one (every size 1) could be checked"
        )
    if out.verdict == REFUTED and residual is not None:
        out.residual_expr = readable(residual)
        out.residual = str(out.residual_expr)
    out.seconds = time.perf_counter() - start
    return out


def instances_for(expr: sp.Basic, ctx: Context) -> list[concrete.Instance]:
    """The instances of :func:`concrete.instances` for the sizes, indices, index lists and
    constant indices that ``expr`` mentions."""
    free = expr.free_symbols
    bases = {x.base for x in expr.atoms(sp.Indexed)}
    indices = {s: r for s, r in ctx.index_ranges.items() if s in free}
    lists = {b: v for b, v in ctx.list_shapes.items() if b in bases}
    used = free.union(*(e.free_symbols for e in (*ctx.shape, *indices.values(), *itertools.chain(*lists.values()))))
    return concrete.instances(
        [s for s in ctx.sizes if s in used],
        indices,
        lists,
        ctx.assumptions,
        concrete.constant_indices(expr),
    )


SKIPPED = (None, None)


def _check_instance(left, right, ctx: Context, inst: concrete.Instance):
    """Every component of both sides at ``inst``: None when all are equal, SKIPPED when a
    constant index falls outside the instance, else (REFUTED, counterexample) or (UNDECIDED,
    None). Sums are unrolled once, components substituted after."""
    dims = [int(s.xreplace(inst.sizes)) for s in ctx.shape]
    try:
        conditions = ctx.conditions_at(inst)
        if conditions is None:  # no point of this instance meets the claim's sign conditions
            return SKIPPED
        la0, lb0 = ctx.at(left, inst), ctx.at(right, inst)
    except ValueError:  # a constant index beyond this instance's range (ws[1] at K=1): not an instance
        return SKIPPED
    points = list(itertools.product(*[range(n) for n in dims]))
    # entries of index lists picked by a component (``ws[i]`` in ``U[ws] @ v``) once it is known
    entries = concrete.list_entries(inst) if concrete.pending_entries(sp.Tuple(la0, lb0), inst, ctx.components) else {}
    sides = [
        (la0.xreplace(at).xreplace(entries), lb0.xreplace(at).xreplace(entries))
        for at in (_component(ctx, c) for c in points)
    ]
    if concrete.all_equal(sides, conditions=conditions):  # the common case, in one test; else component by component
        return None
    for comp, (la, lb) in zip(points, sides, strict=True):
        if concrete.exactly_equal(la, lb, conditions) or _piecewise_zero(la - lb):
            continue
        cex = concrete.find_counterexample(la, lb, inst, tuple(comp), conditions=conditions)
        return (REFUTED, cex) if cex else (UNDECIDED, None)
    return None


def _component(ctx: Context, comp: tuple[int, ...]) -> dict[sp.Symbol, sp.Integer]:
    return dict(zip(ctx.components, map(sp.Integer, comp), strict=True))


def _piecewise_zero(diff: sp.Expr) -> bool:
    return diff.has(sp.Piecewise) and bool(piecewise_is_zero(sp.expand(diff)))


def _shown(step: StepResult) -> str:
    if step.verdict == PROVED:
        return "proved for all sizes" + (f"; guard instance {step.shapes[0]}" if step.shapes else "")
    if step.verdict == CHECKED:
        return "exact at " + ("; ".join(step.shapes) or "the only instance")
    if step.verdict == REFUTED and step.counterexample:
        c = step.counterexample
        values = ", ".join(f"{k}={v}" for k, v in c.values.items())
        return (
            f"at {c.instance.describe()}, component {list(c.component)}, {values}: "
            f"left = {c.left:.6g}, right = {c.right:.6g}"
        )
    return "exactly different at an instance, but no numeric counterexample was found"
