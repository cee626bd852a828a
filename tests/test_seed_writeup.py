"""The source write-up transcribed as written: the verdict of every step, and the diagnosis of
every wrong one. Steps not listed in WRONG must be proved (never flagged)."""

from __future__ import annotations

import pytest

from symw2v.verify.checker import check_paths
from tests.helpers import ROOT

SEED = ROOT / "examples" / "seed-writeup"

# (file stem, claim, step) -> (verdict, words the diagnosis must contain)
WRONG = {
    ("c_grad_outside", "c.case1", 7): ("refuted", "wrong index: `yhat[0]` should use o instead of 0"),
    ("d_grad_outside_matrix", "d", 1): ("refuted", "dropped term: `- y` is missing next to `yhat`"),
    ("d_grad_outside_matrix", "d", 2): ("refuted", "transpose (row vs column convention)"),
    ("h_repeated_samples", "h", 4): ("refuted", "sign flip"),
    ("programming", "2.3.v_c", 2): ("refuted", "a constant inside sigma belongs outside"),
}
STEPS = {
    "a": 3,
    "b": 6,
    "c.case1": 7,
    "c.case2": 6,
    "d.row": 1,
    "d": 2,
    "e": 1,
    "f.def": 2,
    "f": 10,
    "f.symmetry": 1,
    "g.v_c": 11,
    "g.u_o": 4,
    "g.u_ws": 4,
    "h": 5,
    "i.U": 1,
    "i.v_c": 1,
    "i.v_w": 1,
    "2.3.v_c": 2,
    "2.3.u_ws": 1,
}


@pytest.fixture(scope="module")
def results():
    return {r.claim: r for r in check_paths([SEED])}


def test_every_chain_of_the_write_up_is_transcribed(results):
    assert {claim: len(r.steps) for claim, r in results.items()} == STEPS


@pytest.mark.parametrize("claim", sorted(STEPS))
def test_verdict_of_every_step(results, claim):
    result = results[claim]
    stem = result.file.rsplit("/", 1)[-1].removesuffix(".toml")
    for step in result.steps:
        verdict, words = WRONG.get((stem, claim, step.number), ("proved", None))
        assert step.verdict == verdict, (claim, step.number, step.shown)
        if verdict == "refuted" and step.shown.startswith("convention: shape"):
            assert step.counterexample is None  # refuted by its shape: d×V where V×d is declared
        elif verdict == "refuted":
            assert step.counterexample is not None
            assert abs(step.counterexample.left - step.counterexample.right) > 1e-6
        if words:
            assert words in (step.diagnosis or ""), (claim, step.number, step.diagnosis)


def test_a_slip_that_is_undone_is_back_on_track(results):
    h = results["h"]
    assert h.steps[3].verdict == "refuted" and h.steps[4].verdict == "proved"
    assert h.steps[4].compared_with == 3 and "back on track" in h.steps[4].note
