"""Tests of the derivation-file loader: TOML -> Derivation, and located DerivationErrors."""

from __future__ import annotations

import textwrap
from fractions import Fraction
from pathlib import Path

import pytest

from symw2v.derivation.document import Declaration
from symw2v.derivation.errors import DerivationError
from symw2v.derivation.loader import load, loads
from symw2v.language.parser import parse
from symw2v.language.syntax import Binary, Call, Name, Number, Span, Transpose, Unary

FILE = "case.toml"

VALID = textwrap.dedent(
    """\
    title = "Naive softmax"
    convention = "rows"            # or "columns"
    [symbols]
    v_c = "vector[d]"
    U   = "matrix[V, d]"
    o   = "index[V]"
    ws  = "indices[K, V]"          # K indices into range V
    x   = "scalar"
    [define]
    u_o  = "U[o]"
    yhat = "softmax(U @ v_c)"
    y    = "onehot(o, V)"
    "J1(o)" = "-log(softmax(U @ v_c)[o])"
    [loss]
    J = "-log(yhat[o])"
    [[claim]]
    id = "b"
    says = "gradient wrt the center vector"
    wrt = "v_c"
    steps = ["-U.T @ y + U.T @ yhat"]
    result = "U.T @ (yhat - y)"
    assume = ["o not in ws", "distinct(ws)"]
    """
)

SECOND_CLAIM = textwrap.dedent(
    """\
    [[claim]]
    id = "c"
    says = "same thing, by hand"
    lhs = "grad(J, v_c)"
    result = "U.T @ (yhat - y)"
    """
)


