"""Tests of the formula language: parser safety, error spans, and the printer round trip."""

from __future__ import annotations

import builtins
import contextlib
import keyword
import os
import subprocess
import warnings
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symw2v.language.errors import FormulaError
from symw2v.language.parser import MAX_LENGTH, parse
from symw2v.language.printer import to_text
from symw2v.language.syntax import (
    Binary,
    Call,
    Compare,
    Indicator,
    Name,
    Node,
    Number,
    Span,
    Subscript,
    Transpose,
    Unary,
)

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

NO_SPAN = Span(0, 0)  # spans do not take part in equality


def nm(name: str) -> Name:
    return Name(name, span=NO_SPAN)


def num(value: int | str | Fraction) -> Number:
    return Number(Fraction(value), span=NO_SPAN)


def neg(operand: Node) -> Unary:
    return Unary("-", operand, span=NO_SPAN)


def binary(op: str, left: Node, right: Node) -> Binary:
    return Binary(op, left, right, span=NO_SPAN)


def call(func: str, *args: Node) -> Call:
    return Call(func, args, span=NO_SPAN)


def sub(base: Node, *indices: Node) -> Subscript:
    return Subscript(base, indices, span=NO_SPAN)


def tr(operand: Node) -> Transpose:
    return Transpose(operand, span=NO_SPAN)


def cmp(op: str, left: Node, right: Node) -> Compare:
    return Compare(op, left, right, span=NO_SPAN)


def ind(op: str, left: Node, right: Node) -> Indicator:
    return Indicator(cmp(op, left, right), span=NO_SPAN)


def children(node: Node) -> tuple[Node, ...]:
    match node:
        case Unary(operand=a) | Transpose(operand=a):
            return (a,)
        case Binary(left=a, right=b) | Compare(left=a, right=b):
            return (a, b)
        case Call(args=args):
            return args
        case Subscript(base=base, indices=indices):
            return (base, *indices)
        case Indicator(condition=c):
            return (c,)
    return ()


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in children(node):
        yield from walk(child)


def span_within(span: Span, text: str) -> bool:
    """A non-empty half-open range inside ``text``."""
    return 0 <= span.start < span.end <= len(text)


def span_near(span: Span, text: str) -> bool:
    """Inside ``text``, or the one-character caret just past its end (end-of-input errors)."""
    if span.start == len(text):
        return span.end in (len(text), len(text) + 1)
    return 0 <= span.start <= span.end <= len(text)


def expect_formula_error(text: object) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        parse(text)  # type: ignore[arg-type]
    err = info.value
    assert isinstance(err.message, str) and err.message
    assert str(err) == err.message
    return err


# --------------------------------------------------------------------------------------------
# Nothing is ever executed: sentinels for the usual ways out of a sandbox
# --------------------------------------------------------------------------------------------

DANGEROUS_MODULES = {"os", "subprocess", "shutil", "ctypes", "socket", "importlib", "pty"}


@contextlib.contextmanager
def no_side_effects() -> Iterator[list[str]]:
    """Replace eval/exec/dangerous imports/os.system/os.popen/subprocess.Popen with recorders
    for the duration of the block, then assert none was used. Works inside hypothesis tests
    (no function-scoped fixture needed)."""
    calls: list[str] = []
    real_import = builtins.__import__

    def spy_import(name, *args, **kwargs):
        if name.split(".")[0] in DANGEROUS_MODULES:
            calls.append(f"import {name}")
        return real_import(name, *args, **kwargs)

    def recorder(label: str):
        def record(*args, **kwargs):
            calls.append(label)
            raise AssertionError(f"{label} called while parsing")

        return record

    patches = [
        (builtins, "__import__", spy_import),
        (builtins, "eval", recorder("eval")),
        (builtins, "exec", recorder("exec")),
        (os, "system", recorder("os.system")),
        (os, "popen", recorder("os.popen")),
        (subprocess, "Popen", recorder("subprocess.Popen")),
    ]
    saved = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in patches]
    for obj, attr, value in patches:
        setattr(obj, attr, value)
    try:
        yield calls
    finally:
        for obj, attr, value in saved:
            setattr(obj, attr, value)
    assert calls == [], f"parsing executed something: {calls}"


