"""The skip-gram window as write-ups write it (symw2v/writeup/window.py): what is read, what is
refused, and that the verdicts of window chains are the checker's (right ones proved, wrong ones
refuted or malformed, never accepted)."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symw2v.diagnose.search import UNSEARCHED
from symw2v.verify.checker import check_derivation
from symw2v.writeup.notation import NotationError, load_notation, notation_from_text
from tests.helpers import ROOT
from tests.test_writeup_reader import chains_of, read, read_writeup_text, refusal

ROWS, COLUMNS = load_notation("rows"), load_notation("columns")
PAIR = {"columns": "-log(softmax(U.T @ v_c)[ctx[j]])", "rows": "-log(softmax(U @ v_c)[ctx[j]])"}
WINDOW = "w_{t-m}, \\dots, w_{t+m}"
SUMS = (
    r"\sum_{\substack{-m \leq j \leq m \\ j \neq 0}}",
    r"\sum_{-m \le j \le m \atop j \ne 0}",
    r"\sum_{-m\leq j\leq m, j\neq 0}",
    r"\sum_{j \neq 0, -m \leq j \leq m}",
)


@pytest.mark.parametrize("notation", [COLUMNS, ROWS], ids=["columns", "rows"])
@pytest.mark.parametrize("window_sum", SUMS[:3])
def test_a_sum_over_the_window_of_a_pair_loss(notation, window_sum):
    latex = window_sum + r" J(\mathbf{v}_c, w_{t+j}, \mathbf{U})"
    assert read(latex, notation) == f"sum(j in M, {PAIR[notation.name]})"


@pytest.mark.parametrize("head", ["J_{\\text{skip-gram}}", "\\mathbf{J}", "J_{\\text{naive-softmax}}"])
@pytest.mark.parametrize("dots", ["\\dots", "\\ldots", "..."])
def test_the_window_as_arguments_is_the_sum_of_the_loss_over_it(head, dots):
    latex = f"{head}(\\mathbf{{v}}_c, {WINDOW.replace(chr(92) + 'dots', dots)}, \\mathbf{{U}})"
    assert read(latex, COLUMNS) == f"sum(j in M, {PAIR['columns']})"


def test_the_window_sum_of_the_neg_sample_loss_replaces_its_outside_word():
    got = read(f"J_{{neg-sample}}(v_c, {WINDOW}, U)", COLUMNS)
    assert got == ("sum(j in M, -log(sigma(U[:, ctx[j]].T @ v_c)) - sum(q in K, log(sigma(-U[:, ws[q]].T @ v_c))))")


@pytest.mark.parametrize(
    "latex, words",
    [
        (r"\sum_{-m \leq j \leq m} J(v_c, w_{t+j}, U)", "a \\sum over"),  # the center is not excluded
        (r"\sum_{-m < j \leq m, j \neq 0} J(v_c, w_{t+j}, U)", "a \\sum over"),
        (r"\sum_{-m \leq j \leq n, j \neq 0} J(v_c, w_{t+j}, U)", "a \\sum over"),  # not symmetric
        (r"\sum_{j \in V} J(v_c, w_{t+j}, U)", "not bound by a sum over the window"),
        (r"J(v_c, w_{t+j}, U)", "not bound by a sum over the window"),  # j free
        (r"J(v_c, w_{t+m}, U)", "not bound by a sum over the window"),
        (r"\hat y_{w_{t+m}}", "an end of the window"),
        (r"\sum_{-m \leq j \leq m, j \neq 0} J(v_c, w_{t-j}, U)", "a window word is written w_{t+j}"),
        (r"J(v_c, w_{t-m}, \dots, w_{t+m}, \hat y)", "not symbols of the notation"),
        (r"\sum_{-m \leq j \leq m, j \neq 0} J(v_c, w_{t-m}, \dots, w_{t+m}, w_{t+j})", "a window word and the whole"),
    ],
)
def test_what_is_not_the_window_is_refused(latex, words):
    assert words in refusal(latex, COLUMNS).message


def test_a_notation_without_a_window_refuses_it():
    shipped = (ROOT / "symw2v" / "writeup" / "data" / "columns.toml").read_text()
    bare = shipped.split("\n[window]")[0] + "\n[sets]\nVocab = \"V\"\n"
    assert "declare [window]" in refusal(SUMS[0] + " x", notation_from_text(bare)).suggestion
    for bad in ('[window]\nwords = "ws"\n', '[window]\nwords = "o"\noutside = "o"\n',
                '[window]\nwords = "ctx"\noutside = "k"\n'):
        with pytest.raises(NotationError, match="window"):
            notation_from_text(bare + bad)


def _chain(lhs_by: str, rhs: str) -> str:
    return (f"$$\\frac{{\\partial J_{{\\text{{skip-gram}}}}(\\mathbf{{v}}_c, {WINDOW}, \\mathbf{{U}})}}"
            f"{{\\partial {lhs_by}}} = {rhs}$$\n")


def _verdicts(text: str, notation=COLUMNS) -> list[str]:
    """The verdicts only: the diagnosis of a refuted step is not searched (it is tested with
    the diagnoses, and costs seconds here)."""
    transcript = read_writeup_text(text, notation)
    assert transcript.derivation is not None and not transcript.dropped
    with mock.patch("symw2v.verify.checker.diagnose", return_value=UNSEARCHED):
        return [r.verdict for r in check_derivation(transcript.derivation)]


@pytest.mark.parametrize("notation", [COLUMNS, ROWS], ids=["columns", "rows"])
def test_the_skip_gram_gradients_as_the_course_states_them_are_proved(notation):
    text = "".join(
        _chain(by, f"{SUMS[0]} \\frac{{\\partial J(\\mathbf{{v}}_c, w_{{t+j}}, \\mathbf{{U}})}}{{\\partial {by}}}")
        for by in ("\\mathbf{U}", "\\mathbf{v}_c")
    )
    assert _verdicts(text, notation) == ["proved", "proved"]


@given(
    coefficient=st.sampled_from(["", "-", "2", "\\frac{1}{2}", "(1 + 0)"]),
    by=st.sampled_from(["\\mathbf{U}", "\\mathbf{v}_c"]),
    window_sum=st.sampled_from(SUMS),
)
def test_a_window_chain_is_accepted_only_when_it_is_right(coefficient, by, window_sum):
    pair = f"\\frac{{\\partial J(\\mathbf{{v}}_c, w_{{t+j}}, \\mathbf{{U}})}}{{\\partial {by}}}"
    rhs = f"{coefficient} {window_sum} {pair}"
    right = coefficient in ("", "(1 + 0)")
    assert _verdicts(_chain(by, rhs)) == (["proved"] if right else ["refuted"])


def test_a_window_chain_by_the_wrong_variable_is_not_accepted():
    rhs = f"{SUMS[0]} \\frac{{\\partial J(\\mathbf{{v}}_c, w_{{t+j}}, \\mathbf{{U}})}}{{\\partial \\mathbf{{v}}_c}}"
    assert _verdicts(_chain("\\mathbf{U}", rhs)) == ["malformed"]
    # one pair only, not the window: refuted
    one = "\\frac{\\partial J(\\mathbf{v}_c, o, \\mathbf{U})}{\\partial \\mathbf{U}}"
    assert _verdicts(_chain("\\mathbf{U}", one)) == ["refuted"]


def test_zero_after_a_vector_or_a_matrix_is_its_zero():
    reading, chains = chains_of("$$\\frac{\\partial J}{\\partial \\mathbf{U}} = 0$$\n\n"
                                "$$\\frac{\\partial J}{\\partial \\mathbf{v}_c} = 0$$\n")
    assert [c[-1][1] for c in chains] == ["zeros(d, V)", "zeros(d)"]
    assert _verdicts("$$\\frac{\\partial J}{\\partial \\mathbf{v}_c} = 0$$\n") == ["refuted"]
