"""The notation map: what the letters of a write-up mean, read from a small TOML file.

A notation file declares, as a derivation file does, the symbols with their shapes, the
abbreviations (``[define]``) and the losses (``[loss]``), the convention and assumptions; and,
for the LaTeX, what a letter with a subscript means when ``letter_subscript`` is not a symbol
itself (``[latex] u = "U[:, {}]"``: ``u_o`` is ``U[:, o]``), what sets sums range over
(``[sets] Vocab = "V"``), formulas written in LaTeX that have a meaning of their own
(``[terms] "P(O=o|C=c)" = "softmax(U.T @ v_c)[o]"``, the LaTeX normalised as
:func:`symw2v.writeup.translate.normal` does: no spaces, no ``\\mathrm``), and assumptions that
hold only for some lines of the write-up (``[[scope]] lines = [200, 290], assume =
["distinct(ws)"]``, and ``loss = "J_neg_sample"`` for what a bare ``J`` means there), and the
skip-gram window (``[window] words = "ctx", outside = "o"``, see :mod:`.window`). Two files
ship with the package, the course's notation in the columns and in the rows convention
(``data/columns.toml`` and ``data/rows.toml``); :func:`load_notation` takes either name or a path.

The symbols and definitions are checked by the derivation loader itself (one TOML text with the
same sections), so a notation file is refused for the same reasons a derivation file would be.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..derivation.document import Declaration, Definition, Formula
from ..derivation.errors import DerivationError
from ..derivation.loader import loads
from ..language.errors import FormulaError
from ..language.parser import parse
from ..symbolic.lower import Lowerer, Scope
from ..symbolic.tensor import Tensor
from .shapes import Shape, of_sizes
from .source import SourceError, read_text
from .window import Window

SHIPPED = ("columns", "rows")
KEYS = {"convention", "assume", "symbols", "define", "loss", "latex", "terms", "sets", "scope", "section", "window"}
TEMPLATE = re.compile(
    r"^\s*(?P<base>[A-Za-z][A-Za-z0-9_]*)\s*\[\s*(?P<cols>:\s*,\s*)?\{\}\s*\]\s*(?P<T>\.T)?\s*$"
)
MAX_BYTES = 64_000


class NotationError(Exception):
    """A notation file that cannot be used; exit status 2."""


@dataclass(frozen=True)
class Family:
    """``letter_i`` means ``template`` with ``i`` in place of ``{}``: a vector (a row or a column
    of a matrix) or an index (an entry of an index list)."""

    letter: str
    base: str
    columns: bool  # U[:, {}] rather than U[{}]
    index_size: str  # what the subscript ranges over (V for u_w, K for w_k)
    value_size: str  # the vector's size, or the range of the index it gives
    is_index: bool
    transposed: bool = False  # U[{}].T: a row of U, as a column


@dataclass(frozen=True)
class ScopedAssumptions:
    first: int
    last: int
    assume: tuple[str, ...]
    loss: str | None = None  # what a bare J means on these lines


@dataclass(frozen=True)
class Section:
    """Lines of the write-up read with a notation of their own (a section in another layout)."""

    first: int
    last: int
    notation: Notation


@dataclass
class Notation:
    name: str
    convention: str
    symbols: dict[str, Declaration]
    definitions: dict[str, Definition]
    losses: tuple[str, ...]
    assume: tuple[str, ...]
    families: dict[str, Family]
    sets: dict[str, str]
    scopes: tuple[ScopedAssumptions, ...]
    tables: dict[str, dict[str, str]] = field(repr=False)  # [symbols], [define], [loss] as written
    shapes: dict[str, Shape] = field(default_factory=dict)
    terms: dict[str, tuple[str, Shape]] = field(default_factory=dict)  # normalised LaTeX -> formula
    sections: tuple[Section, ...] = ()
    sizes: frozenset[str] = frozenset()
    window: Window | None = None  # the skip-gram window, when the notation declares one

    def assumptions_at(self, line: int) -> tuple[str, ...]:
        """The file's assumptions and those of every scope that holds ``line``."""
        scoped = [a for s in self.scopes if s.first <= line <= s.last for a in s.assume]
        return tuple(dict.fromkeys([*self.assume, *scoped]))

    def loss_at(self, line: int) -> str | None:
        """The loss a bare J means on ``line`` (a scope's ``loss``), if any scope says."""
        return next((s.loss for s in self.scopes if s.first <= line <= s.last and s.loss), None)

    def index_size(self, name: str) -> str | None:
        decl = self.symbols.get(name)
        return decl.sizes[0] if decl is not None and decl.kind == "index" else None

    def taken(self) -> set[str]:
        """Names a bound index may not take."""
        return {*self.symbols, *self.definitions, *self.sizes}


