"""The write-up reader: what LaTeX means in our language (both conventions), what it refuses and
where, how displays are found in Markdown, LaTeX and text, and how rows become chains."""

from __future__ import annotations

import logging
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark

from symw2v.language.printer import to_text
from symw2v.verify.checker import check_derivation
from symw2v.writeup import markdown, plaintext, read_writeup, tex
from symw2v.writeup.chains import Reader
from symw2v.writeup.errors import Unreadable
from symw2v.writeup.latex import parse_row, parser
from symw2v.writeup.notation import NotationError, load_notation, notation_from_text
from symw2v.writeup.source import Source
from symw2v.writeup.transcribe import transcribe
from symw2v.writeup.translate import Translator
from tests.helpers import ROOT

ROWS, COLUMNS = load_notation("rows"), load_notation("columns")


def read(latex: str, notation=ROWS, ill: bool = False) -> str:
    """The formula of a LaTeX expression (one side, no relation), well-shaped unless ``ill``."""
    tree = parse_row(latex).children[0].children[0].children[0]  # start -> row -> segment -> side
    translator = Translator(notation)
    text = to_text(translator.value(tree, latex).node)
    assert bool(translator.ill) == ill, translator.ill
    return text


def refusal(latex: str, notation=ROWS) -> Unreadable:
    with pytest.raises(Unreadable) as err:
        read(latex, notation)
    return err.value


def test_the_grammar_is_lalr_without_conflicts(caplog):
    """lark resolves a shift/reduce conflict silently (logging it in debug mode): there must be none,
    or the grammar would read some rows one way without saying that another was possible."""
    grammar = resources.files("symw2v.writeup").joinpath("grammar.lark").read_text("utf-8")
    with caplog.at_level(logging.DEBUG, logger="lark"):
        Lark(grammar, parser="lalr", lexer="contextual", debug=True)
    assert not [r for r in caplog.records if "conflict" in r.getMessage().lower()]
    assert parser() is parser()  # built once


