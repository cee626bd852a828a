"""The command line: table and JSON output, exit codes, and bad input reported, not run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import DERIVATIONS

GOOD = DERIVATIONS / "f_sigmoid.toml"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "symw2v.cli", "check", *args], capture_output=True, text=True
    )


def test_json_records_and_exit_zero():
    out = run("--json", str(GOOD))
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert {r["claim"] for r in records} == {"f.def", "f", "f.symmetry"}
    for r in records:
        assert set(r) >= {"file", "claim", "verdict", "shapes", "counterexample", "steps"}
        assert r["verdict"] == "proved" and r["counterexample"] is None
        assert all(s["verdict"] == "proved" for s in r["steps"])


def test_refuted_claim_exits_one_with_counterexample(tmp_path: Path):
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(
        '[symbols]\nx = "scalar"\n[[claim]]\nid = "w"\nlhs = "grad(sigma(x), x)"\n'
        'result = "sigma(x) * (1 + sigma(x))"\n'
    )
    out = run("--json", str(wrong))
    assert out.returncode == 1
    [record] = json.loads(out.stdout)
    assert record["verdict"] == "refuted"
    cex = record["counterexample"]
    assert abs(cex["left"] - cex["right"]) > 1e-6


def test_malformed_input_exits_two_and_other_files_are_still_checked(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    sentinel = tmp_path / "pwned"
    bad.write_text(
        '[symbols]\nx = "scalar"\n[[claim]]\nid = "evil"\n'
        f"lhs = \"__import__('os').system('touch {sentinel}')\"\nresult = \"x\"\n"
    )
    out = run("--json", str(bad), str(GOOD))
    assert out.returncode == 2
    records = json.loads(out.stdout)
    assert records[0]["verdict"] == "malformed" and "bad.toml:5" in records[0]["error"]
    assert {r["verdict"] for r in records[1:]} == {"proved"}
    assert not sentinel.exists()


def test_shape_mismatch_names_file_claim_and_column(tmp_path: Path):
    bad = tmp_path / "shapes.toml"
    bad.write_text(
        '[symbols]\nU = "matrix[V, d]"\n[[claim]]\nid = "uu"\nlhs = "U @ U"\nresult = "U"\n'
    )
    out = run(str(bad))
    assert out.returncode == 2
    assert (
        "shapes.toml:5" in out.stdout and "claim 'uu'" in out.stdout and "inner sizes" in out.stdout
    )


def test_missing_path_exits_two():
    assert run("no/such/file.toml").returncode == 2


def test_files_checked_in_parallel_give_the_same_records_in_the_same_order(tmp_path: Path):
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[symbols]\nx = "scalar"\n[[claim]]\nid = "w"\nlhs = "sigma(-x)"\nresult = "sigma(x)"\n')
    files = [str(GOOD), str(wrong), str(DERIVATIONS / "b_grad_center.toml"), str(tmp_path / "missing.toml")]

    def records(jobs: str) -> list[dict]:
        out = run("--json", "--jobs", jobs, *files)
        assert out.returncode == 2, out.stderr  # the missing file is malformed; the others still checked
        return [_without_times(r) for r in json.loads(out.stdout)]

    serial = records("1")
    assert [r["verdict"] for r in serial] == ["proved"] * 3 + ["refuted", "proved", "malformed"]
    assert records("3") == serial


def _without_times(record: dict) -> dict:
    return {
        **{k: v for k, v in record.items() if k != "seconds"},
        "steps": [{k: v for k, v in s.items() if k != "seconds"} for s in record["steps"]],
    }
