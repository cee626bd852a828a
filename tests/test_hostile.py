"""Hostile derivation files: each is refused with a message naming the file (and line), exit
status 2, quickly and without a traceback, while the other files on the command line are still
checked. Then generated hostile texts (random TOML, declarations, definitions and formulas, and
mutations of the real files): loading raises DerivationError or gives a Derivation that lowers
and checks into verdicts, never another exception."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rich.console import Console

from symw2v.cli import main
from symw2v.derivation.errors import DerivationError
from symw2v.derivation.loader import loads
from symw2v.language.syntax import BUILTINS
from symw2v.report.table import TablePrinter
from symw2v.symbolic.lower import CALLS, Scope
from symw2v.verify.checker import check_derivation, prepare
from symw2v.verify.verdict import SEVERITY, ClaimResult, StepResult
from tests.helpers import DERIVATIONS

GOOD = DERIVATIONS / "e_relu.toml"  # one claim, proved in a few milliseconds
SECONDS = 5.0  # generous: "well under a second" on an idle machine, two shared cores here
PRE = '[symbols]\nx = "scalar"\nv = "vector[d]"\nU = "matrix[V, d]"\nw = "index[V]"\nws = "indices[K, V]"\n'


def claim(lhs: str, result: str = "x") -> str:
    return f'[[claim]]\nid = "c"\nlhs = {json.dumps(lhs)}\nresult = {json.dumps(result)}\n'


def check_cli(*paths: Path | str) -> tuple[int, list[dict], str]:
    """Run ``symw2v check --json PATHS`` in process: exit code, records, everything printed."""
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["check", "--json", *map(str, paths)])
    seconds = time.perf_counter() - start
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert seconds < SECONDS, seconds
    return result.exit_code, json.loads(result.stdout), result.output


def assert_refused(path: Path | str, message: str, line: int | None = None) -> str:
    """``path`` checked beside a good file: exit 2, one malformed record naming the file (and
    line) with ``message``, and the good file's claim still proved."""
    code, records, _ = check_cli(path, GOOD)
    assert code == 2
    bad, *good = records
    assert bad["verdict"] == "malformed" and bad["file"] == str(path)
    location = f"{path}:{line}: " if line else f"{path}"
    assert bad["error"].startswith(location), bad["error"]
    assert message in bad["error"], bad["error"]
    assert [(r["file"], r["verdict"]) for r in good] == [(str(GOOD), "proved")]
    return bad["error"]


