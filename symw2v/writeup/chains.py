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

A row that is one formula alone (``\\frac{\\partial J}{\\partial u_w}`` on a line of its own) is
the left-hand side of the rows that continue it (if it cannot be read, the row continuing it says
why). Between two displays, a condition written as inline math in the text just before a display
(``when $w \\neq o$``: one ``=`` or ``\\neq`` between two indices, alone on the three lines before
it) starts new chains in that display, which assume it (a case of a case analysis).

A row whose left-hand side is a name the notation does not know (``J_{neg-sample}(v_c, o, U)``,
``P(O = o | C = c)``, ``f(x)``) defines that name the first time, and is a claim after that.

A chain about the skip-gram window whose bare J could be any loss is one chain per pair loss
(:mod:`.pairloss`). What cannot be read is kept with its position (:class:`Unread`): a side that
cannot be read is left out of its chain (the rest still follows from one another); a row that
cannot be read ends the chain, so that a row after it starting with ``=`` is not attached to the
wrong formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from lark import Tree

from ..derivation.errors import excerpt
from ..language.syntax import Call, Name, Node, Number, Span, Transpose, walk
from . import pairloss
from .errors import Ambiguous, Unreadable
from .latex import parse_row, span
from .parts import LOSS_NAME, meant, stated_losses
from .shapes import Shape
from .source import Display, Source, blank
from .translate import LOSS_LETTERS, NOWHERE, Defined, Index, Translator, Value, identifier, normal

LAYOUT_ENVIRONMENTS = (
    r"aligned|align|alignat|alignedat|split|gathered|gather|equation|multline|flalign|eqnarray|displaymath"
)
ENV_WRAPPER = re.compile(rf"\\(begin|end)\s*\{{\s*({LAYOUT_ENVIRONMENTS})\*?\s*\}}(\s*\{{[^{{}}]*\}})?")
NESTING = re.compile(r"\\(begin|end)\s*\{\s*(cases|dcases|[pbvBV]?matrix|array|substack)\s*\}")
TAG = re.compile(r"\\(tag|label)\*?\s*\{[^{}]*\}|\\(nonumber|notag)(?![A-Za-z])")
NUMBER_AT_END = re.compile(r"(\\q?quad|\\hfill|\\qquad|\s{2,})\s*\(\s*\d+(\.\d+)?\s*\)\s*$")
PUNCTUATION_AT_END = re.compile(r"(?<![\d\\])[.,;]\s*$")
EQUALITIES = {"EQ", "DEFEQ"}
CONDITION_LINES = 3  # how far before a display a condition may be written
DERIVATIVE = re.compile(r"\\partial|\u2202|\\nabla|\\frac\s*\{\s*d")
GLUE = re.compile(r"(\s|>|<br\s*/?>)*=(\s|>|<br\s*/?>)*", re.IGNORECASE)


@dataclass(frozen=True)
class Row:
    display: Display
    begin: int  # offset of text[0] in the display's text
    text: str
    glued: bool = False  # inline math after "=" in the text: it continues the chain before it

    def at(self, k: int) -> int:
        """The file offset of character ``k`` of the row."""
        return self.display.origin(self.begin + k)

    @property
    def start(self) -> int:
        return self.at(0)

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
    local: tuple[int, int] = (0, 0)  # the part not read, as offsets into ``latex``

    def excerpt(self) -> str:
        """The row, around the part not read, with a caret line under it."""
        return excerpt(self.latex, Span(*self.local))

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
    ill: tuple[str, ...] = ()  # ill-shaped as written: what (the checker refutes it)
    cases: tuple[tuple[Value, str], ...] = ()  # a \begin{cases} alone: each value with its condition
    # a bare J that could be any loss: the side read as each pair loss (this one is the first of
    # them), and the refusal to report if its chain is not about the window (:mod:`.pairloss`)
    readings: dict[str, Side] = field(default_factory=dict)
    refusal: Unread | None = None