def line_no(text: str, needle: str) -> int:
    """1-based number of the only line of ``text`` containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def edit(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def load_error(text: str, path: str = FILE) -> DerivationError:
    with pytest.raises(DerivationError) as info:
        loads(text, path)
    return info.value


def assert_located(
    err: DerivationError, *, line: int | None, where: str | None, message: str
) -> str:
    """The first line of str(err) reads 'file[:line]: [where: ]message...'."""
    shown = str(err)
    head = shown.splitlines()[0]
    location = FILE if line is None else f"{FILE}:{line}"
    assert head.startswith(f"{location}: "), head
    assert err.line == line
    if where is not None:
        assert err.where == where
        assert head.startswith(f"{location}: {where}: "), head
    assert message in err.message
    assert message in head
    return shown


def assert_caret(err: DerivationError, formula: str, covered: str) -> None:
    """str(err) ends with the formula and a caret line underlining exactly ``covered``."""
    lines = str(err).splitlines()
    assert lines[-2] == "    " + formula
    caret = lines[-1]
    assert set(caret.strip()) == {"^"}
    start = caret.index("^") - 4
    width = len(caret.strip())
    assert formula[start : start + width] == covered, (formula, caret)
    assert f"(column {start + 1})" in lines[0]
    assert err.span == Span(start, start + width)


# --------------------------------------------------------------------------------------------
# A valid file
# --------------------------------------------------------------------------------------------


def test_valid_file_loads_everything() -> None:
    d = loads(VALID, FILE)
    assert d.path == FILE
    assert d.title == "Naive softmax"
    assert d.source == ""
    assert d.convention == "rows"
    assert d.symbols == {
        "v_c": Declaration("v_c", "vector", ("d",)),
        "U": Declaration("U", "matrix", ("V", "d")),
        "o": Declaration("o", "index", ("V",)),
        "ws": Declaration("ws", "indices", ("K", "V")),
        "x": Declaration("x", "scalar", ()),
    }
    assert list(d.definitions) == ["u_o", "yhat", "y", "J1", "J"]
    assert d.assume == ()


def test_definitions_keep_params_formula_and_location() -> None:
    d = loads(VALID, FILE)
    j1 = d.definitions["J1"]
    assert j1.name == "J1"
    assert j1.params == ("o",)
    assert j1.formula.text == "-log(softmax(U @ v_c)[o])"
    assert j1.formula.tree == parse("-log(softmax(U @ v_c)[o])")
    assert j1.formula.where == "define.J1(o)"
    assert j1.formula.line == line_no(VALID, '"J1(o)"')
    yhat = d.definitions["yhat"]
    assert yhat.params == ()
    nospan = Span(0, 0)
    u_at_v = Binary("@", Name("U", span=nospan), Name("v_c", span=nospan), span=nospan)
    assert yhat.formula.tree == Call("softmax", (u_at_v,), span=nospan)
    loss = d.definitions["J"]
    assert loss.formula.where == "loss.J"
    assert loss.formula.line == line_no(VALID, "J = ")


def test_claim_fields() -> None:
    (claim,) = loads(VALID, FILE).claims
    assert claim.id == "b"
    assert claim.says == "gradient wrt the center vector"
    assert claim.line == line_no(VALID, "[[claim]]") == 16
    assert claim.wrt is not None and claim.wrt.tree == parse("v_c")
    # with wrt, the lhs is grad(<the only loss>, wrt)
    assert claim.lhs.text == "grad(J, v_c)"
    assert claim.lhs.tree == parse("grad(J, v_c)")
    assert [s.text for s in claim.steps] == ["-U.T @ y + U.T @ yhat"]
    assert claim.steps[0].tree == parse("-U.T @ y + U.T @ yhat")
    assert claim.steps[0].where == "claim 'b', steps[0]"
    assert claim.steps[0].line == line_no(VALID, "steps =")
    assert claim.result.text == "U.T @ (yhat - y)"
    assert claim.result.where == "claim 'b', result"
    assert claim.result.line == line_no(VALID, "result =")
    result = claim.result.tree
    assert isinstance(result, Binary) and result.op == "@"
    assert isinstance(result.left, Transpose)
    assert [a.text for a in claim.assume] == ["o not in ws", "distinct(ws)"]
    assert claim.assume[0].tree == parse("o not in ws")
    assert claim.assume[1].where == "claim 'b', assume[1]"
    assert [f.text for f in claim.chain] == [
        "grad(J, v_c)",
        "-U.T @ y + U.T @ yhat",
        "U.T @ (yhat - y)",
    ]


def test_load_reads_a_file_and_defaults_title_to_stem(tmp_path: Path) -> None:
    path = tmp_path / "naive_softmax.toml"
    path.write_text(edit('title = "Naive softmax"\n', ""), encoding="utf-8")
    d = load(path)
    assert d.path == str(path)
    assert d.title == "naive_softmax"
    assert d.claims[0].result.text == "U.T @ (yhat - y)"


def test_columns_convention_lhs_claim_and_file_level_assume() -> None:
    text = 'assume = "distinct(ws)"\n' + edit('"rows"', '"columns"') + SECOND_CLAIM
    d = loads(text, FILE)
    assert d.convention == "columns"
    assert [a.text for a in d.assume] == ["distinct(ws)"]
    assert d.assume[0].where == "assume[0]"
    first, second = d.claims
    assert second.id == "c"
    assert second.wrt is None
    assert second.steps == () and second.assume == ()
    assert second.lhs.tree == parse("grad(J, v_c)")
    assert second.lhs.where == "claim 'c', lhs"
    assert second.line == text.splitlines().index("[[claim]]", first.line) + 1


def test_default_convention_is_rows_and_numbers_are_exact() -> None:
    d = loads(edit('convention = "rows"            # or "columns"\n', "", edit('"U[o]"', '"0.1"')))
    assert d.convention == "rows"
    assert d.definitions["u_o"].formula.tree == Number(Fraction(1, 10), span=Span(0, 0))


def test_claim_without_id_is_numbered() -> None:
    d = loads(edit('id = "b"\n', ""), FILE)
    assert d.claims[0].id == "1"


def test_of_selects_among_several_losses() -> None:
    two_losses = edit('J = "-log(yhat[o])"', 'J = "-log(yhat[o])"\nJ2 = "J1(o)"')
    d = loads(edit('wrt = "v_c"', 'wrt = "v_c"\nof = "J2"', two_losses), FILE)
    assert d.claims[0].lhs.text == "grad(J2, v_c)"
    assert d.claims[0].lhs.tree == parse("grad(J2, v_c)")
    err = load_error(two_losses)
    assert_located(err, line=line_no(two_losses, "[[claim]]"), where="claim 'b'", message="of =")


def test_minus_sign_is_unary_in_loaded_formulas() -> None:
    tree = loads(VALID, FILE).definitions["J"].formula.tree
    assert isinstance(tree, Unary) and tree.op == "-"


# --------------------------------------------------------------------------------------------
# Bad files: each error names the file, line, claim/field, and shows a caret
# --------------------------------------------------------------------------------------------


def test_toml_syntax_error_has_line() -> None:
    text = edit('convention = "rows"', "convention = rows")
    err = load_error(text)
    assert_located(err, line=2, where=None, message="TOML syntax error")


def test_toml_syntax_error_late_in_file_has_its_line() -> None:
    text = edit('result = "U.T @ (yhat - y)"', 'result = "U.T @ (yhat - y)')
    err = load_error(text)
    assert_located(err, line=21, where=None, message="TOML syntax error")


def test_unknown_top_level_key() -> None:
    err = load_error(edit("title = ", "titel = "))
    shown = str(err)
    assert shown.startswith(f"{FILE}")
    assert "unknown top-level key(s): titel" in shown


def test_unknown_claim_key() -> None:
    err = load_error(edit("says = ", "sayz = "))
    assert_located(err, line=16, where="claim 'b'", message="unknown key(s): sayz")


def test_claim_without_result() -> None:
    err = load_error(edit('result = "U.T @ (yhat - y)"\n', ""))
    assert_located(err, line=16, where="claim 'b'", message="needs a result")


def test_claim_with_both_wrt_and_lhs() -> None:
    err = load_error(edit('wrt = "v_c"', 'wrt = "v_c"\nlhs = "grad(J, v_c)"'))
    assert_located(err, line=16, where="claim 'b'", message="exactly one of wrt")


def test_claim_with_neither_wrt_nor_lhs() -> None:
    err = load_error(edit('wrt = "v_c"\n', ""))
    assert_located(err, line=16, where="claim 'b'", message="exactly one of wrt")


def test_error_in_second_claim_names_it_and_its_line() -> None:
    text = VALID + edit("says = ", "sayz = ", SECOND_CLAIM)
    err = load_error(text)
    assert_located(err, line=23, where="claim 'c'", message="unknown key(s): sayz")
    assert text.splitlines()[22] == "[[claim]]"


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ('x   = "scalar"', 'x   = "tensor[3]"', "symbols.x", "tensor[3]"),
        ('v_c = "vector[d]"', 'v_c = "vector[d, V]"', "symbols.v_c", "vector takes 1 size"),
        ('U   = "matrix[V, d]"', 'U   = "matrix[V]"', "symbols.U", "matrix takes 2 size"),
        ('o   = "index[V]"', 'o   = "index[3]"', "symbols.o", "index takes 1 size"),
        ('ws  = "indices[K, V]"', 'ws  = "indices[K]"', "symbols.ws", "indices takes 2 or 3 size"),
        ('v_c = "vector[d]"', 'v_c = "vector"', "symbols.v_c", "vector takes 1 size"),
        ('x   = "scalar"', "x   = 3", "symbols.x", "type must be one of"),
    ],
)
def test_bad_type_string(old: str, new: str, where: str, message: str) -> None:
    text = edit(old, new)
    err = load_error(text)
    assert_located(err, line=line_no(text, new), where=where, message=message)


def test_bad_convention() -> None:
    err = load_error(edit('"rows"', '"diagonal"'))
    assert_located(err, line=2, where=None, message="convention must be one of")
    assert "'diagonal'" in str(err)


def test_hostile_formula_in_step_raises_and_runs_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a short sentinel path: the message shows the formula whole
    sentinel = tmp_path / "x"
    formula = "__import__('os').system('touch x')"
    text = edit('steps = ["-U.T @ y + U.T @ yhat"]', f'steps = ["{formula}"]')
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DerivationError) as info:
        load(path)
    err = info.value
    assert not sentinel.exists()
    shown = str(err)
    assert shown.startswith(f"{path}:20: claim 'b', steps[0]: ")
    assert err.text == formula
    lines = shown.splitlines()
    assert lines[-2] == "    " + formula
    assert lines[-1] == "    " + "^" * len("__import__('os').system")


def test_formula_error_caret_points_at_offending_part() -> None:
    text = edit('"U.T @ (yhat - y)"', '"U.T @ (yhat - y.foo)"')
    err = load_error(text)
    assert_located(err, line=21, where="claim 'b', result", message=".foo")
    assert_caret(err, "U.T @ (yhat - y.foo)", "y.foo")


def test_formula_error_in_assume_and_define() -> None:
    err = load_error(edit('"distinct(ws)"', '"distinct(ws, key=1)"'))
    assert_located(err, line=22, where="claim 'b', assume[1]", message="keyword argument")
    assert_caret(err, "distinct(ws, key=1)", "key=1")

    err = load_error(edit('"softmax(U @ v_c)"', '"softmax(U @ _v)"'))
    assert_located(err, line=11, where="define.yhat", message="'_'")
    assert_caret(err, "softmax(U @ _v)", "_v")


def test_syntax_error_in_formula_has_caret() -> None:
    err = load_error(edit('"-log(yhat[o])"', '"-log(yhat[o]) $ 2"'))
    assert_located(err, line=15, where="loss.J", message="syntax error")
    assert_caret(err, "-log(yhat[o]) $ 2", "$")


def test_duplicate_claim_id() -> None:
    text = VALID + edit('id = "c"', 'id = "b"', SECOND_CLAIM)
    err = load_error(text)
    shown = str(err)
    assert shown.startswith(f"{FILE}:23: claim 'b': ")
    assert "claim id 'b' is used twice" in shown


def test_formula_that_is_not_a_string() -> None:
    err = load_error(edit('result = "U.T @ (yhat - y)"', "result = 3"))
    shown = str(err)
    assert shown.startswith(f"{FILE}")
    assert err.where == "claim 'b', result"
    assert "claim 'b', result: expected a formula string, got int" in shown


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ('u_o  = "U[o]"', 'v_c  = "U[o]"', "define.v_c", "defined twice"),
        ('u_o  = "U[o]"', '"1bad" = "U[o]"', "define.1bad", "not a name"),
        ('"J1(o)"', '"J1(o"', "define.J1(o", "not a name"),
    ],
)
def test_bad_definitions(old: str, new: str, where: str, message: str) -> None:
    err = load_error(edit(old, new))
    assert err.where == where
    assert message in str(err)
    assert str(err).startswith(FILE)


def test_bad_sections() -> None:
    err = load_error('title = "t"\nsymbols = "none"\n')
    assert "[symbols] must be a table" in str(err)
    assert err.line == 2
    err = load_error(VALID.replace("[[claim]]", "[claim]"))
    assert "[[claim]]" in str(err)
    err = load_error(edit('steps = ["-U.T @ y + U.T @ yhat"]', "steps = 5"))
    assert err.where == "claim 'b'"
    assert "steps must be a list of formulas" in str(err)


def test_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(DerivationError) as info:
        load(missing)
    assert str(info.value).startswith(f"{missing}: cannot read file")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'title = "\xff\xfe"\n')
    with pytest.raises(DerivationError) as info:
        load(binary)
    assert str(info.value).startswith(f"{binary}:1: cannot read file: not UTF-8 text (byte 0xff at offset 9)")


# --------------------------------------------------------------------------------------------
# Former bugs in the loader, fixed: regression tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (edit("title = ", "titel = "), 1),
        (VALID + edit('id = "c"', 'id = "b"', SECOND_CLAIM), 23),
        (edit('result = "U.T @ (yhat - y)"', "result = 3"), 21),
        (edit('steps = ["-U.T @ y + U.T @ yhat"]', "steps = 5"), 20),
    ],
    ids=["top-level-key", "duplicate-id", "non-string-formula", "non-list-steps"],
)
def test_every_error_has_a_line(text: str, line: int) -> None:
    err = load_error(text)
    assert err.line == line
    assert str(err).startswith(f"{FILE}:{line}: ")


def test_symbol_error_line_is_not_fooled_by_other_lines() -> None:
    text = edit('"Naive softmax"', '"Two losses"', edit('"index[V]"', '"tensor[3]"'))
    err = load_error(text)
    assert err.where == "symbols.o"
    assert err.line == line_no(text, "tensor[3]") == 6


def test_claim_line_with_trailing_comment() -> None:
    text = (
        edit("[[claim]]", "[[claim]]  # the first one", edit("says = ", "sayz = ")) + SECOND_CLAIM
    )
    err = load_error(text)
    assert err.where == "claim 'b'"
    assert err.line == 16


def test_definition_params_must_be_names() -> None:
    err = load_error(edit('"J1(o)"', '"J1(1, +)"'))
    assert err.where == "define.J1(1, +)"


def test_of_must_name_a_loss() -> None:
    err = load_error(edit('wrt = "v_c"', 'wrt = "v_c"\nof = 3'))
    assert err.where == "claim 'b'"