def write(tmp_path: Path, text: str | bytes, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


# --------------------------------------------------------------------------------------------
# One test per hostile case
# --------------------------------------------------------------------------------------------


def test_circular_definitions(tmp_path: Path) -> None:
    path = write(tmp_path, PRE + '[define]\na = "b"\nb = "a"\n' + claim("a"))
    shown = assert_refused(path, "define.b: circular definition: a -> b -> a", line=9)
    assert shown.endswith("    a\n    ^")  # the use of a that closes the circle


def test_self_calling_macro(tmp_path: Path) -> None:
    path = write(tmp_path, PRE + '[define]\n"f(x)" = "f(x)"\n' + claim("f(x)"))
    assert_refused(path, "circular definition: f -> f", line=8)


def test_circle_through_a_loss_and_a_claim_is_found_once(tmp_path: Path) -> None:
    text = PRE + '[define]\nyhat = "softmax(U @ v) * J"\n[loss]\nJ = "-log(yhat[w])"\n'
    path = write(tmp_path, text + '[[claim]]\nid = "c"\nwrt = "v"\nresult = "v"\n')
    assert_refused(path, "circular definition: yhat -> J -> yhat", line=10)


def test_symbol_named_like_its_own_size(tmp_path: Path) -> None:
    path = write(tmp_path, '[symbols]\nV = "matrix[V, d]"\n' + claim("V", "V"))
    assert_refused(path, "'V' is the name of a symbol and of a size of V", line=2)


def test_size_clashing_with_a_symbol(tmp_path: Path) -> None:
    path = write(tmp_path, '[symbols]\nd = "scalar"\nU = "matrix[V, d]"\n' + claim("d", "d"))
    assert_refused(path, "'d' is the name of a symbol and of a size of U", line=3)


def test_definition_named_like_a_size(tmp_path: Path) -> None:
    path = write(tmp_path, PRE + '[define]\nV = "x"\n' + claim("V"))
    assert_refused(path, "'V' is defined twice: it is already a size", line=8)


@pytest.mark.parametrize("nest", ["[", "{a = "], ids=["arrays", "inline-tables"])
def test_toml_nested_a_thousand_levels(tmp_path: Path, nest: str) -> None:
    close = "]" if nest == "[" else "}"
    path = write(tmp_path, "a = " + nest * 1_500 + "1" + close * 1_500 + "\n" + PRE + claim("x"))
    assert_refused(path, "TOML syntax error: arrays or tables nested too deeply")


@pytest.mark.parametrize(
    ("entry", "name"),
    [
        ('[define]\n"exp(t)" = "t"', "exp"),  # exp(x) = x was "proved"
        ('[define]\nsigma = "x"', "sigma"),
        ('[define]\n"sum(a, b)" = "a + b"', "sum"),
        ('[define]\n"grad(f, y)" = "f"', "grad"),
        ('[define]\n"softmax(z)" = "z"', "softmax"),
        ('[loss]\nlog = "x"', "log"),
        ('[define]\n"f(exp)" = "exp"', "exp"),  # a parameter
        ('[define]\ndistinct = "x"', "distinct"),
    ],
)
def test_definition_shadowing_a_builtin(tmp_path: Path, entry: str, name: str) -> None:
    path = write(tmp_path, PRE + entry + "\n" + claim("exp(x)"))
    assert_refused(path, f"{name!r} is a built-in function of the formula language", line=8)


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ('relu = "scalar"', "'relu' is a built-in function"),
        ('v2 = "vector[ones]"', "size 'ones' is a built-in function"),
        ('lambda = "scalar"', "'lambda' is a Python keyword"),
        ('a2345678901234567890123456789012345678901234567890123456789012345 = "scalar"', "longer than 64"),
    ],
)
def test_symbol_or_size_shadowing_a_builtin_or_keyword(tmp_path: Path, declaration: str, message: str) -> None:
    path = write(tmp_path, PRE + declaration + "\n" + claim("x"))
    assert_refused(path, message, line=7)


def test_builtins_are_the_lowering_functions_and_distinct() -> None:
    assert set(CALLS) | {"distinct"} == BUILTINS


@pytest.mark.parametrize(
    "text",
    ["", "\n\n   \n", "# only a comment\n", 'title = "no claims"\n' + PRE],
    ids=["empty", "blank", "comment", "no-claim"],
)
def test_file_without_a_claim(tmp_path: Path, text: str) -> None:
    assert_refused(write(tmp_path, text), "nothing to check: the file has no [[claim]]")


@pytest.mark.parametrize(
    ("lhs", "message"),
    [
        ("10**10**10", "the exponent 10000000000 is beyond the limit"),
        ("2**10**10", "the exponent 10000000000 is beyond the limit"),
        ("x**10**10**10", "the exponent 10000000000 is beyond the limit"),
        ("x**1000", "the exponent 1000 is beyond the limit"),
        ("x**(1/1000)", "the exponent 1/1000 is beyond the limit"),
        ("(x**50)**50", "the exponent 2500 is beyond the limit"),
        ("((2**100)**100)**100", "the power of numbers has more than 10,000 bits"),
        ("2**V", "the exponent of ** may not depend on a size or an index"),
        ("x**sum(k, v[k])", "the exponent of ** may not depend on a size or an index"),
        ("x * 1" + "0" * 40, "too large or too precise"),
        ("x * 1e400", "too large or too precise"),
    ],
)
def test_huge_powers_and_numbers(tmp_path: Path, lhs: str, message: str) -> None:
    path = write(tmp_path, PRE + claim(lhs))
    assert_refused(path, message, line=9)


