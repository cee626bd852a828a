"""A row's lark tree -> formulas of our language (:mod:`symw2v.language.syntax` trees), with shapes.

What each piece of LaTeX means is decided here, from the notation and never by guessing:

* a letter is looked up as ``letter_subscript`` (``v_c``), then as a name with its subscript an
  index (``\\hat y_o`` -> ``yhat[o]``), then as a family (``u_o`` -> ``U[:, o]``, ``w_k`` ->
  ``ws[k]``); a name that is none of these is refused with its position;
* side by side, values multiply as the shapes say (:mod:`.shapes`): ``u^T v`` is a matrix
  product, ``\\sigma(x)(1 - \\sigma(x))`` a product of numbers; two values whose sizes fit
  neither (``v_c (\\hat y - y)``), like a row added to a column, are written as they stand (a
  matrix product, a sum) and recorded in ``ill``: the checker refutes such a step, with the
  edit that would repair it, and a reading with fewer of them is the better one;
* ``^T``, ``^\\top``, ``'`` transpose; ``e^{x}`` is ``exp(x)``; ``\\sum`` needs to know what its
  index ranges over (limits, ``\\in`` a set of the notation, or the index's declared range);
* the write-up's own definitions (``J_{naive-softmax}(v_c, o, U) = ...``, ``P(O = o | C = c) =
  ...``, ``f(x) = ...``) are names, found by their left-hand side as written.

The rows convention has no row vectors: a transposed vector is the vector itself there, and a
column times a row is ``outer``. The columns convention writes what the write-up writes:
``u.T @ v``, ``u @ v.T``, ``U[:, o]``.
"""

from __future__ import annotations

import itertools
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from lark import Token, Tree

from ..language.parser import parse
from ..language.printer import to_text
from ..language.syntax import (
    BUILTINS,
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
    walk,
)
from . import ellipsis, window
from .cases import branches, cases
from .errors import Ambiguous, Unreadable
from .latex import fail, parse_row, span
from .notation import Family, Notation
from .shapes import SCALAR, Shape, column

NOWHERE = Span(0, 0)
# Prints as the ":" of U[:, o]; the formula is printed to text and read back by the loader.
ALL = Name(":", span=NOWHERE)

RELATIONS = {"EQ": "==", "NEQ": "!=", "LT": "<", "GT": ">", "LEQ": "<=", "GEQ": ">="}
FUNCTIONS = {
    "σ": "sigma", "exp": "exp", "log": "log", "ln": "log", "sigma": "sigma", "sigmoid": "sigma", "tanh": "tanh",
    "softmax": "softmax", "relu": "relu", "ReLU": "relu", "max": "max",
}  # fmt: skip
# Greek letters typed as Unicode are their commands (θ is \theta)
GREEK_LETTERS = dict(
    zip(
        "αβγδεζηθικλμνξοπρτυφχψω",
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho tau upsilon phi chi "
        "psi omega".split(),
        strict=True,
    )
)
BOLD = {"mathbf", "boldsymbol", "bm", "pmb"}  # typography: \mathbf{0} is 0 (a bold 1 is no number: refused)
DECORATIONS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde", "widetilde": "tilde"}
LOSS_LETTERS = {"J", "L", "ell"}
LAYOUT = re.compile(
    r"\\(left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|mathbf|boldsymbol|bm|pmb|vec|mathcal|mathbb|mathscr|"
    r"mathrm|text|textrm|operatorname|mathit|displaystyle|limits|quad|qquad)(?![A-Za-z])|\\[,;:! ]|[\s{}~]"
)


def normal(text: str) -> str:
    """LaTeX reduced to what it says: no layout, no typography, no braces, no spaces
    (``\\mathbf{J}_{\\text{naive-softmax}}(\\mathbf{v}_c, o)`` -> ``J_naive-softmax(v_c,o)``)."""
    return LAYOUT.sub("", text).replace("\\mid", "|")


def identifier(text: str) -> str:
    """A name of the formula language for a LaTeX name (``J_naive-softmax`` -> ``J_naive_softmax``)."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", normal(text)).strip("_")
    return name if re.match(r"[A-Za-z]", name or "") else f"n_{name}"


@dataclass(frozen=True)
class Value:
    """A number, vector or matrix: its formula and its shape as the write-up means it."""

    node: Node
    shape: Shape


@dataclass(frozen=True)
class Index:
    """An index: a declared or bound name, a number (a label), or an entry of an index list."""

    node: Node
    size: str | None


@dataclass
class Defined:
    """A name the write-up defines (``J_{naive-softmax}(v_c, o, U) = ...``): ``key`` is its
    left-hand side's head as written (normalised), ``args`` what it was written with."""

    name: str
    key: str
    args: tuple[str, ...]
    line: int
    value: Value | None = None  # its right-hand side, once read
    failed: str | None = None  # why its right-hand side could not be read
    arg_values: tuple[Value | Index, ...] = ()

    @property
    def shape(self) -> Shape | None:
        return self.value.shape if self.value is not None else None


@dataclass
class Symbol:
    """A letter with its decorations and scripts, before it is looked up."""

    item: Tree | Token
    stem: str  # letter or Greek name, with "hat", "bar" or "tilde" when so decorated
    sub: Tree | Token | None = None
    sups: list[Tree | Token] = field(default_factory=list)
    primes: int = 0


