"""A bare J in a chain about the skip-gram window, after the write-up names another loss
(symw2v/writeup/pairloss.py): read once per pair loss of the notation, a claim each, right only if
right for each; everywhere else still refused."""

from __future__ import annotations

from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from symw2v.diagnose.search import UNSEARCHED
from symw2v.language.printer import to_text
from symw2v.verify.checker import check_derivation
from symw2v.writeup.pairloss import pair_losses
from tests.test_writeup_reader import COLUMNS, ROWS, chains_of, read, read_writeup_text, refusal

# part (e) names J_{neg-sample}; after it, in part (i), nothing says which loss a bare J is
NEG = (
    "## (e)\n\n"
    r"$$J_{neg-sample}(v_c, o, U) = -\log \sigma(u_o^T v_c) - \sum_{k=1}^K \log \sigma(-u_k^T v_c)$$"
    "\n\n## (i)\n\n"
)
WINDOW_SUM = r"\sum_{\substack{-m \leq j \leq m \\ j \neq 0}}"
SKIP_GRAM = r"J_{\text{skip-gram}}(\mathbf{v}_c, w_{t-m}, \dots, w_{t+m}, \mathbf{U})"
U, V_C = r"\mathbf{U}", r"\mathbf{v}_c"


def by(variable: str, rhs: str) -> str:
    """A display: the derivative of the skip-gram loss by ``variable`` = ``rhs``."""
    return f"$$\\frac{{\\partial {SKIP_GRAM}}}{{\\partial {variable}}} = {rhs}$$\n\n"


def pair(variable: str) -> str:
    return f"\\frac{{\\partial J(\\mathbf{{v}}_c, w_{{t+j}}, \\mathbf{{U}})}}{{\\partial {variable}}}"


def claims(text: str, notation=COLUMNS) -> dict[str, str]:
    """Claim id -> verdict, the claims of the window (the statement of J_{neg-sample} left out);
    the diagnosis of a refuted step is not searched (it costs seconds, and is tested elsewhere)."""
    transcript = read_writeup_text(text, notation)
    assert transcript.derivation is not None and not transcript.dropped
    with mock.patch("symw2v.verify.checker.diagnose", return_value=UNSEARCHED):
        results = check_derivation(transcript.derivation)
    return {r.claim: r.verdict for r in results if not (text.startswith(NEG) and r.claim == "L3")}


def test_the_pair_losses_are_the_notations_losses_that_take_the_outside_word():
    assert pair_losses(COLUMNS) == pair_losses(ROWS) == ("J_naive_softmax", "J_neg_sample")


def test_a_right_window_chain_after_neg_sample_is_named_is_a_claim_per_loss_all_proved():
    text = NEG + by(U, f"{WINDOW_SUM} {pair(U)}") + by(V_C, f"{WINDOW_SUM} {pair(V_C)}")
    assert claims(text) == {
        "L7.naive_softmax": "proved", "L7.neg_sample": "proved",
        "L9.naive_softmax": "proved", "L9.neg_sample": "proved",
    }  # fmt: skip
    transcript = read_writeup_text(text)
    says = {cid: claim.says for cid, claim in zip(transcript.claims, transcript.derivation.claims, strict=True)}
    assert "(J read as J_neg_sample)" in says["L7.neg_sample"]
    assert "(J read as J_naive_softmax)" in says["L7.naive_softmax"]
    # every bare J of the chain is that loss, its outside word the window's
    read_as = {cid: [to_text(s.value.node) for s in transcript.claims[cid].sides] for cid in says}
    assert all("sigma(U[:, ctx[j]].T @ v_c)" in side and "softmax" not in side for side in read_as["L7.neg_sample"])
    assert all("softmax(U.T @ v_c)[ctx[j]]" in side and "sigma" not in side for side in read_as["L7.naive_softmax"])


def test_the_window_as_a_bare_js_arguments_and_a_window_sum_on_the_right_are_about_the_window():
    # the left-hand side is the bare J of the whole window; the right, the sum of the pair loss
    text = NEG + f"$$J(v_c, w_{{t-m}}, \\dots, w_{{t+m}}, U) = {WINDOW_SUM} J(v_c, w_{{t+j}}, U)$$\n"
    assert claims(text) == {"L7.naive_softmax": "proved", "L7.neg_sample": "proved"}


def test_a_chain_right_for_naive_softmax_only_is_refuted_for_neg_sample():
    # the naive-softmax loss of each pair written out: -log yhat of the outside word
    loss = NEG + f"$${SKIP_GRAM} = {WINDOW_SUM} -\\log \\hat{{y}}_{{w_{{t+j}}}}$$\n"
    assert claims(loss) == {"L7.naive_softmax": "proved", "L7.neg_sample": "refuted"}
    # its gradient by v_c: U yhat - u_o for each pair
    gradient = NEG + by(V_C, f"{WINDOW_SUM} (\\mathbf{{U}} \\hat{{y}} - \\mathbf{{u}}_{{w_{{t+j}}}})")
    assert claims(gradient) == {"L7.naive_softmax": "proved", "L7.neg_sample": "refuted"}


