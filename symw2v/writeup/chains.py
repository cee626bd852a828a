"""Displays -> rows -> equality chains, and the write-up's own definitions.

A display is cut into rows at its top-level ``\\\\`` (not inside braces or a ``cases``), its
``&`` blanked and its layout environments (``aligned``, ``align*``, ``split`` ...) and equation
numbers (``\\quad (3)``, ``\\tag{3}``) blanked, so that every offset stays the file's. A row is
one or more segments (``A = B \\quad \\text{and} \\quad C = D``), each a chain of ``=``.

Chains, in reading order:

* a row starting with ``=`` continues the chain being read;
* a row whose left-hand side is the chain's (the same formula once read) continues it, also in a
  later display (the write-up repeats ``\\frac{\\partial J}{\\partial v_c} =`` on every line);
* any other row with ``=`` starts a chain.

A row whose left-hand side is a name the notation does not know (``J_{neg-sample}(v_c, o, U)``,
``P(O = o | C = c)``, ``f(x)``) defines that name the first time, and is a claim after that.

What cannot be read is kept with its position (:class:`Unread`): a side that cannot be read is
left out of its chain (the rest still follows from one another); a row that cannot be read ends
the chain, so that a row after it starting with ``=`` is not attached to the wrong formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lark import Tree

from ..derivation.errors import excerpt
from ..language.syntax import Span
from .errors import Unreadable
from .latex import parse_row, span
from .source import Display, Source, blank
from .translate import LOSS_LETTERS, Defined, Index, Translator, Value, identifier, normal

LAYOUT_ENVIRONMENTS = (
    r"aligned|align|alignat|alignedat|split|gathered|gather|equation|multline|flalign|eqnarray|displaymath"
)
ENV_WRAPPER = re.compile(rf"\\(begin|end)\s*\{{\s*({LAYOUT_ENVIRONMENTS})\*?\s*\}}(\s*\{{[^{{}}]*\}})?")
NESTING = re.compile(r"\\(begin|end)\s*\{\s*(cases|dcases|[pbvBV]?matrix|array|substack)\s*\}")
TAG = re.compile(r"\\(tag|label)\*?\s*\{[^{}]*\}|\\(nonumber|notag)(?![A-Za-z])")
NUMBER_AT_END = re.compile(r"(\\q?quad|\\hfill|\\qquad|\s{2,})\s*\(\s*\d+(\.\d+)?\s*\)\s*$")
PUNCTUATION_AT_END = re.compile(r"(?<![\d\\])[.,;]\s*$")
EQUALITIES = {"EQ", "DEFEQ"}


@dataclass(frozen=True)
class Row:
    display: Display
    start: int  # offset of text[0] in the file
    text: str

    @property
    def continues(self) -> bool:
        """Starts with a relation: the rest of the chain above."""
        return bool(re.match(r"\s*(=|:=|\\approx|\\leq?|\\geq?|<|>)", self.text))


@dataclass(frozen=True)
class Unread:
    """Something not read: a row, a side of a chain, a definition. Offsets are the file's."""

    source: Source
    start: int
    end: int
    message: str
    suggestion: str
    latex: str  # the row it is in
    what: str  # "row", "step", "definition", "chain"
    row_start: int = 0  # offset of the row in the file

    def excerpt(self) -> str:
        """The row, around the part not read, with a caret line under it."""
        return excerpt(self.latex, Span(self.start - self.row_start, self.end - self.row_start))

    @property
    def line(self) -> int:
        return self.source.line(self.start)

    @property
    def column(self) -> int:
        return self.source.column(self.start)

    def __str__(self) -> str:
        hint = f"\n    suggestion: {self.suggestion}" if self.suggestion else ""
        return f"{self.source.where(self.start)}: {self.what} not read: {self.message}\n{self.excerpt()}{hint}"


@dataclass
class Side:
    start: int
    end: int
    latex: str
    value: Value


@dataclass
class Chain:
    """``sides[0] = sides[1] = ...`` as read; ``skipped`` are the sides left out."""

    sides: list[Side]
    heading: str = ""
    skipped: list[Unread] = field(default_factory=list)
    defines: bool = False  # its first row defines its left-hand side: that row alone is not a claim

    @property
    def start(self) -> int:
        return self.sides[0].start


@dataclass
class Reading:
    """All that was found in one write-up."""

    source: Source
    chains: list[Chain]
    defined: dict[str, Defined]
    unread: list[Unread]
    rows: int
    displays: int


# -- rows -----------------------------------------------------------------------------------------


