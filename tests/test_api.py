"""The notebook API: ``check`` and ``derive`` on files and TOML strings, rendered as LaTeX and
Markdown by the ``symw2v latex`` reports, and as exactly the JSON of ``symw2v check --json``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from symw2v import check, derive
from symw2v.derive.export import compile_pdf, latex_engine
from symw2v.report.latex import LatexReport
from tests.helpers import ROOT

SLIP = ROOT / "examples" / "seed-writeup" / "c_grad_outside.toml"
WRONG = """
[symbols]
x = "scalar"
[loss]
L = "log(sigma(x))"
[[claim]]
id = "w"
lhs = "grad(sigma(x), x)"
steps = ["sigma(x) * (1 - sigma(x))"]
result = "sigma(x) * (1 + sigma(x))"
"""


def _timeless(records: list[dict]) -> list[dict]:
    """The records without their timings (the only field that differs between two runs)."""
    for r in records:
        r.pop("seconds")
        for s in r["steps"]:
            s.pop("seconds")
    return records


def test_json_equals_the_clis():
    cli = subprocess.run([sys.executable, "-m", "symw2v.cli", "check", "--json", str(SLIP)],
                         capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert cli.returncode == 1, cli.stderr
    api = check(str(SLIP))
    assert _timeless(json.loads(api.to_json())) == _timeless(json.loads(cli.stdout))
    assert api.verdict == "refuted" and [r.claim for r in api] == ["c.case1", "c.case2"]


def test_a_toml_string_is_checked_and_rendered_with_its_counterexample():
    result = check(WRONG)
    assert result.verdict == "refuted" and result[0].file == "<string>"
    tex = result._repr_latex_()
    assert r"\tag*{\small 1: \verdict{proved}}" in tex and r"\tag*{\small 2: \verdict{refuted}}" in tex
    assert "Counterexample" in tex and r"\providecommand{\verdict}" in tex
    md = result._repr_markdown_()
    assert "❌ **refuted**" in md and "*Counterexample*" in md and md.count("$$") % 2 == 0


@pytest.mark.skipif(latex_engine() is None, reason="no LaTeX engine (pdflatex) on PATH")
def test_repr_latex_compiles(tmp_path):
    tex = tmp_path / "api.tex"
    body = check(WRONG)._repr_latex_() + check(str(SLIP))._repr_latex_() + derive(WRONG, wrt="x")._repr_latex_()
    tex.write_text(LatexReport().document(body, "api"))
    ok, log = compile_pdf(tex)
    assert ok, log[-2000:]


def test_derive_on_a_string_finds_its_only_loss():
    d = derive(WRONG, wrt="x")
    assert d.derived.of == "L" and d.formula is not None
    assert "$$" in d._repr_markdown_() and r"\[" in d._repr_latex_()
    assert str(d).startswith("#") or "[[claim]]" in str(d)


def test_derive_is_callable_after_its_package_is_imported():
    import symw2v.derive.export  # noqa: F401  (binds symw2v.derive to the package)

    assert symw2v.derive is derive and callable(symw2v.derive)
    assert derive(str(ROOT / "derivations" / "b_grad_center.toml"), wrt="v_c").formula == "U.T @ (yhat - y)"


def test_a_missing_path_is_an_error():
    with pytest.raises(FileNotFoundError):
        check("no/such/file.toml")


def test_derive_without_a_formula_form_shows_the_component():
    from tests.helpers import GLOVE

    d = derive(GLOVE, wrt="W")
    assert d.formula is None and str(d).startswith("# component ['j', 'k']")
    assert r"\left(\frac{\partial J}{\partial \mathbf{W}}\right)_{j,k}" in d._repr_latex_()
