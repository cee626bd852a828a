"""``symw2v derive``: gradients regenerated from the losses check against the hand-written claims.

For every claim of derivations/ that takes a gradient, the regenerated forms (matrix and index,
*not* pre-verified by derive) are put into one chain ``grad(J, X) = index = matrix = the
hand-written result`` under the claim's assumptions, and every link must be proved or checked.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from symw2v.cli import main
from symw2v.derivation.loader import load, loads
from symw2v.derive.regenerate import INDEX, MATRIX, derive, skeleton, skeleton_text, targets
from symw2v.verify.checker import check_derivation

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "derivations").glob("*.toml"))
OK = {"proved", "checked"}


def gradient_claims():
    for path in FILES:
        derivation = load(path)
        for claim in derivation.claims:
            if claim.wrt is not None:
                yield pytest.param(path, claim.id, id=f"{path.stem}:{claim.id}")


_DERIVED: dict = {}


def derived(path: Path, of: str, wrt: str):
    key = (path, of, wrt)
    if key not in _DERIVED:
        _DERIVED[key] = derive(load(path), wrt, of, verify=False)
    return _DERIVED[key]


@pytest.mark.parametrize(("path", "claim_id"), list(gradient_claims()))
def test_regenerated_forms_check_against_the_hand_written_claim(path: Path, claim_id: str):
    derivation = load(path)
    claim = next(c for c in derivation.claims if c.id == claim_id)
    of = claim.lhs.tree.args[0].id
    d = derived(path, of, claim.wrt.text)
    assert d.forms, f"no form regenerated for grad({of}, {claim.wrt.text})"
    steps = tuple(d.forms[k] for k in (INDEX, MATRIX) if k in d.forms)
    text = skeleton_text(
        derivation, of, claim.wrt.text, claim.result.text, steps=steps, assume=tuple(a.text for a in claim.assume)
    )
    (result,) = check_derivation(loads(text, str(path)))
    assert result.verdict in OK, [(s.number, s.left, s.right, s.verdict, s.shown) for s in result.steps]


def test_the_check_fails_for_a_wrong_regenerated_form():
    path = ROOT / "derivations" / "b_grad_center.toml"
    derivation = load(path)
    d = derived(path, "J", "v_c")
    assert d.forms[MATRIX] == "U.T @ (yhat - y)"
    wrong = skeleton_text(derivation, "J", "v_c", "U.T @ (y - yhat)")
    (result,) = check_derivation(loads(wrong, str(path)))
    assert result.verdict == "refuted"


def test_known_patterns_are_recognised():
    expect = {
        ("b_grad_center.toml", "v_c"): "U.T @ (yhat - y)",
        ("d_grad_outside_matrix.toml", "U"): "outer(yhat, v_c) - outer(y, v_c)",
        ("c_grad_outside.toml", "u_o"): "v_c * yhat[o] - v_c",
        ("g1_neg_sampling.toml", "U[ws[s]]"): "v_c * sigma(U[ws[s]] @ v_c)",
    }
    for (name, wrt), text in expect.items():
        d = derived(ROOT / "derivations" / name, "J", wrt)
        assert d.kind == MATRIX and d.forms[MATRIX] == text, d.forms
    g = derived(ROOT / "derivations" / "g1_neg_sampling.toml", "J", "v_c")
    assert g.forms[MATRIX].startswith("U[ws].T @ sigma(U[ws] @ v_c)")  # a gather, transposed


def test_every_target_of_derivations_gets_a_form_and_most_a_matrix_form():
    kinds = []
    for path in FILES:
        for of, wrt in targets(load(path)):
            kinds.append(derived(path, of, wrt).kind)
    assert kinds and all(k in (MATRIX, INDEX) for k in kinds)
    assert kinds.count(MATRIX) >= len(kinds) - 3, kinds


def test_skeleton_is_a_derivation_file_that_checks():
    d = derive(load(ROOT / "derivations" / "b_grad_center.toml"), "v_c")
    text = skeleton(d)
    data = tomllib.loads(text)
    assert data["claim"][0]["result"] == "U.T @ (yhat - y)" and data["claim"][0]["wrt"] == "v_c"
    assert all(r.verdict in OK for r in check_derivation(loads(text, "<skeleton>")))


def test_cli_derive_writes_toml_and_latex(tmp_path):
    runner = CliRunner()
    file = str(ROOT / "derivations" / "d_grad_outside_matrix.toml")
    out = runner.invoke(main, ["derive", file, "--wrt", "U"])
    assert out.exit_code == 0, out.output
    assert tomllib.loads(out.output)["claim"][0]["result"] == "outer(yhat, v_c) - outer(y, v_c)"
    out = runner.invoke(main, ["derive", file, "--wrt", "U", "--latex"])
    assert r"\hat{\mathbf{y}} \mathbf{v}_{c}^\top - \mathbf{y} \mathbf{v}_{c}^\top" in out.output
    out = runner.invoke(main, ["derive", "--all", file, "-o", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "1 gradients: 1 in matrix form, 0 in index form only" in out.output
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".tex", ".toml"]