def rows_of(display: Display) -> list[Row]:
    """The rows of a display, offsets kept (see the module docstring)."""
    text = display.text
    for pattern in (ENV_WRAPPER, TAG):
        for m in reversed(list(pattern.finditer(text))):
            text = blank(text, m.start(), m.end())
    cuts, depth, nested, k = [], 0, 0, 0
    while k < len(text):
        m = NESTING.match(text, k)
        if m:
            nested += 1 if m.group(1) == "begin" else -1
            k = m.end()
            continue
        c = text[k]
        if c == "\\" and text.startswith("\\\\", k) and depth == 0 and nested == 0:
            end = k + 2
            opt = re.match(r"\s*\[[^\]]*\]", text[end:])
            end += opt.end() if opt else 0
            cuts.append((k, end))
            k = end
            continue
        if c == "\\":
            k += 2  # an escaped character (\{, \}, \&, \\ inside a group)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "&" and depth == 0 and nested == 0:
            text = text[:k] + " " + text[k + 1 :]
        k += 1
    rows, begin = [], 0
    for start, end in [*cuts, (len(text), len(text))]:
        row = text[begin:start]
        for pattern in (NUMBER_AT_END, PUNCTUATION_AT_END):
            m = pattern.search(row)
            if m:
                row = blank(row, m.start(), m.end())
        if row.strip():
            rows.append(Row(display, display.start + begin, row))
        begin = end
    return rows


def segments(tree: Tree) -> list[Tree]:
    """The segments of a parsed row (``A = B \\text{and} C = D`` has two)."""
    row = tree.children[0]
    return [c for c in row.children if isinstance(c, Tree)]


def relations(segment: Tree) -> tuple[list[str], list[Tree]]:
    """The relation tokens and the sides of a segment (``continuation`` has no first side)."""
    if segment.data not in ("chain", "continuation"):
        return [], [segment]
    rels = [c.children[0].type for c in segment.children if isinstance(c, Tree) and c.data == "rel"]
    sides = [c for c in segment.children if not (isinstance(c, Tree) and c.data == "rel")]
    return rels, sides


# -- reading --------------------------------------------------------------------------------------