def test_a_hundred_thousand_symbols(tmp_path: Path) -> None:
    names = "".join(f'x{n} = "scalar"\n' for n in range(100_000))
    path = write(tmp_path, "[symbols]\n" + names + claim("x1", "x1"))
    assert_refused(path, "cannot read file: larger than the limit of 256,000 bytes")


def test_more_symbols_than_the_limit(tmp_path: Path) -> None:
    names = "".join(f'x{n} = "scalar"\n' for n in range(1_001))
    path = write(tmp_path, "[symbols]\n" + names + claim("x1", "x1"))
    assert_refused(path, "[symbols] has 1,001 entries; the limit is 1,000", line=1)


def test_more_claims_and_steps_than_the_limits(tmp_path: Path) -> None:
    many = PRE + "".join(f'[[claim]]\nid = "c{n}"\nlhs = "x"\nresult = "x"\n' for n in range(501))
    assert_refused(write(tmp_path, many), "501 claims; the limit is 500")
    steps = PRE + f'[[claim]]\nid = "c"\nlhs = "x"\nsteps = {json.dumps(["x"] * 101)}\nresult = "x"\n'
    assert_refused(write(tmp_path, steps, "steps.toml"), "steps has 101 formulas; the limit is 100", line=10)


def test_formula_of_eighty_thousand_characters(tmp_path: Path) -> None:
    path = write(tmp_path, PRE + claim("+".join(["x"] * 40_000)))
    shown = assert_refused(path, "formula of 79999 characters; the limit is 4000", line=9)
    assert len(shown) < 500  # an excerpt of the formula, not all of it


@pytest.mark.parametrize(
    ("lhs", "message"),
    [
        ("(" * 1_000 + "x" + ")" * 1_000, "too many nested parentheses"),  # Python's own parser
        ("(1 + " * 50 + "x" + ")" * 50, "formula nested more than 40 levels deep"),
        ("exp(" * 50 + "x" + ")" * 50, "formula nested more than 40 levels deep"),
        ("-" * 1_000 + "x", "formula nested more than 40 levels deep"),
        ("x" + ".T" * 100, "formula nested more than 40 levels deep"),
        ("x + " * 100 + "x", "formula nested more than 40 levels deep"),
        ("[x > " * 30 + "0" + "]" * 30, "formula nested more than 40 levels deep"),
    ],
    ids=["parens-1000", "parens-50-sums", "calls", "unary", "transposes", "sum-chain", "indicators"],
)
def test_deeply_nested_formula(tmp_path: Path, lhs: str, message: str) -> None:
    path = write(tmp_path, PRE + claim(lhs))
    assert_refused(path, message, line=9)


def test_definitions_that_grow_exponentially_or_chain_deeply(tmp_path: Path) -> None:
    doubling = "".join(f'a{n} = "a{n - 1} + a{n - 1}"\n' for n in range(1, 60))
    path = write(tmp_path, PRE + '[define]\na0 = "x"\n' + doubling + claim("a59"))
    assert_refused(path, "larger than 1,000 nodes once its definitions are written out")
    chain = "".join(f'a{n} = "exp(a{n - 1})"\n' for n in range(1, 200))
    path = write(tmp_path, PRE + '[define]\na0 = "x"\n' + chain + claim("a199"), "chain.toml")
    assert_refused(path, "nested more than 64 levels deep once its definitions are written out")
    softmaxes = PRE + '[define]\ns0 = "v"\n' + "".join(f's{n} = "softmax(s{n - 1})"\n' for n in range(1, 20))
    path = write(tmp_path, softmaxes + claim("s19[0]"), "softmax.toml")
    assert_refused(path, "larger than 1,000 nodes")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 4, "cannot read file: not UTF-8 text (byte 0x80 at offset 128)"),
        (b'title = "\xff"\n', "cannot read file: not UTF-8 text (byte 0xff at offset 9)"),
        ("title = 'é'\n".encode("latin-1"), "cannot read file: not UTF-8 text"),
        ("title = 'x'\n".encode("utf-16"), "cannot read file: not UTF-8 text"),
        (b"a = 1\x00\n", "TOML syntax error"),
        (b"\xef\xbb\xbf" + PRE.encode(), "nothing to check"),  # a UTF-8 byte-order mark is fine
    ],
    ids=["all-bytes", "latin-1-in-string", "latin-1", "utf-16", "nul", "bom"],
)
def test_binary_and_non_utf8_input(tmp_path: Path, content: bytes, message: str) -> None:
    assert_refused(write(tmp_path, content), message)