def test_sentinels_themselves_work(tmp_path: Path) -> None:
    """Guard against a vacuous sentinel: the recorders really do catch execution."""
    with pytest.raises(AssertionError):
        with no_side_effects():
            os.system(f"touch {tmp_path / 'x'}")
    with pytest.raises(AssertionError, match="parsing executed something"):
        with no_side_effects():
            __import__("os")
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------------------------
# Hostile input: always FormulaError, with a span inside the text, and nothing runs
# --------------------------------------------------------------------------------------------


def hostile_formulas(sentinel: Path) -> list[str]:
    s = str(sentinel)
    return [
        f"__import__('os').system('touch {s}')",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__.__mro__",
        "exec('x')",
        f"exec(\"open('{s}', 'w')\")",
        "eval('1')",
        f"open('{s}', 'w')",
        "__import__",
        "__builtins__",
        f"(lambda: __import__('os').system('touch {s}'))()",
        "lambda: 0",
        "a * (lambda x: x)",
        f'f\'{{__import__("os").system("touch {s}")}}\'',
        "f'{x}'",
        "(x := 1)",
        "y + (x := __import__('os'))",
        f"[__import__('os').system('touch {s}') for q in [0]]",
        "[x for x in y]",
        "{x for x in y}",
        "(x for x in y)",
        "sum(x for x in y)",
        "softmax(x, axis=1)",
        "f(**kw)",
        "f(*args)",
        "getattr(x, 'T')",
        "globals()['os']",
        "x if y else z",
        "x and y",
        "not x",
        "x % y",
        "x // y",
        "x << 2",
        "x ^ y",
        "~x",
        "x is None",
        "a < b < c",
        "x[1:2]",
        "x[...]",
        "{1: 2}",
        "(x, y)",
        "[x, y]",
        "'string'",
        "b'bytes'",
        "True",
        "None",
        "1j",
        "1e999",
        "x.foo",
        "x.T.foo",
        "f(x)(y)",
        "_private",
        "softmax(_x)",
        "await x",
        "(yield x)",
        "x = 1",
        "import os",
        "x; y",
        "x\ny",
        "del x",
        "x +",
        "x $ y",
        "\x00",
        "(" * 10_000 + "x" + ")" * 10_000,
        "(" * 1_999 + "x" + ")" * 1_999,
        "x" * (MAX_LENGTH + 1),
        "x + " * 2_000 + "x",
    ]


# Deep nesting may be rejected by a recursion guard without a position; everything else above
# must say where the problem is.
NESTED = [
    "-" * 3_999 + "x",
    "a+" * 1_999 + "a",
    "x" + ".T" * 1_999,
    "2**" * 1_333 + "2",
    "[a == " * 500 + "b" + "]" * 500,
    "f(" * 1_000 + ")" * 1_000,
]