class Reader:
    def __init__(self, source: Source, translator: Translator):
        self.source, self.tr = source, translator
        self.unread: list[Unread] = []
        self.pending: dict[str, tuple[Defined, Tree, Row]] = {}

    def unreadable(self, row: Row, err: Unreadable, what: str) -> Unread:
        start, end = row.start + err.start, row.start + min(err.end, len(row.text))
        end = max(end, start + 1)
        item = Unread(self.source, start, end, err.message, err.suggestion, row.text, what, row.start)
        self.unread.append(item)
        return item

    def read(self, displays: list[Display]) -> Reading:
        parsed: list[tuple[Row, Tree | None]] = []
        shown = [d for d in displays if not d.inline]
        for display in shown:
            for row in rows_of(display):
                try:
                    parsed.append((row, parse_row(row.text)))
                except Unreadable as err:
                    self.unreadable(row, err, "row")
                    parsed.append((row, None))
        definitions = self.find_definitions(parsed)
        chains = self.find_chains(parsed, definitions)
        self.unread.sort(key=lambda u: u.start)
        return Reading(self.source, chains, self.tr.defined, self.unread, len(parsed), len(shown))

    # definitions ----------------------------------------------------------------------------

    def find_definitions(self, parsed: list[tuple[Row, Tree | None]]) -> dict[int, Defined]:
        """Register every name the write-up defines; the segments that define (by id)."""
        defining: dict[int, Defined] = {}
        for row, tree in parsed:
            if tree is None:
                continue
            for segment in segments(tree):
                rels, sides = relations(segment)
                if segment.data != "chain" or not rels or rels[0] not in EQUALITIES:
                    continue
                head = self.head(sides[0], row)
                if head is None:
                    continue
                key, name, args, arg_values = head
                if key in self.tr.defined:
                    continue  # defined already: this one is a claim
                defined = Defined(self.unique(name), key, args, self.source.line(row.start), arg_values=arg_values)
                self.tr.defined[key] = defined
                self.pending[key] = (defined, sides[1], row)
                defining[id(segment)] = defined
        self.tr.pending = lambda d: self.define(d.key)
        for key in list(self.pending):
            self.define(key)
        return defining

    def unique(self, name: str) -> str:
        taken = self.tr.known_names() | self.tr.notation.sizes
        if name not in taken:
            return name
        n = 2
        while f"{name}{n}" in taken:
            n += 1
        return f"{name}{n}"

    def head(self, side: Tree, row: Row):
        """(key, name, args, arg values) when ``side`` is a name the notation does not know,
        written alone or with its arguments in parentheses; else None."""
        self.tr.text = row.text
        if not (isinstance(side, Tree) and side.data == "product") or not 1 <= len(side.children) <= 2:
            return None
        factor, *rest = side.children
        if not (isinstance(factor, Tree) and factor.data == "factor"):
            return None
        if rest and not (isinstance(rest[0], Tree) and rest[0].data == "factor" and _paren(rest[0])):
            return None
        symbol = self.tr.symbol_of(factor)
        if symbol is None or symbol.sups or symbol.primes:
            return None
        try:
            self.tr.binders = {}
            self.tr.resolve(symbol, rest[0] if rest else None)
            return None  # it already means something: a claim
        except Unreadable:
            pass
        sub = normal(self.tr.raw(symbol.sub)) if symbol.sub is not None else None
        name = identifier(f"{symbol.stem}_{sub}" if sub else symbol.stem)
        if not rest:
            return normal(self.tr.raw(factor)), name, (), ()
        arg_values = self.symbol_args(rest[0])
        if arg_values is None:  # P(O = o | C = c): the whole head is the name
            return normal(self.tr.raw(factor) + self.tr.raw(rest[0])), identifier(symbol.stem), (), ()
        args = tuple(normal(self.tr.raw(a)) for a in _args(rest[0]))
        return normal(self.tr.raw(factor)), name, args, arg_values

    def symbol_args(self, paren: Tree) -> tuple[Value | Index, ...] | None:
        values = []
        for item in _args(paren):
            try:
                value = self.tr.expr(item)
            except Unreadable:
                return None
            node = value.node
            if getattr(node, "id", None) not in self.tr.notation.symbols:
                return None
            values.append(value)
        return tuple(values)

    def define(self, key: str) -> None:
        """Read the right-hand side of a pending definition (those it uses first)."""
        if key not in self.pending:
            return
        defined, body, row = self.pending.pop(key)  # popped first: a circular use fails
        try:
            defined.value = self.tr.value(body, row.text)
        except Unreadable as err:
            defined.failed = err.message
            self.unreadable(row, err, "definition")

    # chains -------------------------------------------------------------------------------

    def find_chains(self, parsed: list[tuple[Row, Tree | None]], defining: dict[int, Defined]) -> list[Chain]:
        chains: list[Chain] = []
        current: Chain | None = None
        broken = False  # the last row that started a formula could not be read
        heading = None
        for row, tree in parsed:
            if row.display.heading != heading:
                heading, current, broken = row.display.heading, None, False
            if tree is None:
                if not row.continues:
                    current, broken = None, True
                continue
            for segment in segments(tree):
                rels, sides = relations(segment)
                if not rels:
                    continue  # a formula without a relation: nothing to check
                if any(r not in EQUALITIES for r in rels):
                    if segment.data == "chain":
                        current, broken = None, False
                    continue  # ≈, <, \neq ...: not an equality chain
                if segment.data == "continuation":
                    if current is None:
                        if broken:
                            start, end = span(segment)
                            orphan = Unreadable("continues a formula that could not be read", start, end)
                            self.unreadable(row, orphan, "row")
                        continue
                    self.extend(current, sides, row)
                    continue
                if id(segment) in defining and defining[id(segment)].failed is not None:
                    current, broken = None, True  # reported where it was read
                    continue
                lhs = self.side(sides[0], row, "chain")
                if lhs is None:
                    current, broken = None, True
                    continue
                broken = False
                if current is not None and current.sides[0].value.node == lhs.value.node:
                    self.extend(current, sides[1:], row)
                    continue
                current = Chain([lhs], heading or "", defines=id(segment) in defining)
                chains.append(current)
                self.extend(current, sides[1:], row)
        return [c for c in chains if len(c.sides) > 1 + c.defines]

    def extend(self, chain: Chain, sides: list[Tree], row: Row) -> None:
        for tree in sides:
            side = self.side(tree, row, "step")
            if side is None:
                chain.skipped.append(self.unread[-1])
            else:
                chain.sides.append(side)

    def side(self, tree: Tree, row: Row, what: str) -> Side | None:
        start, end = span(tree)
        try:
            value = self.tr.value(tree, row.text)
        except Unreadable as err:
            self.unreadable(row, err, what)
            return None
        return Side(row.start + start, row.start + end, row.text[start:end].strip(), value)


def _paren(factor: Tree) -> bool:
    return len(factor.children) == 1 and isinstance(factor.children[0], Tree) and factor.children[0].data == "paren"


def _args(paren_factor: Tree) -> list[Tree]:
    gbody = paren_factor.children[0].children[0]
    out = []
    for item in gbody.children:
        if isinstance(item, Tree) and item.data == "gitem":
            if len(item.children) != 1:
                return [item]  # O = o: not a plain argument
            out.append(item.children[0])
    return out


def is_loss_name(defined: Defined) -> bool:
    return defined.name.split("_")[0] in LOSS_LETTERS