def load_notation(spec: str | Path) -> Notation:
    """A shipped notation by name (``columns``, ``rows``) or a notation file."""
    if str(spec) in SHIPPED:
        text = resources.files(__package__).joinpath("data", f"{spec}.toml").read_text("utf-8")
        return notation_from_text(text, str(spec))
    try:
        text = read_text(spec, MAX_BYTES)
    except SourceError as err:
        raise NotationError(f"notation: {err}") from None
    return notation_from_text(text, str(spec), Path(spec).parent)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's for these characters)."""
    return json.dumps(text, ensure_ascii=False)


def notation_from_text(text: str, name: str = "<notation>", folder: Path | None = None) -> Notation:
    """A notation from its text; ``folder`` is where the files its sections name are."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise NotationError(f"{name}: TOML syntax error: {err}") from None
    unknown = set(data) - KEYS
    if unknown:
        raise NotationError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYS))}")
    tables = {}
    for key in ("symbols", "define", "loss", "latex", "terms", "sets", "window"):
        table = data.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise NotationError(f"{name}: [{key}] must be a table of strings")
        tables[key] = table
    assume = data.get("assume", [])
    if not isinstance(assume, list) or not all(isinstance(a, str) for a in assume):
        raise NotationError(f"{name}: assume must be a list of formulas")
    # the derivation loader checks names, types, formulas and definitions, as for any derivation file
    derivation_text = "\n".join(
        [
            f"convention = {toml_string(str(data.get('convention', 'columns')))}",
            f"assume = [{', '.join(map(toml_string, assume))}]",
            *(
                line
                for key in ("symbols", "define", "loss")
                for line in [f"[{key}]", *(f"{toml_string(k)} = {toml_string(v)}" for k, v in tables[key].items())]
            ),
        ]
    )
    try:
        derivation = loads(derivation_text, name)
    except DerivationError as err:
        raise NotationError(f"{name}: {err.where + ': ' if err.where else ''}{err.message}") from None
    notation = Notation(
        name,
        derivation.convention,
        derivation.symbols,
        derivation.definitions,
        derivation.losses,
        tuple(assume),
        {},
        {},
        _scopes(data.get("scope", []), name),
        {k: tables[k] for k in ("symbols", "define", "loss")},
    )
    notation.sizes = frozenset(s for d in derivation.symbols.values() for s in d.sizes)
    notation.shapes = _shapes(derivation, name)
    notation.families = {letter: _family(letter, t, notation, name) for letter, t in tables["latex"].items()}
    notation.terms = {latex: _term(latex, formula, derivation, name) for latex, formula in tables["terms"].items()}
    notation.sets = {**{s: s for s in notation.sizes}, **tables["sets"]}
    for set_name, size in notation.sets.items():
        if size not in notation.sizes:
            raise NotationError(f"{name}: [sets] {set_name} = {size!r} is not a size of [symbols]")
    notation.sections = _sections(data.get("section", []), name, folder)
    notation.window = _window(tables["window"], notation, name) if tables["window"] else None
    return notation


def _window(table: dict[str, str], notation: Notation, name: str) -> Window:
    """``[window] words = "ctx", outside = "o"``: ctx an index list of the M outside words of a
    window, o the index a loss takes as its outside word."""
    words, outside = table.get("words"), table.get("outside")
    decl = notation.symbols.get(words or "")
    if set(table) != {"words", "outside"} or decl is None or decl.kind != "indices":
        raise NotationError(f'{name}: [window]: write words = "ctx" (declared indices[M, V]) and outside = "o"')
    if notation.index_size(outside) != decl.sizes[1]:
        raise NotationError(f"{name}: [window] outside = {outside!r} must be an index over {decl.sizes[1]}")
    return Window(words, decl.sizes[0], outside)


def _sections(raw: object, name: str, folder: Path | None) -> tuple[Section, ...]:
    """``[[section]] lines = [first, last], notation = "rows" | "columns" | "FILE.toml"``; a
    section's notation has no sections of its own."""
    if not isinstance(raw, list):
        raise NotationError(f"{name}: sections are written [[section]] with lines = [first, last] and notation = ...")
    out: list[Section] = []
    for n, entry in enumerate(raw, 1):
        lines = _lines(entry)
        spec = entry.get("notation") if isinstance(entry, dict) else None
        if lines is None or not isinstance(spec, str) or set(entry) - {"lines", "notation"}:
            raise NotationError(f'{name}: section {n}: write lines = [first, last] and notation = "FILE.toml"')
        path = spec if spec in SHIPPED or folder is None else str(folder / spec)
        inner = load_notation(path)
        if inner.sections:
            raise NotationError(f"{name}: section {n}: {spec} has sections of its own")
        first, last = lines
        if any(first <= s.last and s.first <= last for s in out):
            raise NotationError(f"{name}: section {n}: lines {first}-{last} overlap another section")
        out.append(Section(first, last, inner))
    return tuple(out)