@dataclass
class Chain:
    """``sides[0] = sides[1] = ...`` as read; ``skipped`` are the sides left out."""

    sides: list[Side]
    heading: str = ""
    skipped: list[Unread] = field(default_factory=list)
    defines: bool = False  # its first row defines its left-hand side: that row alone is not a claim
    assume: tuple[str, ...] = ()  # conditions the text states before its display (when $w \neq o$)
    loss: str = ""  # the pair loss its bare J is read as (a chain about the window, :mod:`.pairloss`)

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


def restricted(reading: Reading, owned) -> Reading:
    """``reading`` with only the chains and messages on the lines ``owned(line)`` says are its."""
    source = reading.source
    return Reading(
        source,
        [c for c in reading.chains if owned(source.line(c.start))],
        reading.defined,
        [u for u in reading.unread if owned(u.line)],
        reading.rows,
        reading.displays,
    )


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
            rows.append(Row(display, begin, row))
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
    def __init__(self, source: Source, translator: Translator, zones: tuple[tuple[int, int], ...] = ()):
        """``zones``: line ranges read with notations of their own; no chain crosses their edges."""
        self.source, self.tr, self.zones = source, translator, zones
        translator.line_of = source.line
        self.unread: list[Unread] = []
        self.pending: dict[str, tuple[Defined, Tree, Row]] = {}
        self.failed: dict[int, Unread] = {}  # rows that could not be parsed (by id)
        self.unsaid: Unread | None = None  # why the last side read quietly could not be read

    def unreadable(self, row: Row, err: Unreadable, what: str) -> Unread:
        """``err`` as an :class:`Unread` of the row, reported."""
        item = self.unread_in(row, err, what)
        self.unread.append(item)
        return item

    def not_read(self, row: Row, err: Unreadable, what: str, quiet: bool) -> None:
        """``err`` reported, or only kept in ``unsaid`` when ``quiet``."""
        self.unsaid = self.unread_in(row, err, what)
        if not quiet:
            self.unread.append(self.unsaid)

    def unread_in(self, row: Row, err: Unreadable, what: str) -> Unread:
        local = (err.start, max(min(err.end, len(row.text)), err.start + 1))
        start, end = row.at(local[0]), row.at(local[1])
        end = max(end, start + 1)
        return Unread(self.source, start, end, err.message, err.suggestion, row.text, what, local)

    def read(self, displays: list[Display]) -> Reading:
        parsed: list[tuple[Row, Tree | None]] = []
        shown = [d for d in displays if not d.inline]
        self.conditions = self.find_conditions(displays)
        glued = self.glued(displays)
        for display in displays:
            if display.inline and id(display) not in glued and not self.inline_chain(display):
                continue
            for row in rows_of(display):
                row = Row(row.display, row.begin, row.text, glued.get(id(display), False))
                try:
                    parsed.append((row, parse_row(row.text)))
                except Unreadable as err:
                    self.failed[id(row)] = self.unreadable(row, err, "row")
                    parsed.append((row, None))
        self.tr.other_loss = other_loss(displays)
        stated = stated_losses(self.source, displays, self.tr.notation.losses)
        self.tr.stated_loss = lambda letter, offset: meant(stated, letter, offset)
        definitions = self.find_definitions(parsed)
        chains = self.find_chains(parsed, definitions)
        self.unread.sort(key=lambda u: u.start)
        return Reading(self.source, chains, self.tr.defined, self.unread, len(parsed), len(shown))

    def zone(self, offset: int) -> int:
        line = self.source.line(offset)
        return next((n for n, (first, last) in enumerate(self.zones) if first <= line <= last), -1)

    # inline math -----------------------------------------------------------------------------

    def inline_chain(self, display: Display) -> bool:
        """Inline math read as a chain: an equality whose left-hand side is a derivative or a loss
        (one that cannot be parsed but looks like one is read, to be reported)."""
        try:
            tree = parse_row(display.text)
        except Unreadable:
            return "=" in display.text and bool(DERIVATIVE.search(display.text.split("=")[0]))
        for segment in segments(tree):
            rels, sides = relations(segment)
            if "EQ" in rels and segment.data == "chain":
                lhs = self.raw_side(sides[0], display)
                if DERIVATIVE.search(lhs) or LOSS_NAME.match(lhs.strip()):
                    return True
        return False

    def raw_side(self, side: Tree, display: Display) -> str:
        start, end = span(side)
        return display.text[start:end]

    def glued(self, displays: list[Display]) -> dict[int, bool]:
        """Inline maths that a chain joins in the text, ``$a$ = $b$ = $c$`` (one step a line, as
        some write it): each after the first continues the one before (True); the first is the
        left-hand side (False)."""
        out: dict[int, bool] = {}
        inline = [d for d in displays if d.inline]
        for before, after in zip(inline, inline[1:], strict=False):
            between = self.source.text[before.origin(len(before.text)) + 1 : after.start - 1]
            if GLUE.fullmatch(between) and DERIVATIVE.search(before.text + after.text):
                out.setdefault(id(before), False)
                out[id(after)] = True
        return out

    # conditions ------------------------------------------------------------------------------

    def find_conditions(self, displays: list[Display]) -> dict[int, tuple[str, ...]]:
        """For each display (by id), the index condition written as inline math on the three lines
        before it (``when $w \\neq o$``); none when there are several (a question listing cases)."""
        out: dict[int, tuple[str, ...]] = {}
        pending: list[tuple[int, str]] = []
        for display in displays:
            if not display.inline:
                first = self.source.line(display.start)
                near = {c for line, c in pending if first - CONDITION_LINES <= line < first}
                if len(near) == 1:
                    out[id(display)] = tuple(near)
                pending = []
                continue
            condition = self.condition(display)
            if condition is not None:
                pending.append((self.source.line(display.start), condition))
        return out

    def condition(self, display: Display) -> str | None:
        try:
            tree = parse_row(display.text)
        except Unreadable:
            return None
        found = [relations(s) for s in segments(tree)]
        if len(found) != 1 or len(found[0][0]) != 1 or found[0][0][0] not in ("EQ", "NEQ"):
            return None
        (rel,), (left, right) = found[0]
        self.tr.text, self.tr.binders = display.text, {}
        try:
            a, b = self.tr.expr(left), self.tr.expr(right)
        except Unreadable:
            return None
        if not all(isinstance(x, Index) and isinstance(x.node, Name) for x in (a, b)):
            return None
        return f"{a.node.id} {'==' if rel == 'EQ' else '!='} {b.node.id}"

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
        written alone or with its arguments in parentheses; else None. A bare J that could be any
        loss (:class:`Ambiguous`) is the notation's, whichever it is: a claim, not a definition."""
        self.tr.text, self.tr.offset = row.text, row.start
        if not (isinstance(side, Tree) and side.data == "product") or not 1 <= len(side.children) <= 2:
            return None
        factor, *rest = side.children
        if not (isinstance(factor, Tree) and factor.data == "factor"):
            return None
        if rest and not (isinstance(rest[0], Tree) and rest[0].data == "factor" and _paren(rest[0])):
            return None
        try:
            symbol = self.tr.symbol_of(factor)
        except Unreadable:  # y_w^J_{neg}: no name; read, and reported, as a claim
            return None
        if symbol is None or symbol.sups or symbol.primes:
            return None
        try:
            self.tr.binders = {}
            self.tr.resolve(symbol, rest[0] if rest else None)
            return None  # it already means something: a claim
        except Ambiguous:
            return None
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
            defined.value = self.tr.value(body, row.text, row.start)
        except Unreadable as err:
            defined.failed = err.message
            self.unreadable(row, err, "definition")

    # chains -------------------------------------------------------------------------------

    def find_chains(self, parsed: list[tuple[Row, Tree | None]], defining: dict[int, Defined]) -> list[Chain]:
        chains: list[Chain] = []
        current: Chain | None = None
        broken = False  # the last row that started a formula could not be read
        lone: Unread | None = None  # why a formula alone just before could not be read (not yet reported)
        heading, display = None, None
        for row, tree in parsed:
            if row.display.heading != heading:
                heading, current, broken, lone = row.display.heading, None, False, None
            if row.display is not display:
                display = row.display
                if current is not None and current.assume != self.conditions.get(id(display), ()):
                    current, broken = None, False  # a case begins or ends: its chains start here
                if current is not None and self.zone(current.start) != self.zone(row.start):
                    current, broken = None, False  # another section, in another notation
            assume = self.conditions.get(id(row.display), ())
            if tree is None:
                lone = None
                if not row.continues:
                    current, broken = None, True
                elif current is not None:
                    current.skipped.append(self.failed[id(row)])  # a step of it, left out
                continue
            for segment in segments(tree):
                rels, sides = relations(segment)
                before, lone = lone, None
                if not rels and row.glued:  # $a$ = $b$: b continues the chain
                    rels, segment = ["EQ"], Tree("continuation", segment.children, segment.meta)
                if not rels:  # a formula alone: the left-hand side of the rows that continue it
                    alone = self.side(sides[0], row, "chain", quiet=True)
                    lone = self.unsaid if alone is None else None
                    if alone is None or current is None or current.sides[0].value.node != alone.value.node:
                        current = Chain([alone], heading or "", assume=assume) if alone else None
                        if current is not None:
                            chains.append(current)
                    continue
                if any(r not in EQUALITIES for r in rels):
                    if segment.data == "chain":
                        current, broken = None, False
                    continue  # ≈, <, \neq ...: not an equality chain
                if segment.data == "continuation":
                    if current is None and before is not None:  # it continues a formula that could not be read
                        self.unread.append(before)
                        broken = True
                        continue
                    if current is None:
                        start, end = span(segment)
                        why = "could not be read" if broken else "is not a chain of = (or is in another section)"
                        self.unreadable(row, Unreadable(f"continues a formula that {why}", start, end), "row")
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
                current = Chain([lhs], heading or "", defines=id(segment) in defining, assume=assume)
                chains.append(current)
                self.extend(current, sides[1:], row)
        chains = [c for chain in chains if len(chain.sides) > 1 + chain.defines for c in self.by_loss(chain)]
        chains = [c for chain in chains for c in by_case(chain)]
        return [c for c in chains if len(c.sides) > 1 + c.defines and self.loss_is_known(c)]

    def by_loss(self, chain: Chain) -> list[Chain]:
        """A chain about the window whose bare J could be any loss: one chain per pair loss; one
        not about the window: its ambiguous J refused where it is (:mod:`.pairloss`)."""
        if not any(s.readings for s in chain.sides):
            return [chain]
        if pairloss.about_window(chain, self.tr.notation):
            return pairloss.split(chain)
        refusals, rest = pairloss.refused(chain)
        self.unread.extend(refusals)
        return [rest] if rest is not None else []

    def loss_is_known(self, chain: Chain) -> bool:
        """A bare J of the notation is the naive-softmax loss; in a chain with negative samples or
        sigma it cannot be, and nothing says which loss it is (neither a scope of the notation nor
        the part of the write-up it is in, :mod:`.parts`): the chain is refused."""
        lhs = chain.sides[0]
        if not any(isinstance(n, Name) and n.id in LOSS_LETTERS for n in walk(lhs.value.node)):
            return True
        if self.tr.notation.loss_at(self.source.line(lhs.start)):
            return True  # the notation says which loss J is there
        used = {n.id if isinstance(n, Name) else n.func for s in chain.sides[1:] for n in walk(s.value.node)
                if isinstance(n, Name | Call)}
        if not used & {"ws", "sigma"}:
            return True
        message = (
            "J alone in a chain about negative sampling (sigma or negative samples in it): "
            "the notation's J is the naive-softmax loss"
        )
        hint = "write J_{neg-sample}, state it in this part (J_{neg-sample}(v_c, o, U) = ...), or give a notation file"
        span = (0, len(lhs.latex))
        self.unread.append(Unread(self.source, lhs.start, lhs.end, message, hint, lhs.latex, "chain", span))
        return False

    def extend(self, chain: Chain, sides: list[Tree], row: Row) -> None:
        for tree in sides:
            side = self.side(tree, row, "step")
            if side is None:
                chain.skipped.append(self.unread[-1])
            else:
                chain.sides.append(zero_as(side, chain.sides[0].value.shape, self.tr.notation.convention))

    def side(self, tree: Tree, row: Row, what: str, quiet: bool = False) -> Side | None:
        """One side read, or None: why is reported, or kept in ``unsaid`` when ``quiet``."""
        start, end = span(tree)
        try:
            value = self.tr.value(tree, row.text, row.start)
        except Ambiguous as err:
            readings = pairloss.each_loss(self.tr, lambda: self.side(tree, row, what, quiet=True))
            if readings is None:
                return self.not_read(row, err, what, quiet)
            first = next(iter(readings.values()))
            return replace(first, readings=readings, refusal=self.unread_in(row, err, what))
        except Unreadable as err:
            return self.not_read(row, err, what, quiet)
        ill = tuple(self.tr.ill)
        by_case = self.tr.case_values(tree, row.text, row.start) or ()
        return Side(row.at(start), row.at(end), row.text[start:end].strip(), value, ill, tuple(by_case))


