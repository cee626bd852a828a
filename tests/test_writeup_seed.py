"""The source write-up (shared/seed/), read as it is written, gets the verdicts of its hand
transcription (examples/seed-writeup/), step by step, for every chain both have: the chains and
steps are paired by tests/writeup_compare.py from the formulas themselves, not from a table.

The seed's notation is tests/data/seed/notation.toml: vectors are columns, and the layout of U
changes with the section as the write-up's formulas show (V×d in 1.1-1.2 and 2.2, d×V in 1.3-1.8,
the skip-gram window with center vectors Vc in 1.9, rows in 2.3, each a [[section]] read into its
own derivation); the assumptions its text states in words (C > 0, w != c) are written there too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from symw2v.verify.checker import check_files
from symw2v.writeup import read_writeup
from symw2v.writeup.report import check_writeup
from tests.helpers import ROOT
from tests.writeup_compare import compare

SEED_DIR = ROOT.parent / "shared" / "seed"
SEEDS = sorted(SEED_DIR.glob("*.txt"))
NOTATION = ROOT / "tests" / "data" / "seed" / "notation.toml"
TRANSCRIPTION = ROOT / "examples" / "seed-writeup"

pytestmark = pytest.mark.skipif(not SEEDS, reason="the source write-up (../shared/seed/) is not here")


@pytest.fixture(scope="module")
def read_and_hand():
    report = check_writeup(SEEDS[0], NOTATION, jobs=2)
    hand = check_files([TRANSCRIPTION], jobs=2)
    return report, hand


def test_the_seed_is_read_as_written(read_and_hand):
    report, _ = read_and_hand
    assert report.error is None
    assert len(report.results) >= 25  # chains of = read and checked
    assert len(report.transcript.all_parts) == 4  # the sections of the notation, each its derivation
    assert all(r.verdict in ("proved", "refuted") for r in report.results), [
        (r.claim, r.verdict, r.error) for r in report.results if r.verdict not in ("proved", "refuted")
    ]
    # what is not read is what a reader must not guess: (a)'s second row, whose dots leave out
    # terms that the terms around them do not say (-(0) log yhat_1 + ... + -(1) log yhat_o + ...)
    [unread] = report.unread
    assert "the terms around the dots differ" in unread.message and "-(0)" in unread.latex


def test_every_chain_both_have_gets_the_same_step_verdicts(read_and_hand):
    report, hand = read_and_hand
    ours = [
        (p.derivation, [r for r in report.results if r.claim in p.claims])
        for p in report.transcript.all_parts
        if p.derivation is not None
    ]
    compared = compare(hand, ours)
    disagree = [(c.theirs, c.ours, i, j, a, b) for c in compared for i, j, a, b in c.pairs if a != b]
    assert not disagree
    steps = sum(len(c.pairs) for c in compared)
    hand_steps = sum(len(r.steps) for _, results in hand for r in results)
    assert steps >= 83 and steps / hand_steps > 0.94, (steps, hand_steps)
    print(f"\n{steps} of the transcription's {hand_steps} steps paired, all with its verdict")
    # every slip of the hand transcription that the write-up states readably is found again
    slips = {(c.theirs, i) for c in compared for i, _, a, _ in c.pairs if a[0] == "refuted"}
    assert slips == {("b", 4), ("b", 5), ("c.case1", 7), ("d", 1), ("d.known_0", 1), ("d.onehot", 1), ("h", 4),
                     ("2.2.U", 1), ("2.3.v_c", 2)}, slips  # all nine


def test_the_report_points_at_lines_of_the_write_up(read_and_hand):
    report, _ = read_and_hand
    text = Path(SEEDS[0]).read_text().splitlines()
    wrong_index = next(r for r in report.results if any("yhat[0]" in (s.diagnosis or "") for s in r.steps))
    step = next(s for s in wrong_index.steps if s.verdict == "refuted")
    assert r"\hat{\mathbf{y}}_0 - 1" in text[step.line - 1]
    assert wrong_index.line < step.line
    for unread in report.unread:
        written = unread.latex[unread.local[0] :][:3]
        assert text[unread.line - 1][unread.column - 1 :].startswith(written)


def test_the_convention_is_the_one_that_reads_more():
    transcript = read_writeup(SEEDS[0])
    assert transcript.notation.name == "rows"  # U v_c and U^T (yhat - y): rows, as the transcription says
    assert transcript.alternatives["rows"] > transcript.alternatives["columns"]
