"""``symw2v gradcheck PATH``: the CS224N word2vec functions of PATH against the verified kernels.

The file is imported and checked in a child process (:mod:`.worker`) under a timeout, so an
import error, a crash or a hang in the user's code never touches ours; the child reports JSON.
It runs in the file's folder with ``-P``, so a file there named like a module we use
(``random.py``) cannot shadow it.
Exit status (:attr:`Outcome.status`): 0 every function passes, 1 a function is wrong, 2 the file
cannot be loaded or run (import error, crash, timeout, or a function missing).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .checks import DEFAULT_EXAMPLES, FUNCTIONS

DEFAULT_TIMEOUT = 120.0
PASSED, WRONG, CANNOT_RUN = 0, 1, 2


@dataclass
class Outcome:
    """``results`` maps each function to None (passes), its failure, or "missing"; ``problem``
    says why the file could not be loaded or run (then ``results`` is empty)."""

    path: str
    results: dict[str, dict | str | None] = field(default_factory=dict)
    problem: str | None = None

    @property
    def status(self) -> int:
        if self.problem or "missing" in self.results.values():
            return CANNOT_RUN
        return WRONG if any(self.results.values()) else PASSED

    def to_json(self) -> dict:
        return {"file": self.path, "status": self.status, "problem": self.problem, "results": self.results}


def gradcheck(path: str | Path, examples: int = DEFAULT_EXAMPLES, timeout: float = DEFAULT_TIMEOUT) -> Outcome:
    """Check the functions of the file at ``path`` in a child process within ``timeout`` seconds."""
    path = Path(path).resolve()
    outcome = Outcome(str(path))
    package_root = str(Path(__file__).resolve().parents[2])
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            "HYPOTHESIS_STORAGE_DIRECTORY": tmp,  # never a .hypothesis folder beside the user's file
        }
        report = Path(tmp, "report.json")
        command = [sys.executable, "-P", "-m", "symw2v.gradcheck.worker", str(path), str(report), str(examples)]
        try:
            run = subprocess.run(command, cwd=path.parent, env=env, capture_output=True, text=True,
                                 timeout=timeout, stdin=subprocess.DEVNULL)  # fmt: skip
        except subprocess.TimeoutExpired:
            outcome.problem = f"timed out after {timeout:g} s (an infinite loop, or input() at import?)"
            return outcome
        if not report.exists():
            outcome.problem = _crash(run)
            return outcome
        data = json.loads(report.read_text())
    if "load_error" in data:
        outcome.problem = "cannot import the file:\n" + data["load_error"].rstrip()
    else:
        outcome.results = {f: data["results"].get(f) for f in FUNCTIONS}
    return outcome


def _crash(run: subprocess.CompletedProcess) -> str:
    how = f"killed by {signal.Signals(-run.returncode).name}" if run.returncode < 0 else f"exit {run.returncode}"
    lines = run.stderr.strip().splitlines()
    during = next((line.rsplit(" ", 1)[1] for line in reversed(lines) if line.startswith("symw2v gradcheck:")), None)
    where = f" while checking {during}" if during else ""
    tail = "\n".join(line for line in lines[-8:] if not line.startswith("symw2v gradcheck:"))
    return f"the file's code crashed the checks ({how}){where}" + (f":\n{tail}" if tail else "")