# (LaTeX, rows, columns): the same write-up notation, each convention's formula; None where the
# sizes fit no product or sum in that convention: then it is read as written, and recorded as ill
READINGS = [
    (r"\mathbf{u}_o^\top \mathbf{v}_c", "U[o] @ v_c", "U[:, o].T @ v_c"),
    (r"\boldsymbol{u}_{o}^{T} \boldsymbol{v}_{c}", "U[o] @ v_c", "U[:, o].T @ v_c"),
    (r"u_o' v_c", "U[o] @ v_c", "U[:, o].T @ v_c"),
    (r"\vec u_o^\intercal \vec v_c", "U[o] @ v_c", "U[:, o].T @ v_c"),
    (r"\mathbf{U}^\top (\hat{\mathbf{y}} - \mathbf{y})", "U.T @ (yhat - y)", None),
    (r"\mathbf{U} (\hat{\mathbf{y}} - \mathbf{y})", None, "U @ (yhat - y)"),
    (r"\mathbf{v}_c (\hat{\mathbf{y}} - \mathbf{y})^\top", "outer(v_c, yhat - y)", "v_c @ (yhat - y).T"),
    (r"(\hat{y} - y) \mathbf{v}_c^T", "outer(yhat - y, v_c)", "(yhat - y) @ v_c.T"),
    (r"\hat{y} \cdot y", "yhat @ y", "yhat.T @ y"),
    (r"\hat{y} \odot y", "yhat * y", "yhat * y"),
    (r"\hat y_o - 1", "yhat[o] - 1", "yhat[o] - 1"),
    (r"\hat{\mathbf{y}}_{w_k}", "yhat[ws[k]]", "yhat[ws[k]]"),
    (r"\sigma(x)(1 - \sigma(x))", "sigma(x) * (1 - sigma(x))", "sigma(x) * (1 - sigma(x))"),
    (r"\frac{e^x}{(e^x + 1)^2}", "exp(x) / (exp(x) + 1)**2", "exp(x) / (exp(x) + 1)**2"),
    (r"e^{-x} \cdot 2", "exp(-x) * 2", "exp(-x) * 2"),
    (r"\frac{\partial J}{\partial \mathbf{v}_c}", "grad(J, v_c)", "grad(J, v_c)"),
    (r"\frac{\partial J(\mathbf{v}_c, o, \mathbf{U})}{\partial \mathbf{U}}", "grad(J, U)", "grad(J, U)"),
    (r"\nabla_{\mathbf{v}_c} J", "grad(J, v_c)", "grad(J, v_c)"),
    (r"\frac{\partial J}{\partial \mathbf{u}_{w_s}}", "grad(J, U[ws[s]])", "grad(J, U[:, ws[s]])"),
    (r"\frac{\partial}{\partial x} \log \sigma(x) + 1", "grad(log(sigma(x)), x) + 1", "grad(log(sigma(x)), x) + 1"),
    (r"\frac{\partial}{\partial x} -\log \sigma(x) - x", "grad(-log(sigma(x)), x) - x", "grad(-log(sigma(x)), x) - x"),
    (r"\log(\sigma(x)) x", "log(sigma(x)) * x", "log(sigma(x)) * x"),
    (r"\sigma'(x)", "grad(sigma(x), x)", "grad(sigma(x), x)"),
    (r"\max(0, x)", "relu(x)", "relu(x)"),
    (
        r"\sum_{w \in \text{Vocab}} \exp(\mathbf{u}_w^\top \mathbf{v}_c) \mathbf{u}_w",
        "sum(w2 in V, exp(U[w2] @ v_c) * U[w2])",
        "sum(w2 in V, exp(U[:, w2].T @ v_c) * U[:, w2])",
    ),
    (
        r"-\sum_{k=1}^{K} \log \sigma(-\mathbf{u}_k^\top \mathbf{v}_c)",
        "-sum(k2 in K, log(sigma(-(U[ws[k2]] @ v_c))))",
        "-sum(k2 in K, log(sigma(-(U[:, ws[k2]].T @ v_c))))",
    ),
    (r"\sum_{j=1}^{V} y_j", "sum(j in V, y[j])", "sum(j in V, y[j])"),
    (r"\sum_{j=0}^{V-1} y_j", "sum(j in V, y[j])", "sum(j in V, y[j])"),
    (r"\sum_{w \neq o} \hat y_w", "sum(w2 in V, [w2 != o] * yhat[w2])", "sum(w2 in V, [w2 != o] * yhat[w2])"),
    (
        r"\sum_{j=1, w_j = w_s}^{K} \sigma(x)",
        "sum(j in K, [ws[j] == ws[s]] * sigma(x))",
        "sum(j in K, [ws[j] == ws[s]] * sigma(x))",
    ),
    (r"\mathbb{1}[w_k = o] \, x", "[ws[k] == o] * x", "[ws[k] == o] * x"),
    (r"\mathbb{1}\{o \neq w_k\}", "[o != ws[k]]", "[o != ws[k]]"),
    (r"\left[ 1 - \sigma(x) \right] \cdot 3", "(1 - sigma(x)) * 3", "(1 - sigma(x)) * 3"),
    (r"\big( 1 + x \big)^{2}", "(1 + x)**2", "(1 + x)**2"),
    (r"\boxed{x \, \sigma(x)}", "x * sigma(x)", "x * sigma(x)"),
    (
        r"\begin{cases} 0 & \text{if } x < 0 \\ 1 & \text{otherwise} \end{cases}",
        "0 * [x < 0] + 1 * (1 - [x < 0])",
        "0 * [x < 0] + 1 * (1 - [x < 0])",
    ),
    (r"σ(x) · (1 − σ(x))", "sigma(x) * (1 - sigma(x))", "sigma(x) * (1 - sigma(x))"),
    (r"\exp(U v_c)", "exp(U @ v_c)", None),
    (r"\text{softmax}(\mathbf{U}^\top \mathbf{v}_c)", None, "softmax(U.T @ v_c)"),
]


@pytest.mark.parametrize(("latex", "rows", "columns"), READINGS)
def test_what_latex_means(latex, rows, columns):
    for notation, expected in ((ROWS, rows), (COLUMNS, columns)):
        if expected is None:
            assert read(latex, notation, ill=True)  # as written; the checker refutes it
        else:
            assert read(latex, notation) == expected