def test_folder_without_toml_and_files_that_are_not_regular(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.txt").write_text("x")
    assert_refused(empty, "no .toml file in this folder")
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # opening it would block forever
    assert_refused(fifo, "cannot read file: not a regular file")
    folder = tmp_path / "folder"
    (folder / "dir.toml").mkdir(parents=True)  # a folder named like a file
    code, records, _ = check_cli(folder, GOOD)
    assert code == 2 and "not a regular file" in records[0]["error"]


def test_missing_file(tmp_path: Path) -> None:
    assert_refused(tmp_path / "missing.toml", "cannot read file: No such file or directory")


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = write(tmp_path, PRE + claim("x"))
    path.chmod(0)
    assert_refused(path, "cannot read file: Permission denied")


@pytest.mark.parametrize("lhs", ["relu(1/0)", "[x > (-1)**0.5]", "[x > log(-1)]", "[x > 0/0]", "relu(x + 1/0)"])
def test_undefined_constants_are_undecided_not_an_exception(tmp_path: Path, lhs: str) -> None:
    code, records, _ = check_cli(write(tmp_path, PRE + claim(lhs)), GOOD)
    assert code == 1
    assert [r["verdict"] for r in records] == ["undecided", "proved"]


def test_many_hostile_files_at_once_keep_their_own_messages(tmp_path: Path) -> None:
    files = [
        write(tmp_path, "", "empty.toml"),
        write(tmp_path, PRE + '[define]\na = "a"\n' + claim("a"), "circle.toml"),
        write(tmp_path, PRE + claim("2**10**10"), "power.toml"),
    ]
    code, records, _ = check_cli(*files, GOOD)
    assert code == 2
    assert [r["verdict"] for r in records] == ["malformed"] * 3 + ["proved"]
    assert [r["file"] for r in records] == [str(f) for f in files] + [str(GOOD)]


def test_terminal_report_of_a_hostile_file_has_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, PRE + '[define]\na = "b"\nb = "a"\n' + claim("a"))
    result = CliRunner().invoke(main, ["check", str(path), str(GOOD)])
    assert result.exit_code == 2 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "circular definition" in result.output and "1 proved, 1 malformed" in result.output


# --------------------------------------------------------------------------------------------
# The terminal report prints user text verbatim (rich would read [w] as markup)
# --------------------------------------------------------------------------------------------


def test_report_prints_bracketed_text_verbatim() -> None:
    step = StepResult(1, "U[w] @ v_c", "sum(j, [ws[j] == ws[s]] * U[w])", "malformed", "bad [ws] [/] [bold]")
    step.note, step.diagnosis = "note on [ws[j] == ws[s]]", "diagnosis [w]"
    result = ClaimResult(
        "dir/[w].toml", "[ws]", "says U[w] [red]", "malformed", [step], error="file:3: U[w] bad [ws[j] == ws[s]]\\"
    )
    out = io.StringIO()
    TablePrinter(Console(file=out, width=400, soft_wrap=True)).print([result], all_chains=True)
    text = out.getvalue()
    for piece in (
        "U[w] @ v_c",
        "sum(j, [ws[j] == ws[s]] * U[w])",
        "bad [ws] [/] [bold]",
        "note on [ws[j] == ws[s]]",
        "diagnosis [w]",
        "[w].toml",
        "says U[w] [red]",
        "error file:3: U[w] bad [ws[j] == ws[s]]\\",
    ):
        assert piece in text, piece


# --------------------------------------------------------------------------------------------
# Generated hostile texts
# --------------------------------------------------------------------------------------------

