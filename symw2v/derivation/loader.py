"""TOML file -> :class:`Derivation`.

The file is read with ``tomllib`` and every formula with our own parser: it is data, never code.
Any problem raises :class:`DerivationError` naming the file, the line, the claim and field, and
the column inside the formula. Hostile files are refused quickly, by the limits below (real
derivation files are under 3 kB, with a dozen names and claims of a few steps) and by the ones
of :mod:`symw2v.language.parser` (one formula) and :mod:`.expansion` (definitions written out).
"""

from __future__ import annotations

import bisect
import keyword
import re
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path

from ..language.errors import FormulaError
from ..language.parser import parse
from ..language.syntax import BUILTINS, Call, Name, Span
from .document import KINDS, Claim, Declaration, Definition, Derivation, Formula
from .errors import DerivationError, cut, shown
from .expansion import check_expansions

IDENT = r"[A-Za-z][A-Za-z0-9_]*"
TYPE_RE = re.compile(rf"^\s*(?P<kind>{IDENT})\s*(?:\[(?P<sizes>[^\]]*)\])?\s*$")
DEF_RE = re.compile(rf"^\s*(?P<name>{IDENT})\s*(?:\((?P<params>[^)]*)\))?\s*$")
# The key a line starts: a table header [key], "key" =, 'key' = or key =.
KEY_RE = re.compile(r"""^\s*(?:\[\s*([^\[\]]*?)\s*\]|"([^"]*)"\s*=|'([^']*)'\s*=|([A-Za-z0-9_-]+)\s*=)""")
CLAIM_RE = re.compile(r"^\s*\[\[\s*claim\s*\]\]\s*(#.*)?$")
ARITY = {"scalar": (0,), "vector": (1,), "matrix": (2,), "index": (1,), "indices": (2, 3)}
TOP_KEYS = {"title", "source", "convention", "assume", "symbols", "define", "let", "loss", "claim"}
CLAIM_KEYS = {"id", "says", "wrt", "of", "lhs", "steps", "result", "assume", "when", "note"}
# The tables of definitions: [let] holds intermediates (theta = "U @ v_c"), which grad may also
# differentiate by.
DEFINITION_TABLES = ("define", "let", "loss")
CONVENTIONS = ("rows", "columns")

MAX_FILE_BYTES = 256_000
MAX_NAME = 64  # characters of a symbol, size, definition or parameter name
MAX_SYMBOLS = 1_000
MAX_DEFINITIONS = 1_000  # [define] and [loss] together
MAX_CLAIMS = 500
MAX_LIST = 100  # formulas in one steps or assume list

