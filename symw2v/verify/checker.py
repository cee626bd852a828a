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
import time
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from ..derivation.document import Claim, Derivation
from ..derivation.errors import DerivationError
from ..derivation.loader import load
from ..diagnose.search import diagnose
from ..symbolic.assumptions import Assumptions
from ..symbolic.lower import Lowerer, LoweringError, Scope, assumption
from ..symbolic.tensor import Index, IndexList, Size, Tensor, shape_text
from . import concrete
from .budget import BudgetExceeded, budget
from .normalise import Normaliser, readable
from .piecewise import piecewise_is_zero
from .verdict import CHECKED, MALFORMED, PROVED, REFUTED, UNDECIDED, ClaimResult, StepResult, worst

DEFAULT_BUDGET = 30.0


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


def check_paths(paths: list[str | Path], claim_budget: float = DEFAULT_BUDGET) -> list[ClaimResult]:
    """Check every file of ``paths`` (a folder stands for its .toml files, recursively). A file
    that cannot be loaded or has no claim, and a folder without a .toml file, is one MALFORMED
    result; the other files are still checked."""
    results: list[ClaimResult] = []
    for target in paths:
        files = expand_paths([target])
        if not files:
            error = f"{target}: no .toml file in this folder"
            results.append(ClaimResult(str(target), "(folder)", "", MALFORMED, error=error))
        for path in files:
            try:
                derivation = load(path)
                if not derivation.claims:
                    raise DerivationError(str(path), "nothing to check: the file has no [[claim]]")
            except Exception as err:  # DerivationError, or a bug in loading that must not hide the other files
                error = str(err) if isinstance(err, DerivationError) else f"{path}: cannot load: {err!r}"
                results.append(ClaimResult(str(path), "(file)", "", MALFORMED, error=error))
                continue
            results.extend(check_derivation(derivation, claim_budget))
    return results


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
    result = ClaimResult(derivation.path, claim.id, claim.says, UNDECIDED)
    try:
        tensors, ctx = prepare(derivation, scope, claim)
    except DerivationError as err:
        result.verdict, result.error = MALFORMED, str(err)
        return result
    texts = [f.text for f in claim.chain]
    good = 0  # index of the last correct expression of the chain
    try:
        with budget(claim_budget):
            for n in range(1, len(tensors)):
                if isinstance(tensors[n], DerivationError):
                    error = tensors[n]
                    step = StepResult(n, texts[good], texts[n], MALFORMED, error.message, compared_with=good)
                    step.diagnosis = _convention_diagnosis(error.message)
                    result.steps.append(step)
                    result.error = "\n".join(filter(None, [result.error, str(error)]))
                    continue
                found = compare(tensors[good], tensors[n], ctx)
                step = StepResult(n, texts[good], texts[n], found.verdict, "", compared_with=good)
                step.shapes, step.counterexample, step.residual = found.shapes, found.counterexample, found.residual
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
                        )
                step.shown = _shown(step)
                step.seconds = found.seconds
    except BudgetExceeded:
        pass
    for n in range(len(result.steps) + 1, len(tensors)):
        result.steps.append(StepResult(n, texts[good], texts[n], UNDECIDED, f"budget of {claim_budget:g} s exhausted"))
    result.verdict = worst([s.verdict for s in result.steps])
    result.seconds = time.perf_counter() - start
    return result


def _convention_diagnosis(message: str) -> str | None:
    if message.startswith("convention error"):
        return "transpose (row vs column convention): transpose the result to get the declared layout"
    return None


def _name(n: int) -> str:
    return "the left-hand side" if n == 0 else f"step {n}"