class Translator:
    """Reads the rows of one write-up: the notation, the write-up's definitions, and the indices
    bound by the sums being read."""

    def __init__(self, notation: Notation, defined: dict[str, Defined] | None = None):
        self.notation = notation
        self.defined: dict[str, Defined] = defined if defined is not None else {}
        self.binders: dict[str, Index] = {}
        self.text = ""
        # reads a definition's right-hand side when it is first used (set by the chain reader)
        self.pending: Callable[[Defined], None] | None = None
        self.offset = 0  # where in the file the row being read is
        self.ill: list[str] = []  # the ill-shaped operations of the formula being read, as written
        self.dots = 0  # dot products read (a \cdot of two vectors), to tell readings of a product apart
        # where the write-up first names another loss (J_{neg-sample}): after it, a bare J of the
        # notation could mean either, and is refused
        self.other_loss: tuple[int, str] | None = None
        # what such a J is read as while the reader reads a chain about the window once per pair loss
        # (:mod:`.pairloss`); None: it is refused (Ambiguous)
        self.pair_loss: str | None = None
        self.line_of: Callable[[int], int] = lambda offset: 0  # the line of a file offset (set by the reader)
        # the loss a bare letter means at a file offset, as the part of the write-up there states it (set by the reader)
        self.stated_loss: Callable[[str, int], str | None] = lambda letter, offset: None

    # -- entry points --------------------------------------------------------------------------

    def value(self, tree: Tree | Token, text: str, offset: int = 0) -> Value:
        """The formula of one side of a relation (``text`` is the row the tree was read from,
        ``offset`` where the row is in the file)."""
        self.text, self.binders, self.offset, self.ill = text, {}, offset, []
        out = self.expr(tree)
        if isinstance(out, Index):
            return Value(out.node, SCALAR) if self._is_label(out) else self._index_as_value(out, tree)
        return out

    def case_values(self, tree: Tree | Token, text: str, offset: int = 0) -> list[tuple[Value, str]] | None:
        """A side that is a ``\\begin{cases}`` alone, case by case: each value with its
        condition (as a formula); None for any other side or cases with ``\\text{otherwise}``."""
        while isinstance(tree, Tree) and tree.data in ("product", "factor") and len(tree.children) == 1:
            tree = tree.children[0]
        if not (isinstance(tree, Tree) and tree.data == "cases"):
            return None
        self.text, self.binders, self.offset, self.ill = text, {}, offset, []
        found = branches(self, tree)
        return None if found is None else [(value, to_text(cond)) for value, cond in found]

    def raw(self, item: Tree | Token) -> str:
        start, end = span(item)
        return self.text[start:end]

    # -- names ---------------------------------------------------------------------------------

    def known_names(self) -> set[str]:
        return {*self.notation.symbols, *self.notation.definitions, *(d.name for d in self.defined.values())}

    def fresh(self, letter: str) -> str:
        """A name for an index bound by a sum: the letter itself unless that is taken."""
        taken = self.notation.taken() | {d.name for d in self.defined.values()} | {
            i.node.id for i in self.binders.values() if isinstance(i.node, Name)
        }
        if letter not in taken and letter not in BUILTINS and not keyword.iskeyword(letter):
            return letter
        n = 2
        while f"{letter}{n}" in taken:
            n += 1
        return f"{letter}{n}"

    # -- expressions ---------------------------------------------------------------------------

    def expr(self, tree: Tree | Token) -> Value | Index:
        handler = getattr(self, f"on_{tree.data}", None) if isinstance(tree, Tree) else None
        if handler is None:
            raise fail(tree, f"cannot read `{self.raw(tree)}` here")
        return handler(tree)

    def val(self, tree: Tree | Token) -> Value:
        out = self.expr(tree)
        return self._index_as_value(out, tree) if isinstance(out, Index) else out

    def _is_label(self, index: Index) -> bool:
        return isinstance(index.node, Number)

    def _index_as_value(self, index: Index, tree) -> Value:
        if isinstance(index.node, Number):
            return Value(index.node, SCALAR)
        raise fail(tree, f"`{self.raw(tree).strip()}` is an index, not a number: it can index a vector or be compared")

    def on_add(self, tree: Tree) -> Value:
        terms = _terms(tree)
        if any(_is_dots(t) for _, t in terms):
            return self.dots_sum(tree, terms)
        left, _, right = tree.children
        return self._arith("+", tree, self.val(left), self.val(right))

    def dots_sum(self, tree: Tree, terms: list[tuple[str, Tree]]) -> Value:
        """``t_1 + \\dots + t_o + \\dots + t_w``: the sum of the terms' template over a range,
        when nothing is left to guess (see :mod:`.ellipsis`)."""
        if any(op != "+" for op, _ in terms):
            raise fail(_first_dots([t for _, t in terms]), "dots that do not stand between terms added together",
                       "write the sum out with \\sum")
        binder, body = self._elided([t for _, t in terms], "sum")
        return Value(Call("sum", (binder, body.node), span=NOWHERE), body.shape)

    def dots_list(self, items: list[Tree]) -> Value:
        """``g_1, g_2, \\dots, g_V`` of columns, under the columns convention: the matrix whose
        column j is g_j (as ``U = [u_1, \\dots, u_V]``), ``sum(j, g(j) @ onehot(j, V).T)``."""
        binder, body = self._elided(items, "list")
        at = _first_dots(items)
        if self.notation.convention != "columns" or not body.shape.column:
            raise fail(at, f"a list of {body.shape.text()}s: only columns side by side make a matrix (under the "
                       "columns convention)", "write the matrix with the notation's symbols")
        position = binder.left
        size = binder.right.id
        row = Transpose(Call("onehot", (position, Name(size, span=NOWHERE)), span=NOWHERE), span=NOWHERE)
        column = Binary("@", body.node, row, span=NOWHERE)
        return Value(Call("sum", (binder, column), span=NOWHERE), Shape(body.shape.rows, size))

    def _elided(self, items: list[Tree], what: str) -> tuple[Compare, Value]:
        """Terms and dots -> the binder over the range and the template's value at it."""
        hint = "write it out with \\sum" if what == "sum" else "write the matrix with the notation's symbols"
        explicit = [t for t in items if not _is_dots(t)]
        dots = [_is_dots(t) for t in items]
        at = _first_dots(items)  # where a refusal points
        if dots[0] or dots[-1] or any(a and b for a, b in itertools.pairwise(dots)):
            raise fail(at, f"dots that do not stand between the terms of a {what}", hint)
        found = ellipsis.written([self.raw(t) for t in explicit])
        if found is None:
            raise fail(at, f"the terms around the dots differ in more than one index: the terms left out of the "
                       f"{what} are not written", hint)
        first, *middle, last = found.holes
        letter = next(c for c in "ijpqrkn" if not re.search(rf"(?<![A-Za-z\\]){c}(?![A-Za-z])", found.template))
        size = self._last_index(last, explicit[-1], what)
        if first != "1":
            raise fail(explicit[0], f"the first term of a {what} with dots is at {first}, not at 1", hint)
        for hole, term in zip(middle, explicit[1:-1], strict=True):
            if not (hole.isdigit() or self.notation.index_size(hole) == size):
                raise fail(term, f"a term of a {what} with dots at {hole}, which is not an index over {size}", hint)
        latex = found.template.replace(ellipsis.HOLE, letter)
        saved = self.text, dict(self.binders)
        name = self.fresh(letter)
        self.binders[letter] = Index(Name(name, span=NOWHERE), size)
        try:
            self.text = latex
            body = self.val(parse_row(latex).children[0].children[0].children[0])
        except Unreadable as err:
            raise fail(at, f"the terms of a {what} with dots: {err.message}", hint) from None
        finally:
            self.text, self.binders = saved
        return Compare("in", Name(name, span=NOWHERE), Name(size, span=NOWHERE), span=NOWHERE), body

    def _last_index(self, hole: str, term: Tree, what: str) -> str:
        """The range a sum or list with dots runs over, from its last term's index: the size of a
        range (``V``), or the letter of a ``\\sum`` over a range in the same row (the sum written out)."""
        bare = hole.strip("|")  # y_{|V|}
        written = bare if bare in self.notation.sets else ellipsis.summed_range(self.text, bare)
        size = self.notation.sets.get(normal(written).strip("|")) if written is not None else None
        if size is None:
            raise fail(term, f"the last term of a {what} with dots is at {hole}: not the last index of a range, "
                       "nor the letter of a \\sum over one in this row", "write it out with \\sum")
        return size

    def on_sub(self, tree: Tree) -> Value:
        left, _, right = tree.children
        return self._arith("-", tree, self.val(left), self.val(right))

    def _arith(self, op: str, tree: Tree, a: Value, b: Value) -> Value:
        if not (a.shape.scalar or b.shape.scalar or a.shape == b.shape) and not self._rows_vectors(a.shape, b.shape):
            self.ill.append(f"`{self.raw(tree).strip()}` adds {a.shape.text()} and {b.shape.text()}")
        shape = b.shape if a.shape.scalar else a.shape
        return Value(Binary(op, a.node, b.node, span=NOWHERE), shape)

    def _rows_vectors(self, a: Shape, b: Shape) -> bool:
        """Under rows a row vector is its column: they add (the language cannot tell them apart)."""
        return self.notation.convention == "rows" and a.vector and b.vector and {a.rows, a.cols} == {b.rows, b.cols}

    def on_neg(self, tree: Tree) -> Value:
        x = self.val(tree.children[-1])
        return Value(Unary("-", x.node, span=NOWHERE), x.shape)

    def on_pos(self, tree: Tree) -> Value:
        return self.val(tree.children[-1])

    def on_elist(self, tree: Tree) -> Value:
        if any(_is_dots(t) for t in tree.children):
            return self.dots_list(tree.children)
        raise fail(tree, "a list of formulas separated by commas", "write one formula per side of =")

    # -- products ------------------------------------------------------------------------------

    def on_product(self, tree: Tree) -> Value | Index:
        items: list[tuple[Token | None, Tree]] = []
        op = None
        for child in tree.children:
            if isinstance(child, Tree) and child.data == "prodop":
                op = child.children[0]
            else:
                items.append((op, child))
                op = None
        factors: list[tuple[Token | None, Value | Index, Tree]] = []
        k = 0
        while k < len(items):
            op, item = items[k]
            nxt = items[k + 1] if k + 1 < len(items) and items[k + 1][0] is None else None
            factor, used = self.factor_with_args(item, nxt[1] if nxt else None)
            k += 1 + used
            factors.append((op, factor, item))
        if len(factors) > 2 and all(op is None for op, _, _ in factors[1:]):
            values = [self._as_value(f, item) for _, f, item in factors]
            grouped = self._associated(values, tree)
            if grouped is not None:
                return grouped
        ops = [op.type if op is not None else None for op, _, _ in factors[1:]]
        if len(factors) > 2 and "CDOT" in ops and None in ops:
            return self._dot_among_juxtaposed(factors, tree)
        return self._left_fold(factors, tree)

    def _left_fold(self, factors: list[tuple[Token | None, Value | Index, Tree]], tree: Tree) -> Value | Index:
        acc: Value | Index = factors[0][1]
        for op, factor, item in factors[1:]:
            acc = self.multiply(self._as_value(acc, tree), op, self._as_value(factor, item), item)
        return acc

    def _dot_among_juxtaposed(self, factors: list[tuple[Token | None, Value | Index, Tree]], tree: Tree) -> Value:
        r"""``U^T u \\cdot v \\hat y``: a ``\\cdot`` among factors side by side joins either its two
        neighbours or the groups around it. When one ``\\cdot`` is a dot product of two vectors
        in some reading, the readings that are well shaped must agree, else the product is refused
        (which vectors are dotted changes the value); a ``\\cdot`` of numbers does not."""
        values = [(op, self._as_value(f, item), item) for op, f, item in factors]
        tight: list[tuple[Token | None, Value, Tree]] = []  # each \cdot joins its neighbours first
        for op, value, item in values:
            if op is not None and op.type == "CDOT" and tight:
                before_op, before, before_item = tight.pop()
                value = self.multiply(before, op, value, item)
                tight.append((before_op, value, before_item))
            else:
                tight.append((op, value, item))
        groups: list[list[tuple[Token | None, Value, Tree]]] = [[]]  # each \cdot joins the groups around it
        for entry in values:
            if entry[0] is not None and entry[0].type == "CDOT":
                groups.append([])
            groups[-1].append(entry)
        candidates = {
            "left": lambda: self._left_fold(values, tree),
            "tight": lambda: self._left_fold(tight, tree) if len(tight) > 1 else tight[0][1],
            "loose": lambda: self._left_fold(
                [(g[0][0], self._left_fold([(None, v, i) for _, v, i in g], tree), g[0][2]) for g in groups], tree
            ),
        }
        readings: dict[str, tuple[Value, bool]] = {}
        dots = False
        for name, read in candidates.items():
            ill, dotted = len(self.ill), self.dots
            value = self._as_value(read(), tree)
            dots |= self.dots > dotted
            readings[name] = (value, len(self.ill) == ill)
            del self.ill[ill:]
        well = {to_text(v.node): v for v, ok in readings.values() if ok}
        left, ok = readings["left"]
        if not well:
            self._left_fold(values, tree)  # as written, recording what is ill-shaped in it
            return left
        if len(well) == 1 or not dots:
            return left if ok else next(iter(well.values()))
        raise fail(tree, "a \\cdot among factors written side by side: which of them does it join?",
                   "bracket the dot product, as in U^T (u \\cdot v) \\hat y")

    def _associated(self, values: list[Value], tree: Tree) -> Value | None:
        r"""Side by side, products associate (``U^T u_o^T v_c \hat y`` is ``U^T (u_o^T v_c) \hat y``):
        the first grouping, from the left, in which every product is well shaped; None if none is."""
        best: dict[tuple[int, int], Value | None] = {}

        def group(i: int, j: int) -> Value | None:
            if j - i == 1:
                return values[i]
            if (i, j) not in best:
                best[i, j] = None
                for k in range(j - 1, i, -1):  # the left fold first
                    a, b = group(i, k), group(k, j)
                    if a is not None and b is not None and _fits(a.shape, b.shape):
                        best[i, j] = self.multiply(a, None, b, tree)
                        break
            return best[i, j]

        return group(0, len(values))

    def _as_value(self, x: Value | Index, tree) -> Value:
        return self._index_as_value(x, tree) if isinstance(x, Index) else x

    def multiply(self, a: Value, op: Token | None, b: Value, where: Tree) -> Value:
        kind = op.type if op is not None else "JUXT"
        if kind == "SLASH":
            if not b.shape.scalar:
                raise fail(where, f"division by {b.shape.text()}")
            return Value(Binary("/", a.node, b.node, span=NOWHERE), a.shape)
        if kind in ("ODOT", "CIRC"):
            if not (a.shape.scalar or b.shape.scalar or a.shape == b.shape):
                raise fail(where, f"an elementwise product of {a.shape.text()} and {b.shape.text()}")
            return self._times(a, b)
        if a.shape.scalar or b.shape.scalar:
            return self._times(a, b)
        if kind == "CDOT" and a.shape == b.shape and a.shape.vector:
            self.dots += 1
            return Value(self._dot(a, b), SCALAR)
        if a.shape.cols == b.shape.rows:
            return self._matmul(a, b)
        self.ill.append(f"`{self.raw(where).strip()}`: {a.shape.text()} times {b.shape.text()}")
        return Value(Binary("@", a.node, b.node, span=NOWHERE), Shape(a.shape.rows, b.shape.cols))

    def _times(self, a: Value, b: Value) -> Value:
        shape = b.shape if a.shape.scalar else a.shape
        return Value(Binary("*", a.node, b.node, span=NOWHERE), shape)

    def _dot(self, a: Value, b: Value) -> Node:
        left = a.node if self.notation.convention == "rows" or a.shape.row else Transpose(a.node, span=NOWHERE)
        right = b.node if self.notation.convention == "rows" or b.shape.column else Transpose(b.node, span=NOWHERE)
        return Binary("@", left, right, span=NOWHERE)

    def _matmul(self, a: Value, b: Value) -> Value:
        shape = Shape(a.shape.rows, b.shape.cols)
        if self.notation.convention == "rows" and a.shape.column and b.shape.row:
            return Value(Call("outer", (a.node, b.node), span=NOWHERE), shape)
        return Value(Binary("@", a.node, b.node, span=NOWHERE), shape)

    # -- factors: a primary with its subscripts, superscripts and primes ----------------------

    def factor_with_args(self, item: Tree, nxt: Tree | None) -> tuple[Value | Index, int]:
        """``item``'s value; when it names a function written with its arguments (``f(x)``,
        ``J(v_c, o, U)``, ``P(O = o | C = c)``), the argument group ``nxt`` is used too (1)."""
        if not (isinstance(item, Tree) and item.data == "factor"):
            return self.expr(item), 0
        args = nxt if nxt is not None and _is_plain_paren(nxt) else None
        symbol = self.symbol_of(item)
        if symbol is None:
            return self._posts(self.expr(item.children[0]), item.children[1:], item), 0
        return self.resolve(symbol, args)

    def on_factor(self, tree: Tree) -> Value | Index:
        return self.factor_with_args(tree, None)[0]

    def symbol_of(self, tree: Tree) -> Symbol | None:
        """The letter a factor is made of, with its decorations and scripts; None for other factors."""
        primary, *posts = tree.children
        symbol = self._core(primary)
        if symbol is None:
            return None
        for post in posts:
            self._add_post(symbol, post)
        symbol.item = tree
        return symbol

    def _core(self, item: Tree | Token) -> Symbol | None:
        if isinstance(item, Tree) and item.data == "letter":
            return Symbol(item, _letter(item.children[0]))
        if isinstance(item, Tree) and item.data == "greek":
            letter = str(item.children[0]).lstrip("\\")
            return Symbol(item, GREEK_LETTERS.get(letter, letter))
        if isinstance(item, Tree) and item.data == "decorated" and _decorated_number(item) is None:
            command = str(item.children[0]).lstrip("\\")
            inner = item.children[1]
            if isinstance(inner, Tree) and inner.data == "dinner":
                symbol = self._core(inner.children[0])
                for post in inner.children[1:]:
                    if symbol is not None:
                        self._add_post(symbol, post)
            else:
                symbol = self._core(inner)
            if symbol is None:
                raise fail(item, f"\\{command} of `{self.raw(inner)}`")
            symbol.stem += DECORATIONS.get(command, "")
            symbol.item = item
            return symbol
        return None

    def _add_post(self, symbol: Symbol, post: Tree) -> None:
        if post.children and (_is_empty(post.children[0]) or not normal(self.raw(post.children[0]))):
            return  # x^{} is x, and so is x_{\text{~}} (a script of nothing but spaces)
        if post.data == "sub":
            if symbol.sub is not None:
                raise fail(post, "a second subscript")
            symbol.sub = post.children[0]
        elif post.data == "sup":
            symbol.sups.append(post.children[0])
        elif post.data == "tsup":
            symbol.sups.append(post)  # uᵀ: a transpose written as one character
        else:
            symbol.primes += 1

    def resolve(self, s: Symbol, args: Tree | None) -> tuple[Value | Index, int]:
        """A symbol's meaning (see the module docstring for the order); ``args`` may be used."""
        sub_raw = normal(self.raw(s.sub)) if s.sub is not None else None
        full = f"{s.stem}_{identifier(sub_raw)}" if sub_raw else None
        names = self.known_names()
        if s.stem in self.binders and s.sub is None:
            return self._posts_symbol(self.binders[s.stem], s), 0
        # the write-up's own definitions, by their head as written (P(O = o | C = c), J_{neg})
        if args is not None:
            key = normal(self.raw(s.item) + self.raw(args))
            hit = self.defined.get(key)
            if hit is not None:
                return self._defined(hit, s, None), 1
            term = self.term(key, s.item)
            if term is not None:
                return term, 1
        if full == window.TOTAL and full not in names and self.notation.window is not None:
            return self._posts_symbol(self._skip_gram(s), s, skip_sub=True), int(args is not None)
        if full is not None and full in names:
            return self._named(full, s, args)
        if s.stem == "w" and s.sub is not None and self.notation.window is not None:
            position = window.WORD.fullmatch(f"w_{sub_raw}")
            if position is not None:
                return self._window_word(position, s), 0
        if s.sub is not None and s.stem in self.notation.families:
            value = self.family(self.notation.families[s.stem], s.sub, s.item)
            return self._posts_symbol(value, s, skip_sub=True), 0
        if s.stem in names or (s.stem in LOSS_LETTERS and s.sub is None):
            if s.sub is not None:
                base = self._named(s.stem, Symbol(s.item, s.stem), None)[0]
                return self._posts_symbol(self.component(base, s.sub, s.item), s, skip_sub=True), 0
            return self._named(s.stem, s, args)
        if s.stem == "e" and s.sub is None and s.sups and "e" not in names:
            x = self.val(_script_expr(s.sups[0]))
            if not x.shape.scalar:
                hint = "write \\exp(...) for an elementwise exponential"
                raise fail(s.sups[0], f"e to the power of {x.shape.text()}", hint)
            value = Value(Call("exp", (x.node,), span=NOWHERE), SCALAR)
            rest = Symbol(s.item, s.stem, None, s.sups[1:], s.primes)
            return self._posts_symbol(value, rest, skip_sub=True), 0
        written = self.raw(s.item).strip()
        if s.sub is not None:
            hint = f"declare {full} in [symbols] of a notation file, or a family {s.stem} = \"M[{{}}]\" in [latex]"
        else:
            hint = f"declare {s.stem} in [symbols] of a notation file, or define it in the write-up before using it"
        raise fail(s.item, f"`{written}` is not in the notation", hint)

    def term(self, key: str, where) -> Value | None:
        """A formula of the notation's [terms] written as ``key`` (``{}`` there an index here)."""
        for latex, (formula, shape) in self.notation.terms.items():
            if "{}" not in latex:
                if latex == key:
                    return Value(parse(formula), shape)
                continue
            m = re.fullmatch(re.escape(latex).replace(r"\{\}", "(.+?)"), key)
            if m is None:
                continue
            try:
                tree = parse_row(m.group(1)).children[0].children[0].children[0]
                self.text, saved = m.group(1), self.text
                index = self.expr(tree)
            except Unreadable:
                index = None
            finally:
                self.text = saved
            if isinstance(index, Index):
                return Value(parse(formula.replace("{}", to_text(index.node))), shape)
            raise fail(where, f"`{key}`: {m.group(1)} is not an index of the notation")
        return None

    def _named(self, name: str, s: Symbol, args: Tree | None) -> tuple[Value | Index, int]:
        scoped = self.notation.loss_at(self.line_of(self.offset)) if name in LOSS_LETTERS and s.sub is None else None
        if scoped is not None:  # the notation says which loss a bare J is on these lines
            if scoped not in self.known_names():
                raise fail(s.item, f"the notation's scope says J is {scoped} here, which is no loss of the notation "
                           "or the write-up")
            return self._named(scoped, Symbol(s.item, scoped, None, s.sups, s.primes), args)
        defined = next((d for d in self.defined.values() if d.name == name), None)
        if defined is not None:
            return self._defined(defined, s, args), int(args is not None)
        if name in self.notation.symbols and self.notation.symbols[name].kind in ("index", "indices"):
            decl = self.notation.symbols[name]
            if decl.kind == "indices":
                raise fail(s.item, f"{name} is an index list; write one of its entries, such as {name}[k]")
            return self._posts_symbol(Index(Name(name, span=NOWHERE), decl.sizes[0]), s, skip_sub=True), 0
        stated = self.stated_loss(name, self.offset) if name in LOSS_LETTERS and s.sub is None else None
        if stated is not None:  # the write-up's part (parts.py) says which loss a bare J is here
            if stated not in self.known_names():
                raise fail(s.item, f"the write-up says J is {stated} here, which is no loss of the notation "
                           "or the write-up")
            return self._named(stated, Symbol(s.item, stated, None, s.sups, s.primes), args)
        if name in LOSS_LETTERS and s.sub is None and self.other_loss and self.offset > self.other_loss[0]:
            if self.pair_loss is not None:  # read once per pair loss (a chain about the window, pairloss.py)
                return self._named(self.pair_loss, Symbol(s.item, self.pair_loss, None, s.sups, s.primes), args)
            err = fail(s.item, f"`{self.raw(s.item).strip()}` alone, after the write-up names {self.other_loss[1]}: "
                       "which loss is it?", "write J_{naive-softmax} or J_{neg-sample}, state it in this part "
                       "(J_{neg-sample}(v_c, o, U) = ...), or give a notation file")
            raise Ambiguous(err.message, err.start, err.end, err.suggestion)
        if name not in self.notation.shapes:
            if name in LOSS_LETTERS or name in self.notation.definitions:
                raise fail(s.item, f"`{self.raw(s.item).strip()}` names no loss of the notation or the write-up",
                           "define it in the write-up (J = ...) or in [loss] of a notation file")
            raise fail(s.item, f"{name} takes arguments")
        if args is not None and self.notation.window is not None and name in self.notation.losses:
            windowed = self._windowed(name, args)
            if windowed is not None:
                return self._posts_symbol(windowed, s, skip_sub=True), 1
        value = Value(Name(name, span=NOWHERE), self.notation.shapes[name])
        used = 0
        if args is not None and name in self.notation.definitions and self._documenting(args):
            used = 1  # J(v_c, o, U): the arguments only say what J depends on
        return self._posts_symbol(value, s, skip_sub=True), used

    # -- the skip-gram window (see :mod:`.window`) ------------------------------------------------

    def _windowed(self, name: str, args: Tree) -> Value | None:
        """``J(v_c, w_{t+j}, U)``: the pair loss of position j; ``J(v_c, w_{t-m}, \\dots, w_{t+m},
        U)``: its sum over the window; None for arguments that do not write the window."""
        plain, position, whole = window.arguments(normal(self.raw(args)))
        if position is None and not whole:
            return None
        if position is not None and whole:
            raise fail(args, "a window word and the whole window among the arguments of one loss")
        if not all(a in self.known_names() for a in plain):
            raise fail(args, f"{name} written with arguments that are not symbols of the notation")
        if position is not None and not position.startswith("+"):
            raise fail(args, f"w_{{t{position[0]}{position[1:]}}}: a window word is written w_{{t+j}}")
        loss = self._window_loss(name, args)
        if whole:
            return Value(self.notation.window.total(loss, self.fresh("j")), SCALAR)
        return Value(self.notation.window.pair(loss, self._position(position[1:], args)), SCALAR)

    def _skip_gram(self, s: Symbol) -> Value:
        """``J_{skip-gram}``: the window sum of the loss a bare J means here."""
        pair = self._named("J", Symbol(s.item, "J"), None)[0]
        assert isinstance(pair.node, Name)
        return Value(self.notation.window.total(self._window_loss(pair.node.id, s.item), self.fresh("j")), SCALAR)

    def _window_loss(self, name: str, where) -> Node:
        """A loss of the notation as a formula of its outside word, which no definition it uses
        hides (a substitution must reach every occurrence)."""
        formula = self.notation.definitions[name].formula.tree
        outside = self.notation.window.outside
        pending, seen = set(window.names_in(formula)), set()
        while pending:
            used = pending.pop()
            seen.add(used)
            definition = self.notation.definitions.get(used)
            if definition is None or used == name:
                continue
            inner = window.names_in(definition.formula.tree) - set(definition.params)
            if outside in inner:
                raise fail(where, f"{name} uses {used}, which depends on {outside}: cannot put a window word in it")
            pending |= inner - seen
        if outside not in window.names_in(formula):
            raise fail(where, f"{name} does not depend on the outside word {outside}")
        return formula

    def _position(self, letter: str, where) -> Node:
        bound = self.binders.get(letter)
        if bound is None or bound.size != self.notation.window.size:
            raise fail(where, f"w_{{t+{letter}}}: {letter} is not bound by a sum over the window",
                       "write \\sum_{-m \\leq j \\leq m, j \\neq 0}")
        return bound.node

    def _window_word(self, m: re.Match, s: Symbol) -> Index:
        """``w_{t+j}``: the outside word at position j, ``ctx[j]``."""
        if m.group(1) != "+" or m.group(2) == "m":
            raise fail(s.item, f"`{self.raw(s.item).strip()}`: an end of the window is not a word of it",
                       "write the window as w_{t-m}, \\dots, w_{t+m} among a loss's arguments")
        words = self.notation.symbols[self.notation.window.words]
        node = self.notation.window.word(self._position(m.group(2), s.item))
        return self._posts_symbol(Index(node, words.sizes[1]), s, skip_sub=True)

    def window_range(self, first: Tree, conditions: list[Tree], where) -> tuple[str, str, list[Tree]]:
        """``-m \\leq j \\leq m`` with ``j \\neq 0`` among the conditions: the positions of the window."""
        low, rel1, letter_tree, rel2, high = first.children
        letter = self._binder_letter(letter_tree, where)
        bounds = normal(self.raw(low)), normal(self.raw(high))
        center = [c for c in conditions if normal(self.raw(c)) in (f"{letter}\\neq0", f"{letter}\\ne0", f"{letter}!=0")]
        symmetric = bounds[0] == f"-{bounds[1]}" and re.fullmatch(r"[A-Za-z]", bounds[1])
        inclusive = {rel1.children[0].type, rel2.children[0].type} == {"LEQ"}
        if not (symmetric and inclusive and center):
            raise fail(where, f"a \\sum over {self.raw(first).strip()}",
                       "a sum over the window is written -m \\leq j \\leq m, j \\neq 0")
        if self.notation.window is None:
            raise fail(where, "a sum over the skip-gram window", "declare [window] in a notation file")
        return letter, self.notation.window.size, [c for c in conditions if c not in center]

    def _documenting(self, args: Tree) -> bool:
        """Arguments that are all symbols of the notation, as in J(v_c, o, U)."""
        gbody = args.children[0].children[0]
        for item in gbody.children:
            if isinstance(item, Tree) and item.data == "gsep":
                continue
            if len(item.children) != 1:
                return False
            try:
                value = self.expr(item.children[0])
            except Unreadable:
                return False
            node = value.node
            if not (isinstance(node, Name) and node.id in self.notation.symbols):
                return False
        return True

    def _defined(self, d: Defined, s: Symbol, args: Tree | None) -> Value:
        if d.value is None and d.failed is None and self.pending is not None:
            saved = self.text, self.binders, self.offset
            try:
                self.pending(d)
            finally:
                self.text, self.binders, self.offset = saved
        if d.failed is not None:
            written = self.raw(s.item).strip()
            raise fail(s.item, f"`{written}` is defined on line {d.line}, which could not be read: {d.failed}")
        if d.shape is None:
            raise fail(s.item, f"`{self.raw(s.item).strip()}` is used in its own definition (line {d.line})")
        if args is not None and d.args and normal(self.raw(args)).strip("()") != ",".join(d.args):
            raise fail(args, f"{d.name} is defined on line {d.line} for ({', '.join(d.args)}), not for these arguments")
        value = Value(Name(d.name, span=NOWHERE), d.shape)
        if s.primes:
            return self._derivative_of(d, s, value)
        return self._posts_symbol(value, s, skip_sub=True)

    def _derivative_of(self, d: Defined, s: Symbol, value: Value) -> Value:
        """f'(x) for a function the write-up defines with one scalar argument x."""
        x = d.arg_values[0] if len(d.arg_values) == 1 else None
        if s.primes != 1 or not isinstance(x, Value) or not x.shape.scalar or not value.shape.scalar:
            raise fail(s.item, f"`{self.raw(s.item).strip()}`: a derivative of a function of one scalar")
        return Value(Call("grad", (value.node, x.node), span=NOWHERE), SCALAR)

    def _posts_symbol(self, value: Value | Index, s: Symbol, skip_sub: bool = False) -> Value | Index:
        if s.sub is not None and not skip_sub:
            raise fail(s.sub, f"a subscript on `{self.raw(s.item).strip()}`")
        for sup in s.sups:
            value = self.superscript(value, sup, s.item)
        for _ in range(s.primes):
            value = self.prime(value, s.item)
        return value

    def _posts(self, value: Value | Index, posts: list[Tree], where: Tree) -> Value | Index:
        for post in posts:
            if post.children and _is_empty(post.children[0]):
                continue
            if post.data == "sub":
                value = self.component(self._as_value(value, where), post.children[0], where)
            elif post.data == "sup":
                value = self.superscript(value, post.children[0], where)
            elif post.data == "tsup":
                value = self.transpose(value, where)
            else:
                value = self.prime(value, where)
        return value

    def prime(self, value: Value | Index, where) -> Value:
        """``'`` transposes a vector or a matrix; after a function of one declared scalar,
        ``\\sigma(x)'``, it is the derivative; on any other scalar it is refused (which one?)."""
        value = self._as_value(value, where)
        if not value.shape.scalar:
            return self.transpose(value, where)
        node = value.node
        if isinstance(node, Call) and node.func in FUNCTIONS.values() and len(node.args) == 1:
            x = node.args[0]
            if isinstance(x, Name) and x.id in self.notation.symbols and self.notation.shapes[x.id].scalar:
                return Value(Call("grad", (node, x), span=NOWHERE), SCALAR)
        raise fail(where, f"a prime on a scalar (`{self.raw(where).strip()}`): a derivative, or a transpose?",
                   "write a derivative as \\frac{d}{dx} or f'(x) for a declared scalar x")

    def superscript(self, value: Value | Index, sup: Tree | Token, where) -> Value:
        value = self._as_value(value, where)
        if _is_transpose(sup) and "T" not in self.known_names():
            return self.transpose(value, where)
        exponent = self.val(_script_expr(sup))
        if not (value.shape.scalar and exponent.shape.scalar):
            raise fail(sup, f"{value.shape.text()} to the power of {exponent.shape.text()}")
        return Value(Binary("**", value.node, exponent.node, span=NOWHERE), SCALAR)

    def transpose(self, value: Value | Index, where) -> Value:
        value = self._as_value(value, where)
        if value.shape.scalar:
            return value
        if value.shape.vector and self.notation.convention == "rows":
            return Value(value.node, value.shape.T)
        if isinstance(value.node, Transpose):  # (U[o].T).T is U[o]
            return Value(value.node.operand, value.shape.T)
        return Value(Transpose(value.node, span=NOWHERE), value.shape.T)

    def component(self, base: Value | Index, sub: Tree | Token, where) -> Value:
        """``y_o``, ``\\hat y_w``: an entry of a vector."""
        base = self._as_value(base, where)
        if not base.shape.vector:
            raise fail(where, f"a subscript on {base.shape.text()} (`{self.raw(where).strip()}`)",
                       "only a vector's entries are written with a subscript")
        index = self.index(sub)
        return Value(Subscript(base.node, (index.node,), span=NOWHERE), SCALAR)

    def family(self, family: Family, sub: Tree | Token, where) -> Value | Index:
        """``u_o`` -> ``U[:, o]``; ``u_k`` (k over the samples) -> ``U[:, ws[k]]``; ``w_k`` -> ``ws[k]``."""
        index = self.index(sub)
        if family.is_index:
            if index.size not in (None, family.index_size):
                raise fail(sub, f"`{self.raw(where).strip()}`: {self.raw(sub).strip()} ranges over {index.size}, "
                                f"not over the {family.index_size} entries of {family.base}")
            return Index(Subscript(Name(family.base, span=NOWHERE), (index.node,), span=NOWHERE), family.value_size)
        if index.size not in (None, family.index_size):
            samples = self._samples(index.size)
            if samples is None:
                axis = "columns" if family.columns else "rows"
                raise fail(sub, f"`{self.raw(where).strip()}`: {self.raw(sub).strip()} ranges over {index.size}, "
                                f"not over the {family.index_size} {axis} of {family.base}")
            index = Index(Subscript(Name(samples.base, span=NOWHERE), (index.node,), span=NOWHERE), samples.value_size)
        keys = (ALL, index.node) if family.columns else (index.node,)
        node: Node = Subscript(Name(family.base, span=NOWHERE), keys, span=NOWHERE)
        if family.transposed:
            node = Transpose(node, span=NOWHERE)
        return Value(node, column(family.value_size))

    def _samples(self, size: str) -> Family | None:
        found = [f for f in self.notation.families.values() if f.is_index and f.index_size == size]
        return found[0] if len(found) == 1 else None

    def index(self, sub: Tree | Token) -> Index:
        """A subscript read as an index: a bound or declared index, a number, or ``w_s``."""
        expr = _script_expr(sub)
        if isinstance(expr, Tree) and expr.data == "number":
            digits = str(expr.children[0])
            braced = self.raw(sub).lstrip().startswith("{")
            if not braced and len(digits) > 1:
                hint = f"write _{{{digits}}} or _{digits[0]} {digits[1:]}"
                raise fail(sub, f"subscript {digits} without braces", hint)
            if "." in digits:
                raise fail(sub, f"{digits} is not an index")
            return Index(Number(Fraction(int(digits)), span=NOWHERE), None)
        out = self.expr(expr) if isinstance(expr, Tree) and expr.data in ("product", "factor") else None
        if out is None and isinstance(expr, Tree) and expr.data in ("letter", "greek", "decorated"):
            symbol = self._core(expr)
            out = self.resolve(symbol, None)[0] if symbol is not None else None
        if not isinstance(out, Index):
            raise fail(sub, f"`{self.raw(sub).strip()}` is not an index of the notation",
                       "declare it as index[...] in [symbols] of a notation file, or bind it with \\sum")
        return out

    # -- primaries -----------------------------------------------------------------------------

    def on_letter(self, tree: Tree) -> Value | Index:
        return self.resolve(Symbol(tree, _letter(tree.children[0])), None)[0]

    on_greek = on_letter

    def on_decorated(self, tree: Tree) -> Value | Index:
        command, inner = str(tree.children[0]).lstrip("\\"), _decorated_number(tree)
        if inner is not None:  # \mathbf{0}, \bm 0: the zero (its shape from the chain, chains.zero_as)
            if command in BOLD and Fraction(str(inner.children[0])) == 0:
                return self.on_number(inner)
            raise fail(tree, f"`{self.raw(tree).strip()}`: a decorated number (only a bold 0, the zero, is read)",
                       "declare a vector of numbers (a vector of ones) in a notation file")
        symbol = self._core(tree)
        assert symbol is not None
        return self.resolve(symbol, None)[0]

    def on_number(self, tree: Tree) -> Value:
        return Value(Number(Fraction(str(tree.children[0])), span=NOWHERE), SCALAR)

    def on_top(self, tree: Tree) -> Value:
        raise fail(tree, "a transpose sign outside a superscript")

    def on_dots(self, tree: Tree) -> Value:
        raise fail(tree, "terms left out with dots cannot be checked", "write the sum out with \\sum")

    def on_paren(self, tree: Tree) -> Value | Index:
        return self._group(tree, indicator=False)

    def on_bracket(self, tree: Tree) -> Value | Index:
        return self._group(tree, indicator=True)

    def on_brace(self, tree: Tree) -> Value | Index:
        # {x}, \boxed{x}, \underbrace{x}_{note}: the first subtree is the formula
        return self.expr(next(c for c in tree.children if isinstance(c, Tree)))

    def on_setbrace(self, tree: Tree) -> Value:
        raise fail(tree, "a set", "sets appear only in \\sum_{w \\in ...}")

    def _group(self, tree: Tree, indicator: bool) -> Value | Index:
        gbody = tree.children[0]
        items = [c for c in gbody.children if not (isinstance(c, Tree) and c.data == "gsep")]
        if len(items) != 1:
            raise fail(tree, "a list in brackets", "only a function's arguments are a list")
        gitem = items[0]
        if len(gitem.children) == 1:
            return self.expr(gitem.children[0])
        if not indicator:
            raise fail(tree, "a comparison in parentheses", "write an indicator as \\mathbb{1}[a = b] or [a = b]")
        return Value(Indicator(self.condition(gitem), span=NOWHERE), SCALAR)

    def on_indicator(self, tree: Tree) -> Value:
        gitem = next(c for c in tree.children if isinstance(c, Tree) and c.data == "gitem")
        if len(gitem.children) == 1:
            raise fail(tree, "an indicator without a condition")
        return Value(Indicator(self.condition(gitem), span=NOWHERE), SCALAR)

    def condition(self, gitem: Tree) -> Compare:
        """``a = b`` (indices, or scalars), ``x < 0`` ... inside an indicator."""
        if len(gitem.children) != 3:
            raise fail(gitem, "a chain of comparisons", "write one comparison per condition")
        left, rel, right = gitem.children
        op = RELATIONS.get(rel.children[0].type)
        if op is None:
            raise fail(rel, f"the relation `{str(rel.children[0])}` in a condition")
        a, b = self.expr(left), self.expr(right)
        if isinstance(a, Index) and isinstance(b, Index):
            if op not in ("==", "!="):
                raise fail(rel, "indices are labels: they can only be compared with = or \\neq")
            return Compare(op, a.node, b.node, span=NOWHERE)
        a, b = self._as_value(a, left), self._as_value(b, right)
        if not (a.shape.scalar and b.shape.scalar):
            raise fail(gitem, "a condition on vectors")
        return Compare(op, a.node, b.node, span=NOWHERE)

    def on_frac(self, tree: Tree) -> Value:
        _, num, den = tree.children
        a, b = self.val(num), self.val(den)
        if not b.shape.scalar:
            raise fail(den, f"a fraction with {b.shape.text()} below the line")
        return Value(Binary("/", a.node, b.node, span=NOWHERE), a.shape)

    def on_call(self, tree: Tree) -> Value:
        head, args_tree = tree.children
        text = str(head)
        if head.type == "FUNC_BRACE":
            args_tree = Tree("args", [args_tree])
        name = re.search(r"(exp|log|ln|sigmoid|sigma|σ|tanh|max|softmax|ReLU|relu)", text).group(1)  # type: ignore[union-attr]
        func = FUNCTIONS[name]
        primed = "'" in text or "prime" in text
        args = [self.val(a) for a in args_tree.children]
        if func == "max" and len(args) == 2 and any(_is_zero(a.node) for a in args):
            func, args = "relu", [a for a in args if not _is_zero(a.node)]  # max(0, x) is relu(x)
        if len(args) != 1:
            raise fail(tree, f"\\{name} with {len(args)} arguments")
        x = args[0]
        if func == "softmax" and not x.shape.column:
            raise fail(tree, f"softmax of {x.shape.text()}")
        if func == "max":
            if not x.shape.vector:
                raise fail(tree, f"the max of {x.shape.text()}")
            value = Value(Call("max", (x.node,), span=NOWHERE), SCALAR)
        else:
            value = Value(Call(func, (x.node,), span=NOWHERE), x.shape)
        if primed:
            if not (x.shape.scalar and isinstance(x.node, Name) and x.node.id in self.notation.symbols):
                raise fail(tree, f"{text.rstrip('(').strip()} of an expression",
                           "write the derivative out, or with \\frac{\\partial}{\\partial x}, for a declared scalar x")
            return Value(Call("grad", (value.node, x.node), span=NOWHERE), SCALAR)
        return value

    def on_funcapply(self, tree: Tree) -> Value:
        head, body = tree.children
        func = FUNCTIONS[str(head).lstrip("\\")]  # \log, or log as plain letters
        x = self.val(body)
        return Value(Call(func, (x.node,), span=NOWHERE), x.shape)

    def on_cases(self, tree: Tree) -> Value:
        return cases(self, tree)

    # -- sums and derivatives ------------------------------------------------------------------

    def on_bigsum(self, tree: Tree) -> Value:
        sumop, body = tree.children
        letter, size, conditions = self.sum_index(sumop)
        name = self.fresh(letter)
        bound = Index(Name(name, span=NOWHERE), size)
        saved = dict(self.binders)
        self.binders[letter] = bound
        try:
            conds = [self.condition(c) for c in conditions]
            value = self.val(body)
        finally:
            self.binders = saved
        node = value.node
        for cond in reversed(conds):
            node = Binary("*", Indicator(cond, span=NOWHERE), node, span=NOWHERE)
        binder: Node = Name(name, span=NOWHERE)
        if size is not None:
            binder = Compare("in", binder, Name(size, span=NOWHERE), span=NOWHERE)
        return Value(Call("sum", (binder, node), span=NOWHERE), value.shape)

    def sum_index(self, sumop: Tree) -> tuple[str, str | None, list[Tree]]:
        """The index a \\sum binds, what it ranges over, and the conditions written under it."""
        scripts = sumop.children[1:]
        if sumop.data == "sumop_swapped":
            scripts = scripts[::-1]
        if not scripts:
            raise fail(sumop, "a \\sum without its index", "write \\sum_{w} or \\sum_{k=1}^{K}")
        sub, sup = scripts[0], scripts[1] if len(scripts) > 1 and not _is_empty(scripts[1]) else None
        items = _gitems(sub)
        first, conditions = items[0], items[1:]
        chained = [item for item in items if len(item.children) == 5]  # -m <= j <= m, in any place
        if chained:
            return self.window_range(chained[0], [item for item in items if item is not chained[0]], sub)
        letter_tree, lower, relation = first.children[0], None, None
        if len(first.children) == 3:
            relation, lower = first.children[1].children[0], first.children[2]
        elif len(first.children) != 1:
            hint = "write \\sum_{k=1}^{K} or \\sum_{w \\in V}"
            raise fail(sub, f"the index of \\sum: `{self.raw(sub).strip()}`", hint)
        entry = self._entry_binder(letter_tree, relation, sup)
        if entry is not None:  # \sum_{w_j = w_s}: over the positions j whose entry w_j is w_s
            return *entry, [first, *conditions]
        letter = self._binder_letter(letter_tree, sub)
        size: str | None
        if relation is None:
            size = None if sup is None else self.set_size(sup)
        elif relation.type == "IN":
            size = self.set_size(lower)
        elif relation.type == "EQ":
            if sup is None:
                raise fail(sumop, "a \\sum with a lower limit and no upper limit")
            size = self.limits(lower, sup)
        elif relation.type == "NEQ":
            conditions = [first, *conditions]
            size = None if sup is None else self.set_size(sup)
        else:
            raise fail(sub, f"the index of \\sum: `{self.raw(sub).strip()}`")
        if size is None:
            size = self.notation.index_size(letter)
        if size is None:
            hint = f"write \\sum_{{{letter}=1}}^{{V}} or \\sum_{{{letter} \\in V}}, or declare {letter} an index"
            raise fail(sub, f"cannot tell what {letter} ranges over", hint)
        return letter, size, conditions

    def _entry_binder(self, tree, relation, sup) -> tuple[str, str] | None:
        """The letter j of ``\\sum_{w_j = w_s}`` (or ``\\neq``, no upper limit) and the length of the
        index list w_j is an entry of (``w = "ws[{}]"`` in the notation): the sum runs over the
        positions j, under the condition as written; None for any other index."""
        if relation is None or relation.type not in ("EQ", "NEQ") or sup is not None:
            return None
        symbol = self._symbol_in(tree)
        family = self.notation.families.get(symbol.stem) if symbol is not None else None
        if family is None or not family.is_index or symbol.sub is None or symbol.sups or symbol.primes:
            return None
        return self._binder_letter(symbol.sub, tree), family.index_size

    def _symbol_in(self, tree) -> Symbol | None:
        """The symbol a script is made of (``w_j``), or None."""
        expr = _script_expr(tree)
        if isinstance(expr, Tree) and expr.data == "product" and len(expr.children) == 1:
            expr = expr.children[0]
        return self.symbol_of(expr) if isinstance(expr, Tree) and expr.data == "factor" else None

    def _binder_letter(self, tree, where) -> str:
        expr = _script_expr(tree)
        symbol = self._core(expr) if isinstance(expr, Tree) and expr.data in ("letter", "greek") else None
        if symbol is None and isinstance(expr, Tree) and expr.data == "product" and len(expr.children) == 1:
            factor = expr.children[0]
            if isinstance(factor, Tree) and factor.data == "factor" and len(factor.children) == 1:
                symbol = self._core(factor.children[0])
        if symbol is None:
            raise fail(where, f"the index of \\sum must be a letter, not `{self.raw(tree).strip()}`")
        return symbol.stem

    def set_size(self, tree) -> str:
        text = normal(self.raw(tree)).strip("|")
        size = self.notation.sets.get(text)
        if size is None:
            raise fail(tree, f"`{self.raw(tree).strip()}` is not a size or set of the notation",
                       f"add {text} = \"V\" (or the size it is) to [sets] of a notation file")
        return size

    def limits(self, lower, upper) -> str:
        low = normal(self.raw(lower))
        high = normal(self.raw(upper)).strip("|")
        if low == "1":
            return self.set_size(upper)
        if low == "0" and high.endswith("-1") and high[:-2] in self.notation.sets:
            return self.notation.sets[high[:-2]]
        raise fail(lower, f"a sum from {low} to {high}", "a sum runs from 1 to a size (or from 0 to a size minus 1)")

    def derivative(self, dmark: Tree, wrt_tree: Tree) -> Value:
        mark = dmark.children[0]
        if mark.type in ("LETTER", "ROMAN") and _letter(mark) != "d":
            raise fail(dmark, f"`{self.raw(dmark)}` where \\partial or d was expected")
        wrt = self.val(wrt_tree)
        if not _differentiable(wrt.node):
            raise fail(wrt_tree, f"a derivative with respect to `{self.raw(wrt_tree).strip()}`",
                       "differentiate with respect to a symbol of the notation or a column of a matrix")
        used = {n.id for n in walk(wrt.node) if isinstance(n, Name)}
        shadowed = [letter for letter, i in self.binders.items() if i.node.id != letter and i.node.id in used]
        if shadowed:  # \sum_k \partial/\partial u_k: each term's own u_k, or the k of the notation outside?
            raise fail(wrt_tree, f"a derivative by `{self.raw(wrt_tree).strip()}` inside a \\sum over "
                       f"{shadowed[0]}, a letter that has a meaning outside the sum too: the sum's {shadowed[0]}, or "
                       "the one outside it?", "give the sum's index a letter of its own")
        return wrt

    def on_difffrac(self, tree: Tree) -> Value:
        head, num, dmark, wrt_tree = tree.children
        self._check_marks(head, dmark)
        wrt = self.derivative(dmark, wrt_tree)
        f = self.val(num)
        return self._grad(f, wrt, tree)

    def on_diffapply(self, tree: Tree) -> Value:
        op, body = tree.children
        head, dmark, wrt_tree = op.children
        self._check_marks(head, dmark)
        wrt = self.derivative(dmark, wrt_tree)
        return self._grad(self.val(body), wrt, tree)

    def on_nablaapply(self, tree: Tree) -> Value:
        _, sub, body = tree.children
        wrt = self.val(_script_expr(sub))
        if not _differentiable(wrt.node):
            raise fail(sub, f"a gradient with respect to `{self.raw(sub).strip()}`")
        return self._grad(self.val(body), wrt, tree)

    def _check_marks(self, head: Token, dmark: Tree) -> None:
        partial = "partial" in str(head)
        if partial != (dmark.children[0].type == "PARTIAL"):
            raise fail(dmark, "\\partial above the line and d below it, or the other way round")

    def _grad(self, f: Value, wrt: Value, where: Tree) -> Value:
        if not f.shape.scalar:
            raise fail(where, f"the derivative of {f.shape.text()}", "only derivatives of a scalar (a loss) are read")
        # the gradient has the shape of what it is taken with respect to (U[o].T: a column)
        return Value(Call("grad", (f.node, wrt.node), span=NOWHERE), wrt.shape)