def test_sizes_that_fit_no_product_are_read_as_written_and_recorded():
    latex = r"\mathbf{u}_o \mathbf{v}_c + \mathbf{u}_o^T"
    tree = parse_row(latex).children[0].children[0].children[0]
    translator = Translator(COLUMNS)
    value = translator.value(tree, latex)
    assert to_text(value.node) == "U[:, o] @ v_c + U[:, o].T"
    assert len(translator.ill) == 2


# (LaTeX, words of the message, the text the error points at)
REFUSALS = [
    (r"\mathbf{z} + 1", "not in the notation", r"\mathbf{z}"),
    (r"a_1 + \dots", "do not stand between", r"\dots"),
    (r"x + \dots + x", "dots", r"\dots"),
    (r"\sum_{q} \exp(x)", "cannot tell what q ranges over", "q"),
    (r"\sum \exp(x)", "without its index", r"\sum"),
    (r"y_12", "without braces", "12"),
    (r"\partial J / \partial v_c", "outside", r"\partial"),
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", "matrix written out", r"\begin{pmatrix}"),
    (r"\frac{x}{\mathbf{v}_c}", "below the line", r"\mathbf{v}_c"),
    (r"\frac{\partial \hat y}{\partial x}", "derivative of a column vector", r"\frac{\partial \hat y}{\partial x}"),
    (r"\frac{\partial J}{\partial 2}", "with respect to", "2"),
    (r"\sigma'(x + 1)", "of an expression", r"\sigma'(x + 1)"),
    (r"\begin{cases} 1 & x > 0 \\ 2 & x > 1 \end{cases}", "overlap", r"\begin{cases}"),
    (r"\mathbf{U}_o", "a subscript on a d×V matrix", r"\mathbf{U}_o"),
    (r"[1, 2]", "a list in brackets", "[1, 2]"),
    (r"\foo + 1", r"\foo", r"\foo"),
    (r"\frac{1}{", "ends too early", "{"),
    (r"u_o^{-1}", "to the power", "-1"),
]


@pytest.mark.parametrize(("latex", "words", "at"), REFUSALS)
def test_what_cannot_be_read_is_refused_where_it_is(latex, words, at):
    err = refusal(latex, COLUMNS)
    assert words in err.message or words in err.suggestion, err
    assert latex[err.start :].startswith(at), (latex[err.start : err.end], at)


def test_a_name_of_the_notation_wins_over_a_family():
    notation = notation_from_text(
        "convention = 'rows'\n[symbols]\nU = 'matrix[V, d]'\nu_o = 'vector[d]'\no = 'index[V]'\n[latex]\nu = 'U[{}]'\n"
    )
    assert read(r"\mathbf{u}_o", notation) == "u_o"


def test_a_bad_notation_is_refused():
    with pytest.raises(NotationError, match="latex"):
        notation_from_text("[symbols]\nU = 'matrix[V, d]'\n[latex]\nu = 'U(o)'\n")
    with pytest.raises(NotationError, match="not a size"):
        notation_from_text("[symbols]\nU = 'matrix[V, d]'\n[sets]\nVocab = 'W'\n")
    with pytest.raises(NotationError, match="unknown key"):
        notation_from_text("symbols = 1\nwhat = 2\n")
    with pytest.raises(NotationError, match="undeclared"):
        notation_from_text("[symbols]\nx = 'scalar'\n[define]\nz = 'q + 1'\n")


# -- finding the math ------------------------------------------------------------------------


def _source(text: str, path: str = "w.md") -> Source:
    return Source(path, text)


def test_markdown_math_is_found_at_its_lines_also_in_lists_and_quotes():
    text = "# A\n\nSome $x = 1$ text.\n\n$$\nx = 2\n$$\n\n- item\n  $$\n  y = 3\n  $$\n\n> $$\n> z = 4\n> $$\n"
    found = markdown.displays(_source(text))
    shown = [(d.inline, d.source.line(d.start), d.text.strip()) for d in found]
    assert shown == [(True, 3, "x = 1"), (False, 5, "x = 2"), (False, 10, "y = 3"), (False, 14, "z = 4")]
    for d in found:  # the text is the file's, offsets kept (prefixes only blanked)
        assert [c for c in text[d.start : d.start + len(d.text)] if c not in " >"] == [c for c in d.text if c != " "]


