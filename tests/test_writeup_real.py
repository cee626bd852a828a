"""The real write-ups of tests/data/writeups/ (nine public write-ups of the assignment, 101 chains
with hand verdicts in expected.toml), read with the shipped notation as they are written.

For every chain of expected.toml: either it is read whole (a claim starts on its left-hand side's
line, none of its formulas left out) and gets the hand verdict (correct: proved or checked; slip:
refuted, or malformed for a step of the wrong shape), or what stopped the reader is reported at a
line of that chain. Never a verdict other than the hand one, with one exception the data states
itself: where its note says the hand verdict rests on a layout the write-up declares in words (y
and yhat as row vectors) or tolerates a "layout switch" (a row silently turned into the column
gradient), the shipped notation's columns are not the write-up's, and the checker's verdict under
them (refuted: a row where a column is expected) is the right one for that notation. A chain
about the skip-gram window read once per pair loss (symw2v/writeup/pairloss.py) is several claims
at one line: it is read only when there is a claim for every pair loss, and then every one of them
must have the hand verdict. The counts are kept from going down (``READ_AT_LEAST``).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from symw2v.writeup.pairloss import pair_losses
from symw2v.writeup.report import check_writeup

DATA = Path(__file__).resolve().parent / "data" / "writeups"
EXPECTED = tomllib.loads((DATA / "expected.toml").read_text()) if (DATA / "expected.toml").exists() else {}
CHAINS = EXPECTED.get("chain", [])
FILES = sorted({c["file"] for c in CHAINS})
WANT = {"correct": {"proved", "checked"}, "slip": {"refuted", "malformed"}}
READ_AT_LEAST = 44
# the hand verdict rests on the write-up's own layout, not the shipped notation's (see the docstring)
OWN_LAYOUT = re.compile(r"layout switch|declared rows|declares y and yhat row vectors")

pytestmark = pytest.mark.skipif(not CHAINS, reason="tests/data/writeups/expected.toml is not here")


@pytest.fixture(scope="module")
def reports():
    return {name: check_writeup(DATA / name, budget=20.0, jobs=2) for name in FILES}


def outcome(report, chain: dict, next_line: int) -> tuple[str, str]:
    """("read", verdicts) when the chain was read whole, ("unread", message) when what stopped
    the reader is reported on its lines, else ("lost", "")."""
    transcript = report.transcript
    claims = (
        [r for r in report.results if r.line == chain["lhs_line"]]
        or [r for r in report.results if chain["line"] <= r.line <= chain["lhs_line"]]
        # the same left-hand side as an earlier display (the question's): that claim goes on here
        or [r for r in report.results if transcript is not None and any(
            transcript.line_of(r.claim, k) == chain["lhs_line"] for k in range(1, len(transcript.claims[r.claim].sides))
        )]
    )
    whole = [r for r in claims if transcript is not None and not transcript.claims[r.claim].skipped]
    partial = _some_losses_only(report, whole)
    if partial:
        return "unread", partial
    if whole:
        return "read", ",".join(sorted({r.verdict for r in whole}))
    notes = [u for u in report.unread if chain["line"] <= u.line < max(next_line, chain["lhs_line"] + 1)]
    if notes:
        return "unread", notes[0].message
    return "lost", ""


def _some_losses_only(report, claims) -> str:
    """Why a chain read per pair loss is not read whole: a loss that has no claim of it."""
    losses: dict[int, set[str]] = {}
    for r in claims:
        chain = report.transcript.claims[r.claim]
        if chain.loss:
            losses.setdefault(chain.start, set()).add(chain.loss)
    for got in losses.values():
        missing = set(pair_losses(report.transcript.notation)) - got
        if missing:
            return f"read for some pair losses only (not {', '.join(sorted(missing))})"
    return ""


def test_every_chain_is_read_with_its_verdict_or_reported_where_it_is(reports):
    rows = []
    for name in FILES:
        chains = sorted((c for c in CHAINS if c["file"] == name), key=lambda c: c["lhs_line"])
        starts = sorted({c["line"] for c in chains})
        for chain in chains:
            later = [s for s in starts if s > chain["line"]]
            kind, what = outcome(reports[name], chain, later[0] if later else 10**9)
            want = WANT[chain["verdict"]] | (WANT["slip"] if OWN_LAYOUT.search(chain.get("note", "")) else set())
            rows.append((name, chain["lhs_line"], want, kind, what))
    wrong = [r for r in rows if r[3] == "read" and not set(r[4].split(",")) <= r[2]]
    assert not wrong, wrong
    lost = [r for r in rows if r[3] == "lost"]
    assert not lost, lost
    counts = Counter(r[3] for r in rows)
    assert counts["read"] >= READ_AT_LEAST, counts
    print(f"\n{counts['read']} of {len(rows)} chains read with the hand verdict, {counts['unread']} reported not read")
    for name in FILES:  # per file (pytest -s): chains of expected.toml, read with the hand verdict; claims checked
        mine = [r for r in rows if r[0] == name]
        verdicts = Counter(r.verdict for r in reports[name].results)
        print(f"{name:36} {sum(r[3] == 'read' for r in mine):3} of {len(mine):3} read;  "
              f"{len(reports[name].results):3} claims checked {dict(verdicts)}")