@pytest.mark.parametrize("index", range(len(hostile_formulas(Path("/nonexistent")))))
def test_hostile_formula_is_rejected_with_span_and_never_runs(index: int, tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    text = hostile_formulas(sentinel)[index]
    with no_side_effects():
        err = expect_formula_error(text)
    assert err.span is not None, f"no position for {text[:60]!r}: {err.message}"
    if text == "x +":  # end-of-input error: the caret sits just past the text (see xfail below)
        assert span_near(err.span, text)
    else:
        assert span_within(err.span, text), (text[:60], err.span)
    assert not sentinel.exists()


@pytest.mark.parametrize("text", NESTED, ids=lambda t: t[:8])
def test_deep_nesting_is_rejected_cleanly(text: str) -> None:
    assert len(text) <= MAX_LENGTH  # so it is the nesting, not the length, that is refused
    with no_side_effects():
        err = expect_formula_error(text)
    if err.span is not None:
        assert span_within(err.span, text)


@pytest.mark.parametrize(
    ("text", "covered"),
    [
        ("x + y.foo", "y.foo"),
        ("é + y.foo", "y.foo"),  # spans count characters, not UTF-8 bytes
        ("x +\n  y.foo", "y.foo"),  # and work across lines
        ("softmax(U @ v_c, axis=1)", "axis=1"),
        ("a * (lambda: 0)", "lambda: 0"),
        ("x[1:2]", "1:2"),
        ("U @ v.__class__", "v.__class__"),
        ("-_hidden", "_hidden"),
        ("x + 'abc'", "'abc'"),
        ("exp(x) // 2", "exp(x) // 2"),
        ("sigma(x)(y)", "sigma(x)"),
        ("U.T @ (y - (z := 1))", "z := 1"),
        ("a + (b < c < d)", "b < c < d"),
        ("[x == y, z] @ v", "[x == y, z]"),
        ("x $ y", "$"),
    ],
)
def test_error_span_points_at_the_offending_construct(text: str, covered: str) -> None:
    err = expect_formula_error(text)
    assert err.span is not None
    assert text[err.span.start : err.span.end] == covered


@pytest.mark.parametrize("text", ["", "   ", " \n\t "])
def test_empty_formula_is_rejected(text: str) -> None:
    err = expect_formula_error(text)
    assert "empty" in err.message
    assert err.span == Span(0, len(text))


@pytest.mark.parametrize("value", [None, 3, 1.5, b"x", ["x"]])
def test_non_string_input_is_a_formula_error(value: object) -> None:
    err = expect_formula_error(value)
    assert type(value).__name__ in err.message


def test_length_limit_is_exact() -> None:
    assert parse("x" * MAX_LENGTH) == nm("x" * MAX_LENGTH)
    err = expect_formula_error("x" * (MAX_LENGTH + 1))
    assert err.span == Span(0, MAX_LENGTH + 1)


def test_function_names_are_just_data() -> None:
    """A call of a dangerous-sounding name parses (it is only a name) and runs nothing."""
    with no_side_effects():
        assert parse("system(x)") == call("system", nm("x"))
        assert parse("exec(eval)") == call("exec", nm("eval"))
        assert parse("breakpoint()") == call("breakpoint")


# --------------------------------------------------------------------------------------------
# Fuzzing: arbitrary text never raises anything but FormulaError
# --------------------------------------------------------------------------------------------

TOKENS = [
    *"xyzUVTe",
    "v_c",
    "yhat",
    "sigma",
    "softmax",
    "os",
    "__import__",
    "_x",
    "lambda",
    "not",
    "in",
    "for",
    "if",
    "else",
    "and",
    "is",
    "None",
    "True",
    *"+-*/@%<>=!~&|^",
    "**",
    "//",
    "==",
    "!=",
    "<=",
    ">=",
    ":=",
    "->",
    *"()[]{}",
    ".",
    ".T",
    "...",
    ",",
    ":",
    ";",
    "'",
    '"',
    "f'",
    "b'",
    '"""',
    *"0123456789",
    "1.5",
    "1e3",
    "1e-3",
    "_",
    "j",
    " ",
    "\n",
    "\t",
    "\\",
    "#",
    "$",
    "é",
    "\x00",
]
grammarish = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)

def check_parse_total(text: str) -> None:
    """parse(text) returns a tree or raises FormulaError with a sensible span; a tree round
    trips through the printer."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = parse(text)
    except FormulaError as err:
        assert isinstance(err.message, str) and err.message
        if err.span is not None:
            assert span_near(err.span, text), (text, err.span, err.message)
        return
    assert isinstance(tree, Node)
    for node in walk(tree):
        assert span_near(node.span, text)
    assert parse(to_text(tree)) == tree


@given(st.text(max_size=200))
def test_arbitrary_text_only_raises_formula_error(text: str) -> None:
    with no_side_effects():
        check_parse_total(text)


@given(grammarish)
def test_grammarish_text_only_raises_formula_error(text: str) -> None:
    with no_side_effects():
        check_parse_total(text)


# --------------------------------------------------------------------------------------------
# Random valid trees: parse(to_text(t)) == t
# --------------------------------------------------------------------------------------------

RESERVED = set(keyword.kwlist) | set(keyword.softkwlist)
FUNCS = ["sigma", "exp", "log", "sum", "softmax", "outer"]

identifiers = st.one_of(
    st.sampled_from(["x", "y", "U", "V", "T", "v_c", "u_o", "yhat", "ws", "o", "J1"]),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,5}", fullmatch=True),
).filter(lambda s: s not in RESERVED)

numbers = st.one_of(
    st.integers(0, 10**12).map(Fraction),
    st.builds(lambda n, k: Fraction(n, 10**k), st.integers(0, 10**6), st.integers(1, 6)),
)

leaves = st.one_of(
    identifiers.map(nm),
    numbers.map(lambda v: Number(v, span=NO_SPAN)),
)

BINARY = ["+", "-", "*", "/", "**", "@"]
COMPARE = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]


def _extend(inner: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    args = st.lists(inner, min_size=1, max_size=2).map(tuple)
    compare = st.builds(
        lambda op, a, b: Compare(op, a, b, span=NO_SPAN), st.sampled_from(COMPARE), inner, inner
    )
    return st.one_of(
        st.builds(lambda op, a: Unary(op, a, span=NO_SPAN), st.sampled_from(["-", "+"]), inner),
        st.builds(binary, st.sampled_from(BINARY), inner, inner),
        st.builds(
            lambda f, a: Call(f, a, span=NO_SPAN),
            st.one_of(st.sampled_from(FUNCS), identifiers),
            args,
        ),
        st.builds(lambda b, i: Subscript(b, i, span=NO_SPAN), inner, args),
        st.builds(tr, inner),
        st.builds(lambda c: Indicator(c, span=NO_SPAN), compare),
        compare,
    )


trees = st.recursive(leaves, _extend, max_leaves=14)


@given(trees)
def test_printer_round_trip(tree: Node) -> None:
    text = to_text(tree)
    reparsed = parse(text)
    assert reparsed == tree, text
    assert to_text(reparsed) == text


@given(trees)
def test_parsed_spans_cover_their_own_text(tree: Node) -> None:
    """Every node's span, cut out of the formula, parses back to that very node."""
    text = to_text(tree)
    for node in walk(parse(text)):
        assert span_within(node.span, text)
        piece = text[node.span.start : node.span.end]
        assert parse(piece) == node, (text, piece)


