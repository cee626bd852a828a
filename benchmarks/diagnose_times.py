"""Time to diagnose one wrong step, and to check a 10-step chain.

Each figure is printed with a ratio against a baseline measured in the same run: the same
claim with the step corrected (so the ratio is the price of finding and naming the slip).
Run: python benchmarks/diagnose_times.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test helpers hold the small derivation preambles

from symw2v.derivation.loader import load, loads  # noqa: E402
from symw2v.verify.checker import check_derivation  # noqa: E402
from tests.helpers import NAIVE  # noqa: E402

SLIPS = {
    "sign": ("U.T @ (yhat - y)", "U.T @ (y - yhat)"),
    "wrong index": ("(yhat[o] - 1) * v_c", "(yhat[0] - 1) * v_c"),
    "dropped term": ("outer(yhat - y, v_c)", "outer(yhat, v_c)"),
}
WRT = {"sign": "v_c", "wrong index": "u_o", "dropped term": "U"}


def timed(text: str, repeats: int = 3) -> tuple[float, list]:
    times, results = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        results = check_derivation(loads(text))
        times.append(time.perf_counter() - start)
    return statistics.median(times), results


def main() -> None:
    print("one wrong step: diagnose vs check of the corrected claim (median of 3)")
    for kind, (right, wrong) in SLIPS.items():
        claim = f'[[claim]]\nid = "x"\nwrt = "{WRT[kind]}"\nresult = "{{}}"\n'
        base, _ = timed(NAIVE + claim.format(right))
        slow, results = timed(NAIVE + claim.format(wrong))
        step = results[0].steps[-1]
        print(f"  {kind:13s} {slow:6.2f} s (baseline {base:5.2f} s, ratio {slow / base:4.1f}x): {step.diagnosis}")

    derivation = load(ROOT / "derivations" / "f_sigmoid.toml")
    start = time.perf_counter()
    [_, f, _] = check_derivation(derivation)
    chain = time.perf_counter() - start
    print(f"10-step chain (f_sigmoid.toml claim f, {len(f.steps)} steps): {chain:.2f} s for the file")
    derivation = load(ROOT / "derivations" / "g1_neg_sampling.toml")
    start = time.perf_counter()
    results = check_derivation(derivation)
    print(f"8-step chain g.v_c: {results[0].seconds:.2f} s; whole g1 file {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