# -- helpers on trees --------------------------------------------------------------------------


def _letter(token: Token) -> str:
    """The letter of a LETTER token, or of \\mathrm{P} (typography)."""
    text = str(token)
    return text if len(text) == 1 else text.rstrip(" }")[-1]


def _terms(tree: Tree) -> list[tuple[str, Tree]]:
    """The terms of a chain of + and -, each with the sign before it."""
    if isinstance(tree, Tree) and tree.data in ("add", "sub"):
        left, _, right = tree.children
        return [*_terms(left), ("+" if tree.data == "add" else "-", right)]
    return [("+", tree)]


def _first_dots(items: list[Tree]) -> Tree:
    return next(t for t in items if _is_dots(t))


def _is_dots(tree) -> bool:
    while isinstance(tree, Tree) and tree.data in ("product", "factor") and len(tree.children) == 1:
        tree = tree.children[0]
    return isinstance(tree, Tree) and tree.data == "dots"


def _decorated_number(item: Tree) -> Tree | None:
    """The number a decoration is of (``\\mathbf{0}``, ``\\bm 0``), if it is of one."""
    inner = item.children[1]
    if isinstance(inner, Tree) and inner.data == "dinner" and len(inner.children) == 1:
        inner = inner.children[0]
    return inner if isinstance(inner, Tree) and inner.data == "number" else None