# What a name chosen by the file may not be: the first rule that matches is the message.
NAME_RULES: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda n: not re.fullmatch(IDENT, n), "is not a valid name"),
    (lambda n: len(n) > MAX_NAME, f"is longer than {MAX_NAME} characters"),
    (BUILTINS.__contains__, "is a built-in function of the formula language; choose another name"),
    (keyword.iskeyword, "is a Python keyword, which a formula cannot use as a name"),
)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a symbol, size, definition or parameter, or None."""
    return next((f"{shown(name)} {message}" for bad, message in NAME_RULES if bad(name)), None)


def load(path: str | Path) -> Derivation:
    """Read and load one file: a regular file of at most ``MAX_FILE_BYTES`` bytes of UTF-8."""
    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a folder, a pipe that would block, /dev/zero
            raise DerivationError(str(path), "cannot read file: not a regular file")
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise DerivationError(str(path), f"cannot read file: {err.strerror or err}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise DerivationError(str(path), f"cannot read file: larger than the limit of {MAX_FILE_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DerivationError(
            str(path),
            f"cannot read file: not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start})",
            line=raw.count(b"\n", 0, err.start) + 1,
        ) from None
    return loads(text, str(path))


def loads(text: str, path: str = "<string>") -> Derivation:
    """Load the text of one file; ``path`` names it in errors."""
    if len(text) > MAX_FILE_BYTES:
        raise DerivationError(path, f"larger than the limit of {MAX_FILE_BYTES:,} characters")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = re.search(r"line (\d+)", str(err))
        line = int(match.group(1)) if match else None
        raise DerivationError(path, f"TOML syntax error: {err}", line=line) from None
    except RecursionError:
        raise DerivationError(path, "TOML syntax error: arrays or tables nested too deeply") from None
    return _Reader(path, text).read(data)


class _Reader:
    def __init__(self, path: str, text: str):
        self.path, self.text = path, text
        lines = text.split("\n")  # TOML's lines, as tomllib counts them
        self.starts = [0]  # character offset of each line
        for line in lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.keys: dict[str, list[int]] = {}  # key -> the lines that start with it, ascending
        for n, line in enumerate(lines, 1):
            match = KEY_RE.match(line)
            if match:
                self.keys.setdefault(next(g for g in match.groups() if g is not None), []).append(n)
        self.claim_lines = [n for n, line in enumerate(lines, 1) if CLAIM_RE.match(line)]

    def error(self, message: str, **kw) -> DerivationError:
        return DerivationError(self.path, message, **kw)

    def line_of(self, value: str, after: int = 0, before: int | None = None) -> int | None:
        """First line in ``[after, before)`` whose text holds the TOML string ``value``."""
        lo = self.starts[min(max(after, 1), len(self.starts)) - 1]
        hi = self.starts[before - 1] if before and before <= len(self.starts) else len(self.text)
        found = self.text.find(value, lo, hi) if value else -1
        return bisect.bisect_right(self.starts, found) if found >= 0 else None

    def key_line(self, key: str, after: int = 0) -> int | None:
        """Line at or after ``after`` where ``key = ...`` or the table ``[key]`` is written."""
        lines = self.keys.get(key, [])
        k = bisect.bisect_left(lines, after)
        return lines[k] if k < len(lines) else None

    def formula(
        self, value: object, where: str, after: int = 0, key: str | None = None, before: int | None = None
    ) -> Formula:
        if not isinstance(value, str):
            raise self.error(
                f"expected a formula string, got {type(value).__name__}",
                where=where,
                line=self.key_line(key, after) if key else (after or None),
            )
        line = self.line_of(value, after, before)
        try:
            tree = parse(value)
        except FormulaError as err:
            raise self.error(err.message, line=line, where=where, text=value, span=err.span) from None
        return Formula(value, tree, where, line)

    def table(self, data: dict, key: str, limit: int) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(f"[{key}] must be a table", line=self.key_line(key))
        if len(value) > limit:
            raise self.error(f"[{key}] has {len(value):,} entries; the limit is {limit:,}", line=self.key_line(key))
        return value

    def read(self, data: dict) -> Derivation:
        unknown = set(data) - TOP_KEYS
        if unknown:
            first = min(unknown, key=lambda k: self.key_line(k) or 0)
            raise self.error(f"unknown top-level key(s): {cut(', '.join(sorted(unknown)))}", line=self.key_line(first))
        convention = data.get("convention", "rows")
        if convention not in CONVENTIONS:
            raise self.error(
                f"convention must be one of {CONVENTIONS}, not {shown(convention)}",
                line=self.line_of("convention"),
            )
        symbols = self.symbols(self.table(data, "symbols", MAX_SYMBOLS))
        taken = {s: "a size" for d in symbols.values() for s in d.sizes} | {n: "a symbol" for n in symbols}
        definitions: dict[str, Definition] = {}
        sections = {section: self.table(data, section, MAX_DEFINITIONS) for section in DEFINITION_TABLES}
        if sum(map(len, sections.values())) > MAX_DEFINITIONS:
            raise self.error(f"more than {MAX_DEFINITIONS:,} definitions in [define], [let] and [loss]")
        loss_names: list[str] = []
        for section, table in sections.items():
            for key, value in table.items():
                definition = self.definition(section, key, value)
                if section == "loss":
                    loss_names.append(definition.name)
                if definition.name in taken:
                    raise self.error(
                        f"{definition.name!r} is defined twice: it is already {taken[definition.name]}",
                        where=f"{section}.{key}",
                        line=definition.formula.line,
                    )
                definitions[definition.name] = definition
                taken[definition.name] = "defined"
        losses = list(sections["loss"])
        assume = tuple(self.formula(a, f"assume[{n}]") for n, a in enumerate(self._list(data, "assume", "file")))
        raw_claims = data.get("claim", [])
        if not isinstance(raw_claims, list):
            raise self.error("claims are written as [[claim]] tables")
        if len(raw_claims) > MAX_CLAIMS:
            raise self.error(f"{len(raw_claims):,} claims; the limit is {MAX_CLAIMS:,}")
        claims = tuple(self.claim(n, c, losses, definitions) for n, c in enumerate(raw_claims))
        ids = [c.id for c in claims]
        for n, cid in enumerate(ids):
            if cid in ids[:n]:
                raise self.error(f"claim id {cid!r} is used twice", line=claims[n].line, where=f"claim {cid!r}")
        check_expansions(
            self.path,
            definitions,
            [
                *(d.formula for d in definitions.values()),
                *assume,
                *(f for c in claims for f in (*c.chain, *c.assume, *c.when)),
            ],
        )
        return Derivation(
            self.path,
            str(data.get("title", Path(self.path).stem)),
            str(data.get("source", "")),
            convention,
            symbols,
            definitions,
            assume,
            claims,
            tuple(loss_names),
        )

    def symbols(self, table: dict) -> dict[str, Declaration]:
        out = {}
        section = self.key_line("symbols") or 0
        for name, value in table.items():
            where = f"symbols.{name}"
            line = self.key_line(name, section)
            problem = name_problem(name)
            if problem:
                raise self.error(problem, line=line, where=where)
            match = TYPE_RE.match(value) if isinstance(value, str) else None
            kind = match and match.group("kind")
            if kind not in KINDS:
                raise self.error(
                    "type must be one of scalar, vector[n], matrix[m, n], index[n], indices[k, n], "
                    f"indices[m, k, n]; got {shown(value)}",
                    line=line,
                    where=where,
                )
            sizes = tuple(s.strip() for s in (match.group("sizes") or "").split(",") if s.strip())
            if len(sizes) not in ARITY[kind] or not all(re.fullmatch(IDENT, s) for s in sizes):
                raise self.error(
                    f"{kind} takes {' or '.join(map(str, ARITY[kind]))} size name(s) in brackets; got {shown(value)}",
                    line=line,
                    where=where,
                )
            problem = next(filter(None, map(name_problem, sizes)), None)
            if problem:
                raise self.error(f"size {problem}", line=line, where=where)
            out[name] = Declaration(name, kind, sizes)
        for decl in out.values():
            for size in decl.sizes:
                if size in out:
                    raise self.error(
                        f"{size!r} is the name of a symbol and of a size of {decl.name};"
                        " a size needs a name of its own",
                        line=self.key_line(decl.name, section),
                        where=f"symbols.{decl.name}",
                    )
        return out

    def definition(self, section: str, key: str, value: object) -> Definition:
        match = DEF_RE.match(key)
        where = f"{section}.{key}"
        if not match:
            raise self.error(f"{shown(key)} is not a name or name(params)", where=where)
        params = tuple(p.strip() for p in (match.group("params") or "").split(",") if p.strip())
        line = self.key_line(key, self.key_line(section) or 0)
        problem = next(filter(None, map(name_problem, (match.group("name"), *params))), None)
        if problem:
            raise self.error(problem, where=where, line=line)
        if len(set(params)) != len(params):
            raise self.error(f"parameters must be distinct names: {key!r}", where=where, line=line)
        if section == "let" and params:
            raise self.error(f"an intermediate takes no parameters: {key!r}", where=where, line=line)
        formula = self.formula(value, where, line or 0, key=key)
        return Definition(match.group("name"), params, formula, intermediate=section == "let")

    def _list(self, data: dict, key: str, where: str, after: int = 0) -> list:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.error(f"{key} must be a list of formulas", where=where, line=self.key_line(key, after))
        if len(value) > MAX_LIST:
            message = f"{key} has {len(value):,} formulas; the limit is {MAX_LIST}"
            raise self.error(message, where=where, line=self.key_line(key, after))
        return value

    def claim(self, n: int, data: object, losses: list[str], definitions: dict) -> Claim:
        start = self.claim_lines[n] if n < len(self.claim_lines) else 0
        end = self.claim_lines[n + 1] if n + 1 < len(self.claim_lines) else None
        if not isinstance(data, dict):
            raise self.error("a claim must be a table", line=start)
        cid = str(data.get("id", n + 1))
        where = f"claim {cid!r}"
        unknown = set(data) - CLAIM_KEYS
        if unknown:
            raise self.error(f"unknown key(s): {cut(', '.join(sorted(unknown)))}", line=start, where=where)
        if "result" not in data:
            raise self.error("a claim needs a result", line=start, where=where)
        if ("wrt" in data) == ("lhs" in data):
            raise self.error("a claim has exactly one of wrt (a gradient) or lhs", line=start, where=where)

        def formula(value: object, field: str, key: str) -> Formula:
            return self.formula(value, f"{where}, {field}", start, key=key, before=end)

        wrt = None
        if "wrt" in data:
            wrt = formula(data["wrt"], "wrt", "wrt")
            of = data.get("of") or (losses[0] if len(losses) == 1 else None)
            if of is None:
                raise self.error('say which loss with of = "..."', line=start, where=where)
            if not isinstance(of, str) or of not in definitions:
                raise self.error(
                    f"of = {shown(of)} names no loss or definition of this file",
                    line=self.key_line("of", start),
                    where=where,
                )
            span = Span(0, len(wrt.text))
            tree = Call("grad", (Name(str(of), span=span), wrt.tree), span=span)
            lhs = Formula(f"grad({of}, {wrt.text})", tree, f"{where}, wrt", wrt.line)
        else:
            lhs = formula(data["lhs"], "lhs", "lhs")
        steps = tuple(formula(s, f"steps[{k}]", "steps") for k, s in enumerate(self._list(data, "steps", where, start)))
        result = formula(data["result"], "result", "result")
        assume, when = (
            tuple(formula(a, f"{key}[{k}]", key) for k, a in enumerate(self._list(data, key, where, start)))
            for key in ("assume", "when")
        )
        return Claim(cid, str(data.get("says", "")), lhs, steps, result, assume, wrt, start or None, when)
