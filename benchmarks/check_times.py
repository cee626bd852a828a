"""Per-claim wall times of `symw2v check derivations/`, and cold runs of the CLI.

Prints one line per claim (seconds, verdict); then the cold CLI run with one process
(`--jobs 1`) and with the default (one process per core), with their CPU seconds, and, as a
ratio against a baseline measured in the same run, the cold run over the time to import SymPy.
Run: python benchmarks/check_times.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cold_run(*options: str) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its workers) of one cold `symw2v check`."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "symw2v.cli", "check", *options, str(ROOT / "derivations")],
        check=True,
        capture_output=True,
    )
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return time.perf_counter() - start, cpu


def main() -> None:
    serial, serial_cpu = cold_run("--jobs", "1")
    cold, cold_cpu = cold_run()

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
    print(f"cold CLI run, --jobs 1: {serial:.2f} s wall, {serial_cpu:.2f} s CPU")
    print(f"cold CLI run, default jobs ({os.cpu_count()} cores): {cold:.2f} s wall, {cold_cpu:.2f} s CPU")
    print(f"import-only baseline: {baseline:.2f} s; ratio {cold / baseline:.1f}x")


if __name__ == "__main__":
    main()