def test_tree_strategy_covers_every_node_type() -> None:
    """The strategy must actually reach every kind of node (else the round trip is weak)."""
    seen: set[type] = set()

    @given(trees)
    def collect(tree: Node) -> None:
        seen.update(type(n) for n in walk(tree))

    collect()
    assert seen >= {Name, Number, Unary, Binary, Call, Subscript, Transpose, Compare, Indicator}


# --------------------------------------------------------------------------------------------
# Concrete precedence and number cases that catch a wrong printer
# --------------------------------------------------------------------------------------------

a, b, c, x, y, U = nm("a"), nm("b"), nm("c"), nm("x"), nm("y"), nm("U")

PRECEDENCE_CASES = [
    ("-x**2", neg(binary("**", x, num(2))), "-x**2"),
    ("(-x)**2", binary("**", neg(x), num(2)), "(-x)**2"),
    ("a - (b - c)", binary("-", a, binary("-", b, c)), "a - (b - c)"),
    ("(a - b) - c", binary("-", binary("-", a, b), c), "a - b - c"),
    ("a / (b * c)", binary("/", a, binary("*", b, c)), "a / (b * c)"),
    ("(a / b) * c", binary("*", binary("/", a, b), c), "a / b * c"),
    ("a * (b @ c)", binary("*", a, binary("@", b, c)), "a * (b @ c)"),
    ("(a + b) * c", binary("*", binary("+", a, b), c), "(a + b) * c"),
    ("a + b * c", binary("+", a, binary("*", b, c)), "a + b * c"),
    ("a @ (b * c)", binary("@", a, binary("*", b, c)), "a @ (b * c)"),
    ("(a @ b) * c", binary("*", binary("@", a, b), c), "a @ b * c"),
    ("a + b @ c", binary("+", a, binary("@", b, c)), "a + b @ c"),
    ("a @ b + c", binary("+", binary("@", a, b), c), "a @ b + c"),
    ("a - (b + c)", binary("-", a, binary("+", b, c)), "a - (b + c)"),
    ("a / (b / c)", binary("/", a, binary("/", b, c)), "a / (b / c)"),
    ("2**-x", binary("**", num(2), neg(x)), "2**-x"),
    ("x**y**2", binary("**", x, binary("**", y, num(2))), "x**y**2"),
    ("(x**y)**2", binary("**", binary("**", x, y), num(2)), "(x**y)**2"),
    ("x**(a * b)", binary("**", x, binary("*", a, b)), "x**(a * b)"),
    ("(a @ b).T", tr(binary("@", a, b)), "(a @ b).T"),
    ("-a.T", neg(tr(a)), "-a.T"),
    ("(-a).T", tr(neg(a)), "(-a).T"),
    ("U.T @ (yhat - y)", binary("@", tr(U), binary("-", nm("yhat"), y)), "U.T @ (yhat - y)"),
    ("-(a + b)", neg(binary("+", a, b)), "-(a + b)"),
    ("--x", neg(neg(x)), "--x"),
    ("a - -b", binary("-", a, neg(b)), "a - -b"),
    ("(a + b)[x]", sub(binary("+", a, b), x), "(a + b)[x]"),
    ("U[x, y]", sub(U, x, y), "U[x, y]"),
    ("softmax(U @ x)[y]", sub(call("softmax", binary("@", U, x)), y), "softmax(U @ x)[y]"),
    ("outer(a, b)", call("outer", a, b), "outer(a, b)"),
    ("[a == b] * x", binary("*", ind("==", a, b), x), "[a == b] * x"),
    ("-[x not in y]", neg(ind("not in", x, y)), "-[x not in y]"),
    ("(a == b) + c", binary("+", cmp("==", a, b), c), "(a == b) + c"),
    ("(a < b) == c", cmp("==", cmp("<", a, b), c), "(a < b) == c"),
    ("[a == b].T", tr(ind("==", a, b)), "[a == b].T"),
    ("(a + b)**2", binary("**", binary("+", a, b), num(2)), "(a + b)**2"),
    ("sigma(-x)**2", binary("**", call("sigma", neg(x)), num(2)), "sigma(-x)**2"),
]