NAMES = ["x", "v", "U", "w", "ws", "k", "V", "d", "K", "a", "b", "f", "J", "y"]
TOKENS = [
    *NAMES,
    *(f"{f}(" for f in sorted(BUILTINS)),
    "sum(k, ",
    "sum(k in V, ",
    "onehot(w, V)",
    "ones(d)",
    "f(x)",
    "grad(J, v)",
    *["+", "-", "*", "/", "**", "@", ".T", "[", "]", "(", ")", ", ", " == ", " != ", " > ", " in ", " not in "],
    *["0", "1", "2", "0.5", "1e400", "10**10", "9" * 45, "1/0", "0**-1"],
    *["$", "\\", "'", '"', "\n", "é", " ", "\x00", "lambda", "__import__", ";", ":", "{", "}", "U[ws]", "U[w, 0]"],
]
LEAVES = [*NAMES, "0", "1", "2", "0.5", "-1", "U[w]", "v[0]", "ws[k]", "U[ws]", "U[ws[0]]", "1/0", "10**10"]


def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One more level of the formula grammar over ``inner``, valid or not in shape."""
    ops = st.sampled_from(["+", "-", "*", "/", "**", "@"])
    unary = st.sampled_from(["exp", "log", "sigma", "relu", "tanh", "softmax", "ones", "zeros", "f", "distinct", "y"])
    binary = st.sampled_from(["outer", "logaddexp", "onehot", "grad", "sum", "g"])
    return st.one_of(
        st.builds("({} {} {})".format, inner, ops, inner),
        st.builds("-{}".format, inner),
        st.builds("{}.T".format, inner),
        st.builds("{}({})".format, unary, inner),
        st.builds("{}({}, {})".format, binary, inner, inner),
        st.builds("sum(k in V, {})".format, inner),
        st.builds("{}[{}]".format, inner, inner),
        st.builds("[{} {} {}]".format, inner, st.sampled_from(["==", "!=", ">", "<=", "in"]), inner),
    )


def often(usual: st.SearchStrategy, hostile: st.SearchStrategy) -> st.SearchStrategy:
    """``usual`` nine times in ten: few hostile parts at a time let the rest of a file load."""
    return st.sampled_from([True] * 9 + [False]).flatmap(lambda ok: usual if ok else hostile)


soup = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25).map("".join)
TYPES = ["scalar", "vector[d]", "matrix[V, d]", "index[V]", "indices[K, V]", "vector[V]", "matrix[d, d]"]
TYPES += ["indices[M, K, V]"]
BAD_TYPES = ["tensor[3]", "vector[]", "vector[exp]", "index[[V]]", "", 5]
types = often(st.sampled_from(TYPES), st.sampled_from(BAD_TYPES))
BASE = {"x": "scalar", "v": "vector[d]", "U": "matrix[V, d]", "w": "index[V]", "ws": "indices[K, V]"}
more_symbols = st.dictionaries(st.sampled_from(["y", "z", "b"]), types, max_size=2)
symbol_tables = often(
    st.builds(lambda extra: {**BASE, **extra}, more_symbols),
    st.dictionaries(st.sampled_from([*NAMES, "exp", "if", "_a"]), types, max_size=8),
)
BAD_KEYS = ["f(x, x)", "exp(t)", "sum", "V", "1bad", "f(", "k"]
keys = often(st.sampled_from(["a", "b", "y", "f(x)", "g(y, z)"]), st.sampled_from(BAD_KEYS))
ASSUMPTIONS = ["distinct(ws)", "w not in ws", "w != k", "ws != w", "x > 0", "w in ws", "U[w] @ v > x", "x > 1", "1 > 2"]
CLAIM_KEYS = ["id", "says", "wrt", "of", "lhs", "steps", "result", "assume", "when", "note", "bogus"]
FRAGMENTS = ["[", "]]", "= ", '"', "[[claim]]\n", "a = [[[[", "\n[symbols]\n", "'''", "\x00", "\n[define]\n", "{"]


def toml(value: object) -> str:
    """``value`` as a TOML value (strings as JSON strings, which TOML reads alike)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(map(toml, value)) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items()) + "}"