def test_tex_math_is_found_and_comments_are_not_math():
    text = "% $$a = b$$\n\\[ x = 1 \\]\n\\begin{align*}\ny &= 2 \\\\\n&= 3\n\\end{align*}\n50\\% of $z$\n"
    found = tex.displays(_source(text, "w.tex"))
    assert [(d.inline, d.text.strip()) for d in found] == [
        (False, "x = 1"),
        (False, "y &= 2 \\\\\n&= 3"),
        (True, "z"),
    ]
    text_form = plaintext.displays(_source("90% done $$a = b$$", "w.txt"))
    assert [d.text for d in text_form] == ["a = b"]


# -- chains -------------------------------------------------------------------------------------


def read_writeup_text(text: str, notation=COLUMNS):
    source = _source(text)
    return transcribe(Reader(source, Translator(notation)).read(markdown.displays(source)), notation)


def chains_of(text: str, notation=COLUMNS):
    source = _source(text)
    reading = Reader(source, Translator(notation)).read(markdown.displays(source))
    return reading, [[(source.line(s.start), to_text(s.value.node)) for s in c.sides] for c in reading.chains]


def test_rows_continue_a_chain_and_the_same_left_side_continues_it_in_a_later_display():
    text = (
        "$$\\begin{aligned}\n\\frac{\\partial J}{\\partial x} &= \\hat y_o \\\\\n&= \\hat y_o + 0 \\quad (3)\n"
        "\\end{aligned}$$\n\nSo\n\n$$\\frac{\\partial J}{\\partial x} = 2 \\hat y_o - \\hat y_o.$$\n"
    )
    _, chains = chains_of(text)
    assert chains == [[(2, "grad(J, x)"), (2, "yhat[o]"), (3, "yhat[o] + 0"), (8, "2 * yhat[o] - yhat[o]")]]


def test_a_row_that_cannot_be_read_ends_its_chain_and_a_side_is_skipped():
    text = (
        "$$\\begin{aligned}\nx &= \\sigma(x) \\\\\n\\mathbf{q}^2 &= 1 \\\\\n&= 2 \\\\\n"
        "x &= \\dots = x + 0\n\\end{aligned}$$\n"
    )
    reading, chains = chains_of(text)
    assert chains == [[(2, "x"), (2, "sigma(x)")], [(5, "x"), (5, "x + 0")]]
    assert [(u.line, u.what) for u in reading.unread] == [(3, "chain"), (4, "row"), (5, "step")]
    assert "could not be read" in reading.unread[1].message


def test_several_equations_in_one_row_and_what_is_not_an_equality():
    text = "$$ x = \\sigma(x) \\quad \\text{and} \\quad \\hat y_o = 1 $$\n\n$$ x \\approx 1 $$\n$$ w \\neq o $$\n"
    reading, chains = chains_of(text)
    assert chains == [[(1, "x"), (1, "sigma(x)")], [(1, "yhat[o]"), (1, "1")]]
    assert reading.unread == []


def test_the_write_up_defines_its_loss_and_its_functions():
    text = (
        "$$J_{\\text{neg}}(\\mathbf{v}_c, o, \\mathbf{U}) = -\\log \\sigma(\\mathbf{u}_o^\\top \\mathbf{v}_c)$$\n\n"
        "$$Q(O = o \\mid C = c) = \\hat y_o$$\n\n$$f(x) = \\max(0, x)$$\n\n"
        "$$\\frac{\\partial J_{\\text{neg}}}{\\partial \\mathbf{v}_c} = -(1 - \\sigma(\\mathbf{u}_o^T \\mathbf{v}_c)) "
        "\\mathbf{u}_o$$\n\n$$-\\log Q(O = o | C = c) = J_{\\text{naive-softmax}}$$\n\n"
        "$$-\\log P(O=o|C=c) = J_{naive-softmax}$$\n\n$$\\frac{\\partial J}{\\partial v_c} = 0$$\n\n"
        "$$f'(x) = \\begin{cases} 1 & x > 0 \\\\ 0 & x < 0 \\end{cases}$$\n"
    )
    reading, chains = chains_of(text)
    assert {d.name: to_text(d.value.node) for d in reading.defined.values()} == {
        "J_neg": "-log(sigma(U[:, o].T @ v_c))",
        "Q": "yhat[o]",
        "f": "relu(x)",
    }
    assert [c[0][1] for c in chains] == [
        "grad(J_neg, v_c)",
        "-log(Q)",
        "-log(softmax(U.T @ v_c)[o])",  # P(O = o | C = c) is a term of the course's notation
        "grad(f, x)",  # f'(x) = cases: a chain per case, assuming its condition
        "grad(f, x)",
    ]
    assert [(c.assume, to_text(c.sides[-1].value.node)) for c in reading.chains[-2:]] == [
        (("x > 0",), "1"),
        (("x < 0",), "0"),
    ]
    [bare] = reading.unread  # a bare J, once the write-up has named another loss: which one?
    assert "after the write-up names J_{neg}" in bare.message and bare.line == 13


