"""Soundness by mutation: how the checker answers single-edit mutants of the derivations.

Every mutant (or a seeded sample) goes first to the numeric oracle of
:mod:`symw2v.diagnose.mutants`; those it finds equal to the left-hand side are skipped as
equivalent, the others go to the checker. A wrong formula may be refuted, undecided or
malformed; proved or checked while the oracle finds a numeric difference is WRONGLY ACCEPTED,
and each such mutant is listed. The diagnosis search only words a refutation, so it is skipped
unless --diagnose is given.
Run: python benchmarks/mutants.py [paths] [--limit N] [--seed S] [--budget SECONDS]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from unittest import mock

from symw2v.derivation.loader import loads
from symw2v.diagnose.mutants import MUTATIONS, Mutant, differs_numerically, mutants
from symw2v.diagnose.search import UNSEARCHED
from symw2v.symbolic.lower import Scope
from symw2v.verify.checker import check_claim, expand_paths
from symw2v.verify.verdict import CHECKED, MALFORMED, PROVED, REFUTED, UNDECIDED, ClaimResult

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT, WRONG, UNSURE, CRASHED = "equivalent", "WRONGLY ACCEPTED", "accepted, oracle unsure", "crashed"
COLUMNS = ("tried", EQUIVALENT, REFUTED, WRONG, UNSURE, UNDECIDED, MALFORMED, CRASHED)


def check(mutant: Mutant, claim_budget: float, diagnose: bool) -> ClaimResult:
    derivation = loads(mutant.source, mutant.path)
    claim = next(c for c in derivation.claims if c.id == mutant.claim)
    unsearched = mock.patch("symw2v.verify.checker.diagnose", return_value=UNSEARCHED)
    skip = contextlib.nullcontext() if diagnose else unsearched
    with skip:
        return check_claim(derivation, Scope.of(derivation), claim, claim_budget)


def outcome(mutant: Mutant, claim_budget: float, diagnose: bool) -> tuple[str, ClaimResult | Exception | None]:
    """The mutant's column, and the checker's result (or the exception it raised)."""
    differs = differs_numerically(mutant.source, mutant.claim)
    if differs is False:
        return EQUIVALENT, None
    try:
        result = check(mutant, claim_budget, diagnose)
    except Exception as err:  # a crash is reported, not fatal to the run
        return CRASHED, err
    if result.verdict in (PROVED, CHECKED):
        return (WRONG if differs else UNSURE), result
    return result.verdict, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "derivations")])
    parser.add_argument("--limit", type=int, default=0, help="a seeded sample of N mutants (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per claim")
    parser.add_argument("--diagnose", action="store_true", help="also run the diagnosis search on refutations")
    args = parser.parse_args()

    everything = [m for path in expand_paths(args.paths) for m in mutants(path)]
    chosen = everything
    if 0 < args.limit < len(everything):
        chosen = random.Random(args.seed).sample(everything, args.limit)
    print(f"{len(chosen)} of {len(everything)} mutants (seed {args.seed}), budget {args.budget:g} s per claim")

    start = time.perf_counter()
    counts: dict[str, Counter] = defaultdict(Counter)
    listed: dict[str, list[tuple[Mutant, ClaimResult | Exception]]] = defaultdict(list)
    for n, mutant in enumerate(chosen, 1):
        column, result = outcome(mutant, args.budget, args.diagnose)
        for kind in (mutant.kind, "all"):
            counts[kind]["tried"] += 1
            counts[kind][column] += 1
        if column in (WRONG, UNSURE, CRASHED):
            listed[column].append((mutant, result))
        if n % 50 == 0:
            print(f"  {n} done, {time.perf_counter() - start:.0f} s", file=sys.stderr)

    width = max(len(k) for k in MUTATIONS)
    print(f"\n{'class':<{width}}  " + "  ".join(f"{c:>{max(len(c), 5)}}" for c in COLUMNS))
    for kind in [*MUTATIONS, "all"]:
        row = counts[kind]
        print(f"{kind:<{width}}  " + "  ".join(f"{row[c]:>{max(len(c), 5)}}" for c in COLUMNS))
    for column in (WRONG, UNSURE, CRASHED):
        print(f"\n{column}: {len(listed[column])}")
        for mutant, result in listed[column]:
            print(f"  {Path(mutant.path).name}  {mutant.claim}  {mutant.field}  [{mutant.kind}] {mutant.description}")
            print(f"    formula: {mutant.formula}")
            if isinstance(result, ClaimResult):
                steps = ", ".join(f"{s.number} {s.verdict}" for s in result.steps)
                print(f"    verdict: {result.verdict} (steps: {steps})")
                for s in result.steps:
                    if s.right == mutant.formula:
                        print(f"    mutated step {s.number}: {s.shown}")
            else:
                print(f"    error: {type(result).__name__}: {result}")
    print(f"\ntotal time {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