def prepare(derivation: Derivation, scope: Scope, claim: Claim) -> tuple[list[Tensor | DerivationError], Context]:
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
        for f in derivation.assume + claim.assume:
            facts = facts.merge(assumption(lowerer, f))
    except LoweringError as err:
        raise fail(err.message, err.formula, err.span) from None
    if not isinstance(lhs, Tensor):
        raise fail("expected a number, vector or matrix", claim.chain[0])
    shape = lhs.shape
    values: list[Tensor | DerivationError] = [lhs]
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
        elif value.shape != shape:
            values.append(fail(_shape_message(shape, value.shape, claim, derivation.convention), formula))
        else:
            values.append(value)
    components = tuple(sp.Dummy("ijk"[n % 3], integer=True, nonnegative=True) for n in range(len(shape)))
    index_ranges = {v.value: v.size for v in scope.names.values() if isinstance(v, Index)}
    lists = {v.base: (v.length, v.size) for v in scope.names.values() if isinstance(v, IndexList)}
    sizes = [v.symbol for v in scope.names.values() if isinstance(v, Size)]
    normaliser = Normaliser(
        {**index_ranges, **dict(zip(components, shape, strict=True))},
        {b: s for b, (_, s) in lists.items()},
        facts,
    )
    return values, Context(shape, components, normaliser, sizes, index_ranges, lists, facts)


def _shape_message(expected, got, claim: Claim, convention: str) -> str:
    head = f"shape {shape_text(got)} does not match {shape_text(expected)} of the left-hand side"
    if len(got) == 2 and got == expected[::-1]:
        wrt = claim.wrt.text if claim.wrt else "the left-hand side"
        return (
            f"convention error: {head}. Under convention = {convention!r} the gradient with "
            f"respect to {wrt} has the shape of {wrt} ({shape_text(expected)}); this result is "
            "its transpose (the other convention)"
        )
    return head


@dataclass
class Comparison:
    """Whether two tensors of one shape are equal, and what was shown."""

    verdict: str
    shapes: list[str]
    counterexample: concrete.Counterexample | None = None
    residual: str | None = None
    seconds: float = 0.0
    residual_expr: sp.Expr | None = None


def compare(a: Tensor, b: Tensor, ctx: Context) -> Comparison:
    start = time.perf_counter()
    left, right = a.at(ctx.components), b.at(ctx.components)
    diff = left - right
    try:
        residual = ctx.normaliser.normal(diff)
        proved = residual == 0
    except BudgetExceeded:
        raise
    except Exception:  # an incomplete normaliser must fall through to concrete checks
        residual, proved = None, False
    if not proved:
        proved = _piecewise_zero(diff)
    out = Comparison(PROVED if proved else CHECKED, [])
    wanted = instances_for(sp.Add(left, right), ctx)
    if proved:
        wanted = wanted[-1:]  # one guard instance against a normaliser bug
    for inst in wanted:
        out.shapes.append(inst.describe())
        found = _check_instance(left, right, ctx, inst)
        if found is not None:
            out.verdict, out.counterexample = found
            break
    if out.verdict == REFUTED and residual is not None:
        out.residual_expr = readable(residual)
        out.residual = str(out.residual_expr)
    out.seconds = time.perf_counter() - start
    return out


def instances_for(expr: sp.Expr, ctx: Context) -> list[concrete.Instance]:
    """Small instances of the sizes, indices and index lists that ``expr`` mentions."""
    free = expr.free_symbols
    bases = {x.base for x in expr.atoms(sp.Indexed)}
    return concrete.instances(
        ctx.sizes,
        {s: r for s, r in ctx.index_ranges.items() if s in free},
        {b: v for b, v in ctx.list_shapes.items() if b in bases},
        ctx.assumptions,
    )


def _check_instance(left, right, ctx: Context, inst: concrete.Instance):
    dims = [int(s.xreplace(inst.sizes)) for s in ctx.shape]
    for comp in itertools.product(*[range(n) for n in dims]):
        at = concrete.Instance(inst.sizes, {**inst.indices, **dict(zip(ctx.components, comp, strict=True))}, inst.lists)
        la, lb = concrete.instantiate(left, at), concrete.instantiate(right, at)
        if concrete.exactly_equal(la, lb) or _piecewise_zero(la - lb):
            continue
        cex = concrete.find_counterexample(la, lb, inst, tuple(comp))
        return (REFUTED, cex) if cex else (UNDECIDED, None)
    return None


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