@pytest.mark.parametrize(
    ("source", "tree", "printed"), PRECEDENCE_CASES, ids=[case[0] for case in PRECEDENCE_CASES]
)
def test_precedence(source: str, tree: Node, printed: str) -> None:
    assert parse(source) == tree
    assert to_text(tree) == printed
    assert parse(printed) == tree


def test_minus_power_cases_differ() -> None:
    assert parse("-x**2") != parse("(-x)**2")
    assert parse("a - (b - c)") != parse("a - b - c")
    assert parse("a / (b * c)") != parse("a / b * c")


@pytest.mark.parametrize(
    ("source", "value", "printed"),
    [
        ("0", Fraction(0), "0"),
        ("42", Fraction(42), "42"),
        ("1_000", Fraction(1000), "1000"),
        ("2.50", Fraction(5, 2), "2.5"),
        ("1.", Fraction(1), "1"),
        (".5", Fraction(1, 2), "0.5"),
        ("0.001", Fraction(1, 1000), "0.001"),
        ("1e-3", Fraction(1, 1000), "0.001"),
        ("1e3", Fraction(1000), "1000"),
        ("1234.56", Fraction(123456, 100), "1234.56"),
        ("0.1", Fraction(1, 10), "0.1"),  # exact decimal, not the binary float 0.1
    ],
)
def test_numbers_are_exact_and_print_as_decimals(
    source: str, value: Fraction, printed: str
) -> None:
    tree = parse(source)
    assert tree == num(value)
    assert to_text(tree) == printed


def test_successful_parse_records_spans() -> None:
    text = "U.T @ (yhat - y)"
    tree = parse(text)
    assert isinstance(tree, Binary)
    assert tree.span == Span(0, len(text))
    assert text[tree.left.span.start : tree.left.span.end] == "U.T"
    assert text[tree.right.span.start : tree.right.span.end] == "yhat - y"


# --------------------------------------------------------------------------------------------
# Former bugs, fixed: regression tests

# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0x10", "0b1", "0o7", "x + 0xFF"])
def test_non_decimal_integer_literal_is_a_formula_error(text: str) -> None:
    expect_formula_error(text)


@pytest.mark.parametrize("text", ["a) + (b", "x) * (y", "a) * (b) @ (c"])
def test_unbalanced_parentheses_are_rejected(text: str) -> None:
    expect_formula_error(text)


def test_empty_subscript_is_rejected_or_round_trips() -> None:
    try:
        tree = parse("x[()]")
    except FormulaError:
        return
    assert parse(to_text(tree)) == tree


def test_transpose_of_integer_round_trips() -> None:
    tree = parse("(2).T")
    assert tree == tr(num(2))
    assert parse(to_text(tree)) == tree


def test_tiny_decimal_round_trips_or_is_refused() -> None:
    try:
        tree = parse("1e-3999")
    except FormulaError:
        return
    assert parse(to_text(tree)) == tree


def test_syntax_error_span_after_non_ascii_text() -> None:
    text = "é + $"
    err = expect_formula_error(text)
    assert err.span is not None
    assert text[err.span.start : err.span.end] == "$"


def test_end_of_input_error_span_is_within_text() -> None:
    text = "x +"
    err = expect_formula_error(text)
    assert err.span is not None
    assert span_within(err.span, text)


@pytest.mark.parametrize("action", ["always", "error", "ignore"])
def test_parse_emits_no_warnings_and_does_not_depend_on_filters(action: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        expect_formula_error("[1in y]")
    assert caught == []
