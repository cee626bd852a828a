"""``symw2v check`` on write-ups: verdicts at the write-up's lines, what was not read, exit codes,
``--notation`` and ``--emit-toml`` (a transcription that checks the same, written atomically)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WRITEUP = r"""# Naive softmax

The gradient with respect to the center vector:

$$
\begin{aligned}
\frac{\partial J}{\partial \mathbf{v}_c} &= -\mathbf{u}_o + \sum_{w \in \text{Vocab}} \hat{y}_w \mathbf{u}_w \\
&= \mathbf{U} (\hat{\mathbf{y}} - \mathbf{y})
\end{aligned}
$$

and the sigmoid, with a slip:

$$\sigma'(x) = \sigma(x) (1 + \sigma(x))$$

and something this reader does not know:

$$\frac{\partial J}{\partial \mathbf{v}_c} = \mathbf{M} \mathbf{v}_c$$
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "symw2v.cli", "check", *args], capture_output=True, text=True, cwd=cwd
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_verdicts_point_at_the_lines_of_the_write_up(tmp_path):
    path = write(tmp_path, "writeup.md", WRITEUP)
    out = run("--json", "--jobs", "1", str(path))
    assert out.returncode == 1, out.stderr
    records = json.loads(out.stdout)
    claims = {r["line"]: r for r in records if r["verdict"] != "unread"}
    assert claims[7]["verdict"] == "proved" and [s["line"] for s in claims[7]["steps"]] == [7, 8]
    assert claims[14]["verdict"] == "refuted" and claims[14]["counterexample"] is not None
    [unread] = [r for r in records if r["verdict"] == "unread"]
    assert (unread["line"], unread["column"]) == (18, 46)
    assert "M" in unread["error"] and unread["suggestion"]
    table = run("--jobs", "1", "--steps", str(path)).stdout
    assert "writeup.md:14" in table and "(line 8)" in table and "writeup.md:18:46" in table


def test_nothing_read_is_malformed_and_other_files_are_still_checked(tmp_path):
    empty = write(tmp_path, "prose.md", "No math here.\n")
    unreadable = write(tmp_path, "odd.md", "$$\\mathbf{M} = \\mathbf{N} \\mathbf{q}$$\n$$\\foo = 1$$\n")
    good = Path(__file__).resolve().parent.parent / "derivations" / "f_sigmoid.toml"
    out = run("--json", str(empty), str(unreadable), str(good))
    assert out.returncode == 2
    records = json.loads(out.stdout)
    assert {r["verdict"] for r in records if r["file"] == str(good)} == {"proved"}
    [none] = [r for r in records if r["file"] == str(empty)]
    assert none["verdict"] == "malformed" and "no display math" in none["error"]
    odd = [r for r in records if r["file"] == str(unreadable)]
    assert {r["verdict"] for r in odd} == {"malformed", "unread"}
    assert any(r.get("line") == 2 and "\\foo" in r["error"] for r in odd)


def test_the_notation_can_be_chosen_and_a_bad_one_is_refused(tmp_path):
    rows_only = "$$\\frac{\\partial J}{\\partial \\mathbf{v}_c} = \\mathbf{U}^\\top (\\hat y - y)$$\n"
    path = write(tmp_path, "w.md", rows_only)
    assert run("--notation", "rows", str(path)).returncode == 0
    columns = run("--json", "--notation", "columns", str(path))  # U^T (yhat - y) is ill-shaped in columns
    assert columns.returncode == 1 and json.loads(columns.stdout)[0]["verdict"] == "refuted"
    bad = write(tmp_path, "bad.toml", "[symbols]\nx = 'tensor'\n")
    out = run("--notation", str(bad), str(path))
    assert out.returncode == 2 and "notation" in out.stdout


def test_emit_toml_writes_a_transcription_that_checks_the_same(tmp_path):
    path = write(tmp_path, "writeup.md", WRITEUP)
    target = tmp_path / "read.toml"
    first = run("--json", "--jobs", "1", str(path), "--emit-toml", str(target))
    assert target.read_text().startswith("# Read by symw2v")
    again = run("--json", "--jobs", "1", str(target))
    assert again.returncode == first.returncode == 1
    verdicts = [(r["claim"], r["verdict"], [s["verdict"] for s in r["steps"]]) for r in json.loads(again.stdout)]
    records = [r for r in json.loads(first.stdout) if "steps" in r]  # not the unread one
    read = [(r["claim"], r["verdict"], [s["verdict"] for s in r["steps"]]) for r in records]
    assert verdicts == read and len(read) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["read.toml", "writeup.md"]  # no temporary file left


def test_emit_toml_beside_the_write_up_never_overwrites_a_file_of_the_user(tmp_path):
    path = write(tmp_path, "writeup.md", WRITEUP)
    mine = write(tmp_path, "writeup.toml", "# my own notes\n")
    out = run(str(path), "--emit-toml")
    assert out.returncode == 2 and "not written by symw2v" in out.stdout
    assert mine.read_text() == "# my own notes\n"
    mine.unlink()
    run(str(path), "--emit-toml")
    assert (tmp_path / "writeup.toml").read_text().startswith("# Read by symw2v")
    run(str(path), "--emit-toml")  # its own file is replaced
    assert (tmp_path / "writeup.toml").read_text().startswith("# Read by symw2v")


def test_a_latex_file_and_an_error_of_the_checker_at_its_line(tmp_path):
    path = write(
        tmp_path,
        "w.tex",
        "\\documentclass{article}\n\\begin{document}\n% $$ x = 2 $$\n\\begin{align*}\n"
        "\\frac{\\partial J}{\\partial \\hat{\\mathbf{y}}} &= \\hat{\\mathbf{y}} \\\\\n"
        "\\sigma(x) &= \\frac{1}{1 + e^{-x}}\n\\end{align*}\n\\end{document}\n",
    )
    records = json.loads(run("--json", str(path)).stdout)
    by_line = {r["line"]: r for r in records}
    assert by_line[6]["verdict"] == "proved"
    malformed = by_line[5]
    assert malformed["verdict"] == "malformed" and f"{path}:5:" in malformed["error"]


def test_a_section_in_another_layout_is_read_and_written_on_its_own(tmp_path):
    path = write(
        tmp_path,
        "w.md",
        "$$\\frac{\\partial J}{\\partial \\mathbf{v}_c} = \\mathbf{U} (\\hat y - y)$$\n\n"
        "In the code, rows:\n\n$$\\frac{\\partial J}{\\partial \\mathbf{v}_c} = \\mathbf{U}^\\top (\\hat y - y)$$\n",
    )
    notation = write(tmp_path, "n.toml", '[[section]]\nlines = [5, 5]\nnotation = "rows"\n')
    shipped = (Path(__file__).resolve().parent.parent / "symw2v" / "writeup" / "data" / "columns.toml").read_text()
    notation.write_text(shipped + notation.read_text())
    out = run("--json", "--notation", str(notation), str(path), "--emit-toml", str(tmp_path / "read.toml"))
    assert out.returncode == 0, out.stdout
    assert [(r["line"], r["verdict"]) for r in json.loads(out.stdout)] == [(1, "proved"), (5, "proved")]
    written = sorted(p.name for p in tmp_path.glob("read*.toml"))
    assert written == ["read.lines-5-5.toml", "read.toml"]
    for name in written:
        assert run(str(tmp_path / name)).returncode == 0