def test_without_another_loss_named_a_window_chain_is_one_claim_of_the_naive_softmax():
    text = by(U, f"{WINDOW_SUM} {pair(U)}")
    assert claims(text) == {"L1": "proved"}
    transcript = read_writeup_text(text)
    assert list(transcript.claims) == ["L1"] and transcript.claims["L1"].loss == ""


def test_outside_window_chains_a_bare_j_after_neg_sample_is_still_refused():
    # the left-hand side: the chain is refused where the J is
    reading, chains = chains_of(NEG + r"$$\frac{\partial J}{\partial v_c} = U(\hat{y} - y)$$" + "\n")
    assert len(chains) == 1 and chains[0][0][1] == "J_neg_sample"
    assert [(u.line, "which loss is it?" in u.message) for u in reading.unread] == [(7, True)]
    # a step: left out of its chain, reported
    step = NEG + r"$$\frac{\partial J_{naive-softmax}}{\partial v_c} = \frac{\partial J}{\partial v_c} = U(\hat y-y)$$"
    reading, chains = chains_of(step + "\n")
    assert chains[1] == [(7, "grad(J_naive_softmax, v_c)"), (7, "U @ (yhat - y)")]
    assert len(reading.chains[1].skipped) == 1 and "which loss is it?" in reading.chains[1].skipped[0].message
    assert ["which loss is it?" in u.message for u in reading.unread] == [True]
    # the window among a named loss's arguments makes the chain one about the window: the bare J
    # (one pair, not the window) is then each pair loss, and wrong for each
    named = NEG + f"$${SKIP_GRAM.replace('skip-gram', 'neg-sample')} = J + 0$$\n"
    assert claims(named) == {"L7.naive_softmax": "refuted", "L7.neg_sample": "refuted"}


def test_a_definition_of_the_skip_gram_loss_by_a_bare_j_is_a_claim_per_loss():
    text = NEG + f"$$J_{{skip-gram}}(v_c, w_{{t-m}}, \\dots, w_{{t+m}}, U) = {WINDOW_SUM} J(v_c, w_{{t+j}}, U)$$\n"
    assert claims(text) == {"L7.naive_softmax": "proved", "L7.neg_sample": "proved"}


@settings(max_examples=12, deadline=None)
@given(
    coefficient=st.sampled_from(["-", "2", "\\frac{1}{2}", "-2", "(1 + 1)"]),
    variable=st.sampled_from([U, V_C]),
    form=st.sampled_from(["sum", "pair", "minus"]),
)
def test_a_wrong_window_chain_is_never_accepted_for_any_loss(coefficient, variable, form):
    rhs = {
        "sum": f"{coefficient} {WINDOW_SUM} {pair(variable)}",  # a wrong factor before the window sum
        "pair": f"{WINDOW_SUM} {coefficient} {pair(variable)}",  # a wrong factor inside it
        "minus": f"{WINDOW_SUM} {pair(variable)} - {coefficient} {pair(variable).replace('w_{t+j}', 'o')}",
    }[form]
    verdicts = claims(NEG + by(variable, rhs))
    assert set(verdicts) == {"L7.naive_softmax", "L7.neg_sample"}
    assert not set(verdicts.values()) & {"proved", "checked"}, verdicts


# readings found in the real window chains (tests/data/writeups/)


def test_a_script_of_nothing_but_spaces_is_no_script_and_a_bold_zero_is_the_zero():
    assert read(r"\boldsymbol{J}_{\text{~}}(\boldsymbol{v}_c, o, \boldsymbol{U})", COLUMNS) == "J"
    assert read(r"x_{\,} + \bm 0 + \mathbf{0}", COLUMNS) == "x + 0 + 0"
    for latex in (r"\bm 1", r"\hat{0}", r"\mathbf{2}"):
        assert "a decorated number" in refusal(latex, COLUMNS).message
    _, chains = chains_of(NEG + by(V_C, r"\mathbf{0}"))
    assert [c[-1][1] for c in chains[1:]] == ["zeros(d)", "zeros(d)"]


def test_a_row_continuing_a_formula_alone_that_cannot_be_read_says_why():
    text = "$$\\begin{aligned}\n\\frac{\\partial J}{\\partial v_w} \\\\\n= 0 \\\\\n= 0 + 0\n\\end{aligned}$$\n"
    reading, chains = chains_of(text)
    assert chains == []
    assert [(u.line, u.message) for u in reading.unread] == [
        (2, "`v_w` is not in the notation"),
        (4, "continues a formula that could not be read"),
    ]
