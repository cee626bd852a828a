"""Sums written out with dots (symw2v/writeup/ellipsis.py): read only when the terms are one
template with one index from the first index to the last, refused otherwise; a sum so read is
checked like any other (a wrong template is refuted, never accepted)."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symw2v.diagnose.search import UNSEARCHED
from symw2v.verify.checker import check_derivation
from tests.test_writeup_reader import COLUMNS, read, read_writeup_text, refusal

DOTS = ("\\dots", "\\cdots", "\\ldots", "…", "...")
LHS = "-\\sum_{w \\in \\text{Vocab}} y_w \\log(\\hat{y}_w)"


@given(dots=st.sampled_from(DOTS), middle=st.sampled_from(["", "o", "2"]), last=st.sampled_from(["V", "|V|"]))
def test_a_sum_with_dots_is_its_template_summed_over_the_range(dots, middle, last):
    terms = ["-y_{1} \\log(\\hat{y}_{1})", *([f"-y_{middle} \\log(\\hat y_{middle})"] if middle else []),
             f"-y_{{{last}}} \\log(\\hat{{y}}_{{{last}}})"]
    latex = f" + {dots} + ".join(terms)
    assert read(latex, COLUMNS) == "sum(i in V, -(y[i] * log(yhat[i])))"


def test_the_last_term_at_the_letter_of_the_sum_written_in_the_same_row():
    row = f"{LHS} = -[y_1\\log(\\hat{{y}}_1) + \\cdots + y_o\\log(\\hat{{y}}_o) + \\cdots + y_w\\log(\\hat{{y}}_w)]"
    transcript = read_writeup_text(f"$${row}$$\n")
    [claim] = transcript.derivation.claims
    assert claim.chain[-1].text == "-sum(i in V, y[i] * log(yhat[i]))"
    assert [r.verdict for r in check_derivation(transcript.derivation)] == ["proved"]


@pytest.mark.parametrize(
    "latex, words",
    [
        # the seed's second row: the one-hot entries written in, 0 at 1 and at w, 1 at o: what
        # the terms left out between 1 and o are is not written
        ("-(0) \\log(\\hat y_1) + \\dots + -(1) \\log(\\hat y_o) + \\dots + -(0) \\log(\\hat y_V)", "differ in more"),
        ("y_1 + \\dots + y_w", "not the last index"),  # no sum over w in this row
        ("y_2 + \\dots + y_V", "at 2, not at 1"),
        ("y_1 + \\dots + y_k + \\dots + y_V", "not an index over V"),  # k ranges over K
        ("\\dots + y_V", "do not stand between"),
        ("y_1 + \\dots + \\dots + y_V", "do not stand between"),
        ("y_1 + \\dots - y_V", "do not stand between"),
        ("y_1 u_1 + \\dots + y_V u_o", "differ in more"),  # two indices
        ("x_1 + \\dots + x_V", "the terms of a sum with dots"),  # x is a scalar: x_i means nothing
    ],
)
def test_what_the_dots_leave_unsaid_is_refused(latex, words):
    assert words in refusal(latex, COLUMNS).message


@given(
    power=st.sampled_from(["", "^2"]),
    factor=st.sampled_from(["", "2", "\\hat{y}_{HOLE}"]),
    dots=st.sampled_from(DOTS),
)
def test_a_sum_with_dots_is_accepted_only_when_it_equals_the_sum(power, factor, dots):
    term = f"-{factor} y_{{HOLE}}{power} \\log(\\hat{{y}}_{{HOLE}})"
    rhs = f" + {dots} + ".join(term.replace("HOLE", h) for h in ("1", "o", "w"))
    transcript = read_writeup_text(f"$${LHS} = {rhs}$$\n")
    with mock.patch("symw2v.verify.checker.diagnose", return_value=UNSEARCHED):
        [result] = check_derivation(transcript.derivation)
    # y is one-hot: y_w^2 = y_w, so the power changes nothing; a factor does
    right = factor == ""
    assert result.verdict == ("proved" if right else "refuted"), (rhs, result.verdict)