def test_a_definition_that_cannot_be_read_is_reported_where_it_is_used():
    reading, chains = chains_of("$$J_a = \\mathbf{q}$$\n\n$$\\frac{\\partial J_a}{\\partial x} = 0$$\n")
    assert chains == []
    assert [(u.line, u.what) for u in reading.unread] == [(1, "definition"), (3, "chain")]
    assert "line 1" in reading.unread[1].message


def test_a_file_is_read_in_the_convention_that_reads_more(tmp_path):
    rows = tmp_path / "rows.md"
    rows.write_text("$$\\frac{\\partial J}{\\partial \\mathbf{v}_c} = \\mathbf{U}^\\top (\\hat y - y)$$\n")
    columns = tmp_path / "columns.md"
    columns.write_text("$$\\frac{\\partial J}{\\partial \\mathbf{v}_c} = \\mathbf{U} (\\hat y - y)$$\n")
    assert read_writeup(rows).notation.name == "rows"
    assert read_writeup(columns).notation.name == "columns"
    forced = read_writeup(rows, "columns")  # read as written: U^T (yhat - y) fits no product in columns
    assert [bool(s.ill) for c in forced.reading.chains for s in c.sides] == [False, True]


def test_a_case_stated_in_the_text_starts_chains_that_assume_it():
    text = (
        "$$\\frac{\\partial J}{\\partial \\mathbf{u}_w} = -y_w \\mathbf{v}_c + \\hat y_w \\mathbf{v}_c$$\n\n"
        "When $w \\neq o$:\n\n$$\\begin{aligned}\n\\frac{\\partial J}{\\partial \\mathbf{u}_w}\n"
        "&= \\hat y_w \\mathbf{v}_c\n\\end{aligned}$$\n\nand $\\hat y_w = 1$ is not a condition, $w = o$ is:\n\n"
        "$$\\frac{\\partial J}{\\partial \\mathbf{u}_w} = (\\hat y_w - 1) \\mathbf{v}_c$$\n"
    )
    reading, chains = chains_of(text)
    assert [(c[0][0], len(c)) for c in chains] == [(1, 2), (6, 2), (12, 2)]
    assert [c.assume for c in reading.chains] == [(), ("w != o",), ("w == o",)]
    transcript = read_writeup_text(text)
    assert [r.verdict for r in check_derivation(transcript.derivation)] == ["proved"] * 3


def test_a_scope_of_the_notation_says_which_loss_a_bare_j_is():
    text = (
        "$$\\frac{\\partial J}{\\partial \\mathbf{v}_c} = \\mathbf{U}(\\hat y - y)$$\n\n"
        "$$\\frac{\\partial J}{\\partial \\mathbf{u}_o} = "
        "(\\sigma(\\mathbf{u}_o^T \\mathbf{v}_c) - 1) \\mathbf{v}_c$$\n"
    )
    assert [u.line for u in chains_of(text)[0].unread] == [3]  # J with sigma: not the naive softmax loss
    shipped = (ROOT / "symw2v" / "writeup" / "data" / "columns.toml").read_text()
    scoped = notation_from_text(shipped + '\n[[scope]]\nlines = [3, 3]\nloss = "J_neg_sample"\n')
    transcript = read_writeup_text(text, scoped)
    lhs = [c.chain[0].text for c in transcript.derivation.claims]
    assert lhs == ["grad(J, v_c)", "grad(J_neg_sample, U[:, o])"]
    assert [r.verdict for r in check_derivation(transcript.derivation)] == ["proved", "proved"]