def other_loss(displays: list[Display]) -> tuple[int, str] | None:
    """Where the write-up first writes a loss other than the naive softmax (J_{neg-sample} ...),
    in any of its math, and that name."""
    for display in displays:
        for m in LOSS_NAME.finditer(display.text):
            label = identifier(m.group(1)).lower()
            # J_{skip-gram} is a sum of pair losses, not another pair loss
            if not any(word in label for word in ("naive", "softmax", "skip")):
                return display.origin(m.start()), "J_{" + normal(m.group(1)) + "}"
    return None


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


def by_case(chain: Chain) -> list[Chain]:
    """A chain that ends in cases, each with its own condition (``f(x) = 0`` if ``x < 0``, ``x``
    if ``x > 0``): the chain before them, then one chain per case from the left-hand side to
    its value, assuming its condition."""
    last = chain.sides[-1]
    if not last.cases or len(chain.sides) < 2:
        return [chain]
    head = replace(chain, sides=chain.sides[:-1])
    return [head] + [
        Chain([chain.sides[0], replace(last, value=value, cases=())], chain.heading, assume=(*chain.assume, condition))
        for value, condition in last.cases
    ]


def zero_as(side: Side, shape: Shape, convention: str) -> Side:
    """``= 0`` (also ``\\mathbf{0}``) after a vector or matrix: the zero of its shape."""
    node = side.value.node
    if side.readings:
        return replace(side, readings={k: zero_as(r, shape, convention) for k, r in side.readings.items()})
    if not (isinstance(node, Number) and node.value == 0) or shape.scalar:
        return side
    if shape.matrix:
        zero: Node = Call("zeros", (Name(shape.rows, span=NOWHERE), Name(shape.cols, span=NOWHERE)), span=NOWHERE)
    else:
        size = shape.rows if shape.column or convention == "rows" else shape.cols
        zero = Call("zeros", (Name(size, span=NOWHERE),), span=NOWHERE)
        if shape.row and convention == "columns":
            zero = Transpose(zero, span=NOWHERE)
    return replace(side, value=Value(zero, shape))
