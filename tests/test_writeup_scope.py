"""Which loss a bare J is, as the write-up itself says it (:mod:`symw2v.writeup.parts`), and the
readings that must still be refused: a part that names two losses, a loss only mentioned, a loss
the write-up builds from a bare J, the next part. Then readings found in the real write-ups: plain
log after a script, sums over the samples equal to one of them; and what is still not guessed (a
derivative by a sum's own index, no \\partial below the line)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from symw2v.language.printer import to_text
from symw2v.verify.checker import check_derivation
from symw2v.writeup import markdown, tex
from symw2v.writeup.chains import Reader
from symw2v.writeup.parts import parts, stated_losses
from symw2v.writeup.source import Source
from symw2v.writeup.transcribe import transcribe
from symw2v.writeup.translate import Translator
from tests.test_writeup_reader import COLUMNS, read, refusal

NEG = r"J_{neg-sample}(v_c, o, U) = -\log \sigma(u_o^T v_c) - \sum_{k=1}^K \log \sigma(-u_k^T v_c)"
DJ_DUO = r"\frac{\partial J}{\partial u_o} = (\sigma(u_o^T v_c) - 1) v_c"  # right for J_neg_sample only


def reading(text: str, name: str = "w.md"):
    source = Source(name, text)
    reader = markdown if name.endswith(".md") else tex
    return source, Reader(source, Translator(COLUMNS)).read(reader.displays(source))


def lhs_of(text: str, name: str = "w.md") -> dict[int, str]:
    """The line and left-hand side of every chain read; the lines of what was refused."""
    source, read_ = reading(text, name)
    out = {source.line(c.start): to_text(c.sides[0].value.node) for c in read_.chains}
    out.update({u.line: "refused" for u in read_.unread})
    return out


def test_a_part_that_states_its_loss_says_what_a_bare_j_after_it_is():
    text = f"## (e)\n\n$${NEG}$$\n\nAnswer:\n\n$${DJ_DUO}$$\n"
    assert lhs_of(text) == {3: "J_neg_sample", 7: "grad(J_neg_sample, U[:, o])"}
    source, read_ = reading(text)
    derivation = transcribe(read_, COLUMNS).derivation
    assert [r.verdict for r in check_derivation(derivation)] == ["proved", "proved"]


def test_a_bare_j_is_refused_where_the_write_up_does_not_say():
    statement = f"$${NEG}$$"
    cases = {
        # before the statement, in the same part
        f"## (e)\n\n$${DJ_DUO}$$\n\n{statement}\n": 3,
        # in the next part: a heading, a problem label, a numbered item
        f"## (e)\n\n{statement}\n\n## (f)\n\n$${DJ_DUO}$$\n": 7,
        f"**(e)** the loss\n\n{statement}\n\n**(f)** again\n\n$${DJ_DUO}$$\n": 7,
        f"(e) the loss\n\n{statement}\n\n4. again\n\n$${DJ_DUO}$$\n": 7,
        # the part names another loss too: J could be either
        f"## (e)\n\n{statement}\n\nUnlike $J_{{naive-softmax}}$:\n\n$${DJ_DUO}$$\n": 7,
        # J_{neg-sample} only mentioned, not stated
        "## (e)\n\nThe gradients of $J_{neg-sample}$:\n\n$$" + DJ_DUO + "$$\n": 5,
    }
    for text, line in cases.items():
        assert lhs_of(text).get(line) == "refused", text


def test_a_loss_the_write_up_builds_from_a_bare_j_is_not_what_j_means():
    text = (
        "## (f)\n\n$$J_{skip-gram}(v_c, U) = J(v_c, o, U) + J(v_c, o, U)$$\n\n"
        "$$\\frac{\\partial J}{\\partial v_c} = \\sigma(u_o^T v_c) v_c$$\n"
    )
    source, read_ = reading(text)
    assert stated_losses(source, markdown.displays(source), COLUMNS.losses) == []
    assert lhs_of(text).get(5) == "refused"


def test_the_parts_of_a_write_up_in_markdown_and_latex():
    md = (
        "# A2\n\nintro\n- (a): first\n**(b)** second\n\\noindent(c) third\n"
        "### Question d:\n3. fourth\ne) fifth\ne.g. not a part\n"
        "$$\n(x) + 1 = 2\n$$\n"
    )
    source = Source("w.md", md)
    assert [source.line(a) for a, _ in parts(source, markdown.displays(source))] == [1, 4, 5, 6, 7, 8, 9]
    latex = "\\section{One}\n$x = 1$\n\\begin{enumerate}\n\\item a\n\\item b\n\\end{enumerate}\n\\subsection*{Two}\n"
    source = Source("w.tex", latex)
    assert [source.line(a) for a, _ in parts(source, tex.displays(source))] == [1, 4, 5, 7]


LABELS = ["## ({})", "**({})**", "- ({}):", "\\noindent({})", "### Question {}:"]


@st.composite
def write_ups(draw):
    """A write-up of parts, each with a label, perhaps the statement of J_{neg-sample}, perhaps a
    mention of another loss, and a bare J before or after the statement; the lines where a bare J
    must be J_neg_sample."""
    lines, expected = [], {}
    for letter in "abcd"[: draw(st.integers(1, 4))]:
        lines += [draw(st.sampled_from(LABELS)).format(letter), ""]
        states, other, before = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
        if before:
            lines += [f"$${DJ_DUO}$$", ""]
        if states:
            lines += [f"$${NEG}$$", ""]
        if other:
            lines += ["and $J_{naive-softmax}$", ""]
        lines += [f"$${DJ_DUO}$$", ""]
        expected[len(lines) - 1] = states and not other
    return "\n".join(lines), expected


@settings(max_examples=25, deadline=None)
@given(write_ups())
def test_a_bare_j_is_the_stated_loss_exactly_where_a_part_states_it(case):
    text, expected = case
    found = lhs_of(text)
    for line, stated in expected.items():
        assert (found.get(line) == "grad(J_neg_sample, U[:, o])") == stated, (line, found, text)


def test_plain_log_after_a_one_letter_script_and_not_inside_a_word():
    assert read(r"\sum_{k=1}^Klog(\sigma(x))", COLUMNS) == "sum(k2 in K, log(sigma(x)))"
    assert read(r"e^xlog x", COLUMNS) == "exp(x) * log(x)"
    assert "not in the notation" in refusal(r"xlog(x)", COLUMNS).message


def test_a_derivative_by_a_sums_own_index_that_also_means_something_outside_is_refused():
    err = refusal(r"\sum_{k=1}^K \frac{\partial}{\partial u_k} \log \sigma(-u_k^T v_c)", COLUMNS)
    assert "inside a \\sum over k" in err.message and "letter of its own" in err.suggestion
    # the sum's index elsewhere in the body, or a derivative by what the sum does not bind, is read
    assert read(r"\sum_{k=1}^K \frac{\partial}{\partial v_c} \log \sigma(-u_k^T v_c)", COLUMNS) == (
        "sum(k2 in K, grad(log(sigma(-(U[:, ws[k2]].T @ v_c))), v_c))"
    )
    assert read(r"\frac{\partial}{\partial u_k} \sum_{k=1}^K \log \sigma(-u_k^T v_c)", COLUMNS) == (
        "grad(sum(k2 in K, log(sigma(-(U[:, ws[k2]].T @ v_c)))), U[:, ws[k]])"
    )


def test_a_derivative_without_partial_below_the_line_is_not_guessed():
    """\\frac{\\partial J}{v_c}: a slip for \\partial v_c, or \\partial J divided by v_c? Reported
    at the denominator, with the derivative as it is written."""
    for latex, at in ((r"\frac{\partial J(v_c, o, U)}{v_c}", "v_c"), (r"\frac{\partial J}{U} + 1", "U")):
        err = refusal(latex, COLUMNS)
        assert "none below it" in err.message and "\\partial x" in err.suggestion
        assert latex[err.start :].startswith(at)


def test_a_sum_over_the_samples_equal_to_one_of_them():
    """\\sum_{w_j = w_s}: j runs over the positions of the index list the family w_j is an entry
    of, under the condition as written; any other index that is not a letter is still refused."""
    assert read(r"\sum_{w_j = w_s} \log \sigma(-u_{w_j}^T v_c)", COLUMNS) == (
        "sum(j in K, [ws[j] == ws[s]] * log(sigma(-(U[:, ws[j]].T @ v_c))))"
    )
    assert read(r"\sum_{w_j \neq w_s} x", COLUMNS) == "sum(j in K, [ws[j] != ws[s]] * x)"
    for latex in (r"\sum_{w_j} x", r"\sum_{u_j = u_s} x", r"\sum_{w_{j+1} = w_s} x", r"\sum_{w_j = w_s}^{K} x"):
        assert "the index of \\sum must be a letter" in refusal(latex, COLUMNS).message, latex
