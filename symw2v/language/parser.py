"""Formula text -> syntax tree.

Python's own tokenizer and grammar (``ast.parse``) read the text; a whitelist then converts the
few node types our language has into :mod:`symw2v.language.syntax` nodes and rejects everything
else. Nothing is ever evaluated: ``ast.parse`` only builds a tree, and names are plain data.
"""

from __future__ import annotations

import ast
import warnings
from fractions import Fraction

from .errors import FormulaError
from .syntax import (
    Binary,
    Call,
    Compare,
    Indicator,
    Name,
    Node,
    Number,
    Slice,
    Span,
    Subscript,
    Transpose,
    Unary,
)

# Limits of one formula: real ones are under 200 characters and 15 levels deep. Deeper trees
# would exhaust Python's recursion in the lowering and in SymPy.
MAX_LENGTH = 4000
MAX_DEPTH = 40

BINARY_OPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.MatMult: "@",
}
UNARY_OPS: dict[type, str] = {ast.USub: "-", ast.UAdd: "+"}
COMPARE_OPS: dict[type, str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}


def parse(text: str) -> Node:
    """Parse one formula. Raises :class:`FormulaError` with a span for anything outside the
    language: statements, keywords arguments, strings, lambdas, attribute access other than
    ``.T``, and so on, and for a text longer than ``MAX_LENGTH`` characters or nested deeper
    than ``MAX_DEPTH`` operators, calls and brackets."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula of {len(text)} characters; the limit is {MAX_LENGTH}", Span(0, len(text)))
    if not text.strip():
        raise FormulaError("empty formula", Span(0, len(text)))
    # One line with the same character offsets: newlines become spaces, and nothing is wrapped
    # around the text (a wrapping "(...)" would let "a) + (b" through).
    source = text.replace("\r", " ").replace("\n", " ")
    lead = len(source) - len(source.lstrip())
    body = source[lead:]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a SyntaxWarning is an error here, whatever the filters
            tree = ast.parse(body, mode="eval")
    except SyntaxError as err:
        # SyntaxError.offset counts characters (1-based); an end-of-input error points at the
        # last character so that the span stays inside the text.
        pos = min(len(text) - 1, lead + max((err.offset or 1) - 1, 0))
        raise FormulaError(f"syntax error: {err.msg}", Span(pos, pos + 1)) from None
    except (RecursionError, MemoryError, ValueError) as err:
        raise FormulaError(f"formula cannot be read: {type(err).__name__}") from None
    converter = _Converter(body, lead)
    deep = _too_deep(tree.body)
    if deep is not None:
        raise FormulaError(f"formula nested more than {MAX_DEPTH} levels deep", converter.span(deep))
    return converter.convert(tree.body)


def _too_deep(tree: ast.expr) -> ast.AST | None:
    """The first expression nested deeper than ``MAX_DEPTH``, or None (iterative: a deep tree
    must not exhaust the recursion it is checked for)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        stack.extend((c, depth + isinstance(c, ast.expr)) for c in ast.iter_child_nodes(node))
    return None


class _Converter:
    def __init__(self, body: str, lead: int):
        self.body, self.lead = body, lead

    def offset(self, utf8_column: int) -> int:
        """ast reports node columns in UTF-8 bytes; spans count characters of the text."""
        return self.lead + len(self.body.encode()[:utf8_column].decode(errors="ignore"))

    def span(self, node: ast.AST) -> Span:
        start = self.offset(node.col_offset)
        return Span(start, max(start, self.offset(node.end_col_offset or 0)))

    def fail(self, node: ast.AST, what: str) -> FormulaError:
        return FormulaError(f"{what} is not part of the formula language", self.span(node))

    def convert(self, node: ast.AST) -> Node:
        method = getattr(self, f"on_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, _describe(node))
        return method(node)

    def on_Name(self, node: ast.Name) -> Node:
        if node.id.startswith("_"):
            raise FormulaError(f"names may not start with '_': {node.id!r}", self.span(node))
        return Name(node.id, span=self.span(node))

    def on_Constant(self, node: ast.Constant) -> Node:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(node, f"the constant {value!r}")
        source = ast.get_source_segment(self.body, node) or repr(value)
        try:
            number = Fraction(source.replace("_", ""))
        except ValueError:
            raise self.fail(node, f"the number {source!r} (write it in decimal)") from None
        if abs(number.numerator).bit_length() > 128 or number.denominator.bit_length() > 128:
            raise self.fail(node, f"the number {source!r} (too large or too precise)")
        return Number(number, span=self.span(node))

    def on_BinOp(self, node: ast.BinOp) -> Node:
        op = BINARY_OPS.get(type(node.op))
        if op is None:
            raise self.fail(node, f"the operator {type(node.op).__name__}")
        return Binary(op, self.convert(node.left), self.convert(node.right), span=self.span(node))

    def on_UnaryOp(self, node: ast.UnaryOp) -> Node:
        op = UNARY_OPS.get(type(node.op))
        if op is None:
            raise self.fail(node, f"the operator {type(node.op).__name__}")
        return Unary(op, self.convert(node.operand), span=self.span(node))

    def on_Call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node.func, "calling anything but a function name")
        if node.keywords:
            raise self.fail(node.keywords[0], "a keyword argument")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, "a starred argument")
        args = tuple(self.convert(a) for a in node.args)
        return Call(node.func.id, args, span=self.span(node))

    def on_Subscript(self, node: ast.Subscript) -> Node:
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if not parts:
            raise self.fail(node, "an empty subscript")
        indices = tuple(self.whole_axis(p) if isinstance(p, ast.Slice) else self.convert(p) for p in parts)
        return Subscript(self.convert(node.value), indices, span=self.span(node))

    def whole_axis(self, node: ast.Slice) -> Node:
        if node.lower or node.upper or node.step:
            raise self.fail(node, "a slice with bounds (only `:`, the whole axis, is)")
        return Slice(span=self.span(node))

    def on_Attribute(self, node: ast.Attribute) -> Node:
        if node.attr != "T":
            raise self.fail(node, f"the attribute .{node.attr}")
        return Transpose(self.convert(node.value), span=self.span(node))

    def on_Compare(self, node: ast.Compare) -> Node:
        if len(node.ops) != 1:
            raise self.fail(node, "a chained comparison")
        op = COMPARE_OPS.get(type(node.ops[0]))
        if op is None:
            raise self.fail(node, f"the comparison {type(node.ops[0]).__name__}")
        left, right = self.convert(node.left), self.convert(node.comparators[0])
        return Compare(op, left, right, span=self.span(node))

    def on_List(self, node: ast.List) -> Node:
        if len(node.elts) != 1 or not isinstance(node.elts[0], ast.Compare):
            raise self.fail(node, "a list (brackets hold exactly one comparison: [a == b])")
        condition = self.convert(node.elts[0])
        assert isinstance(condition, Compare)
        return Indicator(condition, span=self.span(node))


def _describe(node: ast.AST) -> str:
    names = {
        "Lambda": "a lambda",
        "JoinedStr": "an f-string",
        "Tuple": "a tuple",
        "BoolOp": "and/or",
        "IfExp": "a conditional expression",
        "NamedExpr": "an assignment",
        "Dict": "a dict",
        "Set": "a set",
        "ListComp": "a comprehension",
        "GeneratorExp": "a generator",
        "Await": "await",
        "Yield": "yield",
        "Slice": "a slice",
        "Starred": "a starred expression",
    }
    return names.get(type(node).__name__, f"the construct {type(node).__name__}")
