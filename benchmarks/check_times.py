"""Per-claim wall times of `symw2v check derivations/`, and the cold run of the CLI.

Prints one line per claim (seconds, verdict) and, as a ratio against a baseline measured in
the same run, the total checking time over the time to import SymPy and load the files.
Run: python benchmarks/check_times.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "symw2v.cli", "check", str(ROOT / "derivations")],
        check=True,
        capture_output=True,
    )
    cold = time.perf_counter() - start

    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sympy, symw2v.verify.checker"], check=True)
    baseline = time.perf_counter() - start

    from symw2v.verify.checker import check_paths

    results = check_paths([ROOT / "derivations"])
    for r in sorted(results, key=lambda r: -r.seconds):
        print(f"{r.seconds:7.3f} s  {r.verdict:9s} {Path(r.file).name}:{r.claim}")
    counts = {v: sum(r.verdict == v for r in results) for v in ("proved", "checked", "refuted", "undecided")}
    slowest = max(results, key=lambda r: r.seconds)
    print(f"claims: {len(results)}  " + "  ".join(f"{k}={v}" for k, v in counts.items()))
    print(f"slowest claim: {slowest.claim} ({slowest.seconds:.2f} s)")
    print(f"cold CLI run: {cold:.2f} s; import-only baseline: {baseline:.2f} s; ratio {cold / baseline:.1f}x")


if __name__ == "__main__":
    main()
