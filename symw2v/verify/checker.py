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
    results: list[ClaimResult] = []
    for path in expand_paths(paths):
        try:
            derivation = load(path)
        except DerivationError as err:
            results.append(ClaimResult(str(path), "(file)", "", MALFORMED, error=str(err)))
            continue
        results.extend(check_derivation(derivation, claim_budget))
    return results


def expand_paths(paths: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.rglob("*.toml")) if p.is_dir() else [p])
    return out


def check_derivation(
    derivation: Derivation, claim_budget: float = DEFAULT_BUDGET
) -> list[ClaimResult]:
    scope = Scope.of(derivation)
    return [check_claim(derivation, scope, claim, claim_budget) for claim in derivation.claims]


def check_claim(
    derivation: Derivation, scope: Scope, claim: Claim, claim_budget: float = DEFAULT_BUDGET
) -> ClaimResult:
    start = time.perf_counter()
    result = ClaimResult(derivation.path, claim.id, claim.says, UNDECIDED)
    try:
        tensors, ctx = prepare(derivation, scope, claim)
    except DerivationError as err:
        result.verdict, result.error = MALFORMED, str(err)
        return result
    texts = [f.text for f in claim.chain]
    try:
        with budget(claim_budget):
            for n in range(1, len(tensors)):
                result.steps.append(compare(tensors[n - 1], tensors[n], ctx, n, texts))
    except BudgetExceeded:
        pass
    for n in range(len(result.steps) + 1, len(tensors)):
        result.steps.append(
            StepResult(
                n, texts[n - 1], texts[n], UNDECIDED, f"budget of {claim_budget:g} s exhausted"
            )
        )
    result.verdict = worst([s.verdict for s in result.steps])
    result.seconds = time.perf_counter() - start
    return result


def prepare(derivation: Derivation, scope: Scope, claim: Claim) -> tuple[list[Tensor], Context]:
    """Lower every formula of the claim and check that the chain has one shape."""
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
        values = [lowerer.formula(f) for f in claim.chain]
        facts = Assumptions()
        for f in derivation.assume + claim.assume:
            facts = facts.merge(assumption(lowerer, f))
    except LoweringError as err:
        raise fail(err.message, err.formula, err.span) from None
    for formula, value in zip(claim.chain, values, strict=True):
        if not isinstance(value, Tensor):
            raise fail("expected a number, vector or matrix", formula)
    shape = values[0].shape
    for formula, value in zip(claim.chain[1:], values[1:], strict=True):
        if value.shape != shape:
            raise fail(_shape_message(shape, value.shape, claim, derivation.convention), formula)
    components = tuple(
        sp.Dummy("ijk"[n % 3], integer=True, nonnegative=True) for n in range(len(shape))
    )
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


def compare(a: Tensor, b: Tensor, ctx: Context, number: int, texts: list[str]) -> StepResult:
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
    step = StepResult(number, texts[number - 1], texts[number], PROVED if proved else CHECKED, "")
    both = sp.Add(left, right)
    free = both.free_symbols
    bases = {x.base for x in both.atoms(sp.Indexed)}
    wanted = concrete.instances(
        ctx.sizes,
        {s: r for s, r in ctx.index_ranges.items() if s in free},
        {b: v for b, v in ctx.list_shapes.items() if b in bases},
        ctx.assumptions,
    )
    if proved:
        wanted = wanted[-1:]  # one guard instance against a normaliser bug
    for inst in wanted:
        step.shapes.append(inst.describe())
        found = _check_instance(left, right, ctx, inst)
        if found is not None:
            step.verdict, step.counterexample = found
            break
    if step.verdict == REFUTED and residual is not None:
        step.residual = str(readable(residual))
    step.shown = _shown(step)
    step.seconds = time.perf_counter() - start
    return step


def _check_instance(left, right, ctx: Context, inst: concrete.Instance):
    dims = [int(s.xreplace(inst.sizes)) for s in ctx.shape]
    for comp in itertools.product(*[range(n) for n in dims]):
        at = concrete.Instance(
            inst.sizes, {**inst.indices, **dict(zip(ctx.components, comp, strict=True))}, inst.lists
        )
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
        return "proved for all sizes" + (
            f"; guard instance {step.shapes[0]}" if step.shapes else ""
        )
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