def _shapes(derivation, name: str) -> dict[str, Shape]:
    """The shape of every symbol and definition without parameters (lowered, never evaluated)."""
    out = {n: of_sizes(d.sizes if d.kind in ("vector", "matrix") else ()) for n, d in derivation.symbols.items()}
    lowerer = Lowerer(Scope.of(derivation))
    for key, definition in derivation.definitions.items():
        if definition.params:
            continue
        try:
            value = lowerer.formula(definition.formula)
        except FormulaError as err:
            raise NotationError(f"{name}: {key} = {definition.formula.text!r}: {err.message}") from None
        if not isinstance(value, Tensor):
            raise NotationError(f"{name}: {key} must be a number, vector or matrix")
        out[key] = of_sizes(tuple(str(s) for s in value.shape))
    return out


def _term(latex: str, formula: str, derivation, name: str) -> tuple[str, Shape]:
    """A [terms] entry: its formula and shape (lowered, so it is known to mean something; a
    ``{}`` in both is an index, tried as ``o``)."""
    if latex.count("{}") != formula.count("{}") or latex.count("{}") > 1:
        raise NotationError(f"{name}: [terms] {latex!r}: one {{}} (an index) in both sides, or none")
    try:
        tree = parse(formula.replace("{}", "o"))
        value = Lowerer(Scope.of(derivation)).formula(Formula(formula, tree, f"terms.{latex}"))
    except FormulaError as err:
        raise NotationError(f"{name}: [terms] {latex!r} = {formula!r}: {err.message}") from None
    if not isinstance(value, Tensor):
        raise NotationError(f"{name}: [terms] {latex!r} must be a number, vector or matrix")
    return formula, of_sizes(tuple(str(s) for s in value.shape))


def _family(letter: str, template: str, notation: Notation, name: str) -> Family:
    m = TEMPLATE.match(template)
    where = f"{name}: [latex] {letter} = {template!r}"
    if not re.fullmatch(r"[A-Za-z]", letter) or m is None:
        raise NotationError(
            f'{where}: write letter = "M[{{}}]" (a row of M, or an entry of an index list),'
            ' "M[{}].T" (a row of M, as a column) or "M[:, {}]" (a column of M)'
        )
    base, columns = m.group("base"), m.group("cols") is not None
    decl = notation.symbols.get(base)
    if decl is None or decl.kind not in ("matrix", "indices") or (columns and decl.kind != "matrix"):
        raise NotationError(f"{where}: {base} must be a declared matrix (or, for M[{{}}], an index list)")
    if decl.kind == "indices":
        if m.group("T"):
            raise NotationError(f"{where}: an index list's entry has no transpose")
        return Family(letter, base, False, decl.sizes[0], decl.sizes[1], True)
    rows, cols = decl.sizes
    transposed = bool(m.group("T"))
    if columns and transposed:
        raise NotationError(f"{where}: U[:, {{}}] is already a column")
    return Family(letter, base, columns, cols if columns else rows, rows if columns else cols, False, transposed)


def _lines(entry: object) -> tuple[int, int] | None:
    """``lines = [first, last]`` of a [[scope]] or [[section]], or None when it is not that."""
    lines = entry.get("lines") if isinstance(entry, dict) else None
    if isinstance(lines, list) and len(lines) == 2 and all(isinstance(x, int) and x > 0 for x in lines):
        return min(lines), max(lines)
    return None


def _scopes(raw: object, name: str) -> tuple[ScopedAssumptions, ...]:
    if not isinstance(raw, list):
        raise NotationError(f"{name}: scopes are written [[scope]] with lines = [first, last] and assume = [...]")
    out = []
    for n, entry in enumerate(raw, 1):
        lines = _lines(entry)
        assume = entry.get("assume", []) if isinstance(entry, dict) else None
        loss = entry.get("loss") if isinstance(entry, dict) else None
        if (
            lines is None
            or not isinstance(assume, list)
            or not all(isinstance(a, str) for a in assume)
            or not (loss is None or (isinstance(loss, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", loss)))
            or set(entry) - {"lines", "assume", "loss"}
        ):
            raise NotationError(
                f'{name}: scope {n}: write lines = [first, last], assume = ["...", ...] and loss = "J_..." (optional)'
            )
        for a in assume:
            try:
                parse(a)
            except FormulaError as err:
                raise NotationError(f"{name}: scope {n}: assumption {a!r}: {err.message}") from None
        out.append(ScopedAssumptions(*lines, tuple(assume), loss))
    return tuple(out)