def _is_empty(script) -> bool:
    return isinstance(script, Tree) and script.data == "empty"


def _is_plain_paren(item: Tree) -> bool:
    return isinstance(item, Tree) and item.data == "factor" and len(item.children) == 1 and (
        isinstance(item.children[0], Tree) and item.children[0].data == "paren"
    )


def _script_expr(script):
    """The expression inside a script (``{w_s}`` -> the tree of ``w_s``)."""
    if isinstance(script, Tree) and script.data == "gbody":
        items = [c for c in script.children if not (isinstance(c, Tree) and c.data == "gsep")]
        if len(items) == 1 and len(items[0].children) == 1:
            return items[0].children[0]
    return script


def _gitems(script) -> list[Tree]:
    if isinstance(script, Tree) and script.data == "gbody":
        return [c for c in script.children if not (isinstance(c, Tree) and c.data == "gsep")]
    return [Tree("gitem", [script], meta=getattr(script, "meta", None))]


def _is_transpose(sup) -> bool:
    expr = _script_expr(sup)
    if isinstance(expr, Tree) and expr.data in ("top", "prime_script", "tsup"):
        return True
    if isinstance(expr, Tree) and expr.data == "letter" and _letter(expr.children[0]) == "T":
        return True
    if isinstance(expr, Tree) and expr.data == "product" and len(expr.children) == 1:
        return _is_transpose(expr.children[0])
    if isinstance(expr, Tree) and expr.data == "factor" and len(expr.children) == 1:
        return _is_transpose(expr.children[0])
    if isinstance(expr, Tree) and expr.data == "text":
        return normal(str(expr.children[0])) in ("T", "\\top")
    return False


def _is_zero(node: Node) -> bool:
    return isinstance(node, Number) and node.value == 0


def _differentiable(node: Node) -> bool:
    if isinstance(node, Transpose):
        node = node.operand
    return isinstance(node, Name) or (isinstance(node, Subscript) and isinstance(node.base, Name))


def _fits(a: Shape, b: Shape) -> bool:
    """Side by side, a and b multiply: one is a scalar, or the inner sizes agree."""
    return a.scalar or b.scalar or a.cols == b.rows