def test_cases_on_indices_plain_log_and_an_ascii_not_equal():
    assert read(r"\begin{cases} \hat y_w - 1 & \text{ if } w = o, \\ \hat y_w & \text{ otherwise} \end{cases}") == (
        "(yhat[w] - 1) * [w == o] + yhat[w] * (1 - [w == o])"
    )
    assert read(r"\sum_{w!=o} log \hat y_w") == "sum(w2 in V, [w2 != o] * log(yhat[w2]))"
    assert "cases on indices" in refusal(r"\begin{cases} 1 & w = o \\ 2 & w = k \end{cases}").message


def test_cases_with_their_own_conditions_are_a_claim_each_and_a_wrong_case_is_refuted_alone():
    text = (
        "$$f(x) = \\max(0, x)$$\n\n"
        "$$f'(x) = \\begin{cases} 1 & \\text{if } x > 0 \\\\ 1 & \\text{if } x < 0 \\end{cases}$$\n\n"
        "$$f(x) = \\begin{cases} x & \\text{if } x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}$$\n"
    )
    transcript = read_writeup_text(text)
    claims = transcript.derivation.claims
    assert [(tuple(a.text for a in c.assume), c.chain[-1].text) for c in claims] == [
        (("x > 0",), "1"),
        (("x < 0",), "1"),
        ((), "x * [x > 0] + 0 * (1 - [x > 0])"),  # with \text{otherwise}: one claim, the cases weighed
    ]
    assert [r.verdict for r in check_derivation(transcript.derivation)] == ["proved", "refuted", "proved"]


@pytest.mark.parametrize(
    ("latex", "meant"),
    [
        (r"\sigma(x) \cdot (1 - \sigma(x)) \mathbf{v}_c", "sigma(x) * (1 - sigma(x)) * v_c"),  # numbers: no doubt
        (r"2 \cdot \sigma(x) \mathbf{v}_c", "2 * sigma(x) * v_c"),
        (r"\mathbf{v}_c \mathbf{u}_o \cdot \mathbf{v}_c", "v_c * (U[:, o].T @ v_c)"),  # the one well-shaped reading
        (r"\mathbf{u}_o \cdot \mathbf{v}_c \mathbf{U} \hat y", "U[:, o].T @ v_c * U @ yhat"),
    ],
)
def test_a_cdot_among_factors_side_by_side_is_read_the_one_way_that_is_well_shaped(latex, meant):
    assert read(latex, COLUMNS) == meant


def test_a_cdot_among_factors_side_by_side_that_can_dot_different_vectors_is_refused():
    err = refusal(r"\mathbf{u}_o \cdot \mathbf{v}_c \mathbf{u}_o \cdot \mathbf{v}_c", COLUMNS)
    assert "which of them does it join" in err.message and "bracket" in err.suggestion
    # bracketed, it is read
    assert read(r"(\mathbf{u}_o \cdot \mathbf{v}_c) (\mathbf{u}_o \cdot \mathbf{v}_c)", COLUMNS) == (
        "U[:, o].T @ v_c * (U[:, o].T @ v_c)"
    )


@settings(max_examples=20)  # each example checks two claims
@given(negative=st.sampled_from(["0", "1", "-1", "x"]), positive=st.sampled_from(["0", "1", "-1", "x"]))
def test_each_case_of_a_derivative_is_proved_only_when_it_is_right(negative, positive):
    text = (f"$$f(x) = \\max(0, x)$$\n\n$$f'(x) = \\begin{{cases}} {negative} & x < 0 \\\\ {positive} & x > 0 "
            "\\end{cases}$$\n")
    got = [r.verdict for r in check_derivation(read_writeup_text(text).derivation)]
    assert got == ["proved" if negative == "0" else "refuted", "proved" if positive == "1" else "refuted"]