SCALARS = ["x", "v[0]", "U[w, 0]", "U[w] @ v", "softmax(U @ v)[w]", "sum(k, v[k])", "0.5", "2", "-1", "[ws[0] == w]"]


def grow_scalar(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One more level of scalar formulas over ``inner``: always well shaped, so checked."""
    return st.one_of(
        st.builds("({} {} {})".format, inner, st.sampled_from(["+", "-", "*", "/"]), inner),
        st.builds("{}({})".format, st.sampled_from(["exp", "log", "sigma", "relu", "tanh", "-"]), inner),
        st.builds("({})**{}".format, inner, st.sampled_from(["2", "-1", "0.5", "0"])),
        st.builds("[{} > {}]".format, inner, inner),
        st.builds("grad({}, x)".format, inner),
    )


def formula_strategy(leaves: list[str]) -> st.SearchStrategy[str]:
    """Well-shaped scalar formulas, or formulas of the grammar grown from ``leaves``, or else
    token soup or any text."""
    scalars = st.recursive(st.sampled_from(SCALARS), grow_scalar, max_leaves=6)
    return often(scalars | st.recursive(st.sampled_from(leaves), grow, max_leaves=10), soup | st.text(max_size=30))


def derivation_texts(leaves: list[str] = LEAVES) -> st.SearchStrategy[str]:
    """Derivation files of random declarations, definitions, a loss and claims with formulas
    grown from ``leaves``, sometimes with a TOML fragment inserted, a slice deleted or a
    formula replaced."""
    formulas = formula_strategy(leaves)
    odd = st.one_of(st.integers(-3, 10**30), st.booleans(), st.just([]), st.just({}), st.lists(formulas, max_size=3))
    chains = {"steps": st.lists(formulas, max_size=3), "says": st.text(max_size=10)}
    assumptions = st.lists(st.sampled_from(ASSUMPTIONS) | formulas, max_size=2)
    claims = st.one_of(
        st.fixed_dictionaries(
            {"lhs": formulas, "result": formulas}, optional={**chains, "assume": assumptions, "when": assumptions}
        ),
        st.fixed_dictionaries(
            {"wrt": st.sampled_from(["v", "x", "U", "U[w]", "U[ws[0]]", "w"]) | formulas, "result": formulas},
            optional={**chains, "of": st.sampled_from(["J", "a", "zz"]) | odd},
        ),
        st.dictionaries(st.sampled_from(CLAIM_KEYS), formulas | odd, max_size=7),
    )

    @st.composite
    def texts(draw: st.DrawFn) -> str:
        lines = [f"convention = {toml(draw(often(st.just('rows'), st.sampled_from(['columns', 'diagonal']))))}"]
        if draw(st.booleans()):
            lines.append(f"assume = {toml(draw(assumptions))}")
        lines += ["[symbols]", *(f"{json.dumps(k)} = {toml(v)}" for k, v in draw(symbol_tables).items())]
        definitions = draw(st.dictionaries(keys, formulas, max_size=3))
        lines += ["[define]", *(f"{json.dumps(k)} = {toml(v)}" for k, v in definitions.items())]
        if draw(st.booleans()):
            lets = draw(st.dictionaries(st.sampled_from(["theta", "s", "f(x)"]), formulas, max_size=2))
            lines += ["[let]", *(f"{json.dumps(k)} = {toml(v)}" for k, v in lets.items())]
        lines += ["[loss]", f"J = {toml(draw(formulas))}"]
        for n, entry in enumerate(draw(st.lists(claims, min_size=1, max_size=3))):
            lines += ["[[claim]]", f'id = "c{n}"', *(f"{k} = {toml(v)}" for k, v in entry.items() if k != "id")]
        return mutate(draw, "\n".join(lines) + "\n", formulas)

    return texts()


def mutate(draw: st.DrawFn, text: str, formulas: st.SearchStrategy[str]) -> str:
    """``text`` as it is (two times in three), with a fragment inserted, a slice deleted, or
    a formula string replaced."""
    choice = draw(st.sampled_from(["none"] * 6 + ["insert", "delete", "replace"]))
    at = draw(st.integers(0, len(text)))
    if choice == "insert":
        return text[:at] + draw(st.sampled_from(FRAGMENTS) | formulas) + text[at:]
    if choice == "delete":
        return text[:at] + text[at + draw(st.integers(1, 40)) :]
    if choice == "replace":
        quotes = [n for n, c in enumerate(text) if c == '"']
        if len(quotes) >= 2:
            start = draw(st.sampled_from(quotes[:-1]))
            end = text.index('"', start + 1)
            return text[: start + 1] + draw(formulas).replace("\\", "").replace('"', "") + text[end:]
    return text


REAL = [p.read_text() for p in sorted(DERIVATIONS.glob("*.toml"))]


@st.composite
def mutated_real_files(draw: st.DrawFn) -> str:
    """A real derivation file with one to three mutations, or a line duplicated or moved."""
    text = draw(st.sampled_from(REAL))
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        n, m = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        if draw(st.booleans()):
            lines.insert(m, lines[n] if draw(st.booleans()) else lines.pop(n))
            text = "\n".join(lines)
        else:
            text = mutate(draw, text, formula_strategy(LEAVES))
    return text


def load_and_lower(text: str) -> None:
    """Load ``text``; if it loads, lower every claim. Only DerivationError may be raised."""
    try:
        derivation = loads(text, "fuzz.toml")
    except DerivationError as err:
        assert str(err).startswith("fuzz.toml")
        event(f"refused while loading: {err.message.split(':')[0][:30]}")
        return
    scope = Scope.of(derivation)
    for c in derivation.claims:
        try:
            steps, _ = prepare(derivation, scope, c)
            event(f"claim lowered, {sum(isinstance(s, DerivationError) for s in steps)} malformed steps")
        except DerivationError:
            event("claim refused while lowering")


FUZZ = dict(deadline=None, suppress_health_check=list(HealthCheck))


@settings(max_examples=1_000, **FUZZ)
@given(derivation_texts())
def test_generated_files_load_and_lower_or_are_refused(text: str) -> None:
    load_and_lower(text)


@settings(max_examples=500, **FUZZ)
@given(mutated_real_files())
def test_mutated_real_files_load_and_lower_or_are_refused(text: str) -> None:
    load_and_lower(text)


# Exceptions found escaping check_claim (symw2v/verify, outside the loader): listed here, with a
# reproducer each below, and tolerated by the test above; any other exception fails it.
# Once exceptions escaping from check_claim, each now the claim's verdict: a bare size in the
# diagnosis, an indicator undefined at a point (nan, zoo), a sum SymPy turned into a product
# inside a condition, a breakpoint that does not exist (x / 0).
FORMER_ESCAPES = [
    ("x", "-V", "refuted"),
    ("x", "[x > x / v[0]]", "refuted"),
    ("x", "[x > log(x)]", "refuted"),
    ("[[[[ws[0] == w] > x] > [0.5 > softmax(U @ v)[w]]] > 0]", "x", "refuted"),
    ("relu(x / 0)", "x", "undecided"),
]


@settings(max_examples=500, **FUZZ)
@given(derivation_texts())
def test_generated_files_check_into_verdicts_and_print(text: str) -> None:
    try:
        derivation = loads(text, "fuzz.toml")
    except DerivationError as err:
        event(f"refused while loading: {err.message.split(':')[0][:30]}")
        return
    results = check_derivation(derivation, 0.2)
    assert all(r.verdict in SEVERITY for r in results)
    for r in results:
        event(f"claim {r.verdict}")
    TablePrinter(Console(file=io.StringIO(), width=120)).print(results, all_chains=True)


@pytest.mark.parametrize(
    ("lhs", "result", "verdict"), FORMER_ESCAPES, ids=["bare-size", "nan", "zoo", "product", "x/0"]
)
def test_former_escapes_from_check_claim_are_verdicts(lhs: str, result: str, verdict: str) -> None:
    [found] = check_derivation(loads(PRE + claim(lhs, result)), 5)
    assert found.verdict == verdict, [s.shown for s in found.steps]
