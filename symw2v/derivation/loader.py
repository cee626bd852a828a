"""TOML file -> :class:`Derivation`.

The file is read with ``tomllib`` and every formula with our own parser: it is data, never code.
Any problem raises :class:`DerivationError` naming the file, the line, the claim and field, and
the column inside the formula.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..language.errors import FormulaError
from ..language.parser import parse
from ..language.syntax import Call, Name, Span
from .document import KINDS, Claim, Declaration, Definition, Derivation, Formula
from .errors import DerivationError

IDENT = r"[A-Za-z][A-Za-z0-9_]*"
TYPE_RE = re.compile(rf"^\s*(?P<kind>{IDENT})\s*(?:\[(?P<sizes>[^\]]*)\])?\s*$")
DEF_RE = re.compile(rf"^\s*(?P<name>{IDENT})\s*(?:\((?P<params>[^)]*)\))?\s*$")
ARITY = {"scalar": 0, "vector": 1, "matrix": 2, "index": 1, "indices": 2}
TOP_KEYS = {"title", "source", "convention", "assume", "symbols", "define", "loss", "claim"}
CLAIM_KEYS = {"id", "says", "wrt", "of", "lhs", "steps", "result", "assume", "note"}
CONVENTIONS = ("rows", "columns")


def load(path: str | Path) -> Derivation:
    path = Path(path)
    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DerivationError(str(path), f"cannot read file: {err}") from None
    return loads(raw, str(path))


def loads(text: str, path: str = "<string>") -> Derivation:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = re.search(r"line (\d+)", str(err))
        line = int(match.group(1)) if match else None
        raise DerivationError(path, f"TOML syntax error: {err}", line=line) from None
    return _Reader(path, text).read(data)


class _Reader:
    def __init__(self, path: str, text: str):
        self.path = path
        self.lines = text.splitlines()
        header = re.compile(r"^\s*\[\[\s*claim\s*\]\]\s*(#.*)?$")
        self.claim_lines = [n + 1 for n, s in enumerate(self.lines) if header.match(s)]

    def error(self, message: str, **kw) -> DerivationError:
        return DerivationError(self.path, message, **kw)

    def line_of(self, value: str, after: int = 0) -> int | None:
        """First line at or after ``after`` whose text contains the TOML string ``value``."""
        for n in range(max(after, 1), len(self.lines) + 1):
            if value and value in self.lines[n - 1]:
                return n
        return None

    def key_line(self, key: str, after: int = 0) -> int | None:
        """Line at or after ``after`` where ``key = ...`` or the table ``[key]`` is written."""
        pattern = re.compile(rf"^\s*(\[\s*{re.escape(key)}\s*\]|\"?{re.escape(key)}\"?\s*=)")
        for n in range(max(after, 1), len(self.lines) + 1):
            if pattern.match(self.lines[n - 1]):
                return n
        return None

    def formula(self, value: object, where: str, after: int = 0, key: str | None = None) -> Formula:
        if not isinstance(value, str):
            raise self.error(
                f"expected a formula string, got {type(value).__name__}",
                where=where,
                line=self.key_line(key, after) if key else (after or None),
            )
        line = self.line_of(value, after)
        try:
            tree = parse(value)
        except FormulaError as err:
            raise self.error(
                err.message, line=line, where=where, text=value, span=err.span
            ) from None
        return Formula(value, tree, where, line)

    def table(self, data: dict, key: str) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(f"[{key}] must be a table", line=self.line_of(f"{key}"))
        return value

    def read(self, data: dict) -> Derivation:
        unknown = set(data) - TOP_KEYS
        if unknown:
            first = min(unknown, key=lambda k: self.key_line(k) or 0)
            raise self.error(f"unknown top-level key(s): {', '.join(sorted(unknown))}", line=self.key_line(first))
        convention = data.get("convention", "rows")
        if convention not in CONVENTIONS:
            raise self.error(
                f"convention must be one of {CONVENTIONS}, not {convention!r}",
                line=self.line_of("convention"),
            )
        symbols = self.symbols(self.table(data, "symbols"))
        definitions: dict[str, Definition] = {}
        loss_names: list[str] = []
        for section in ("define", "loss"):
            for key, value in self.table(data, section).items():
                definition = self.definition(section, key, value)
                if definition.name in symbols or definition.name in definitions:
                    raise self.error(
                        f"{definition.name!r} is defined twice", where=f"{section}.{key}"
                    )
                definitions[definition.name] = definition
                if section == "loss":
                    loss_names.append(definition.name)
        losses = [k for k in self.table(data, "loss")]
        assume = tuple(
            self.formula(a, f"assume[{n}]")
            for n, a in enumerate(self._list(data, "assume", "file"))
        )
        raw_claims = data.get("claim", [])
        if not isinstance(raw_claims, list):
            raise self.error("claims are written as [[claim]] tables")
        claims = tuple(self.claim(n, c, losses, definitions) for n, c in enumerate(raw_claims))
        ids = [c.id for c in claims]
        for n, cid in enumerate(ids):
            if cid in ids[:n]:
                raise self.error(f"claim id {cid!r} is used twice", line=claims[n].line, where=f"claim {cid!r}")
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
            if not re.fullmatch(IDENT, name):
                raise self.error(f"{name!r} is not a valid name", line=line, where=where)
            match = TYPE_RE.match(value) if isinstance(value, str) else None
            kind = match and match.group("kind")
            if kind not in KINDS:
                raise self.error(
                    f"type must be one of scalar, vector[n], matrix[m, n], index[n], indices[k, n];"
                    f" got {value!r}",
                    line=line,
                    where=where,
                )
            sizes = tuple(s.strip() for s in (match.group("sizes") or "").split(",") if s.strip())
            if len(sizes) != ARITY[kind] or not all(re.fullmatch(IDENT, s) for s in sizes):
                raise self.error(
                    f"{kind} takes {ARITY[kind]} size name(s) in brackets; got {value!r}",
                    line=line,
                    where=where,
                )
            out[name] = Declaration(name, kind, sizes)
        return out

    def definition(self, section: str, key: str, value: object) -> Definition:
        match = DEF_RE.match(key)
        where = f"{section}.{key}"
        if not match:
            raise self.error(f"{key!r} is not a name or name(params)", where=where)
        params = tuple(p.strip() for p in (match.group("params") or "").split(",") if p.strip())
        line = self.key_line(key, self.key_line(section) or 0)
        if not all(re.fullmatch(IDENT, p) for p in params) or len(set(params)) != len(params):
            raise self.error(f"parameters must be distinct names: {key!r}", where=where, line=line)
        formula = self.formula(value, where, line or 0, key=key)
        return Definition(match.group("name"), params, formula)

    def _list(self, data: dict, key: str, where: str, after: int = 0) -> list:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.error(f"{key} must be a list of formulas", where=where, line=self.key_line(key, after))
        return value

    def claim(self, n: int, data: object, losses: list[str], definitions: dict) -> Claim:
        start = self.claim_lines[n] if n < len(self.claim_lines) else 0
        if not isinstance(data, dict):
            raise self.error("a claim must be a table", line=start)
        cid = str(data.get("id", n + 1))
        where = f"claim {cid!r}"
        unknown = set(data) - CLAIM_KEYS
        if unknown:
            raise self.error(
                f"unknown key(s): {', '.join(sorted(unknown))}", line=start, where=where
            )
        if "result" not in data:
            raise self.error("a claim needs a result", line=start, where=where)
        if ("wrt" in data) == ("lhs" in data):
            raise self.error(
                "a claim has exactly one of wrt (a gradient) or lhs", line=start, where=where
            )
        wrt = None
        if "wrt" in data:
            wrt = self.formula(data["wrt"], f"{where}, wrt", start, key="wrt")
            of = data.get("of") or (losses[0] if len(losses) == 1 else None)
            if of is None:
                raise self.error('say which loss with of = "..."', line=start, where=where)
            if not isinstance(of, str) or of not in definitions:
                raise self.error(
                    f"of = {of!r} names no loss or definition of this file",
                    line=self.key_line("of", start),
                    where=where,
                )
            span = Span(0, len(wrt.text))
            tree = Call("grad", (Name(str(of), span=span), wrt.tree), span=span)
            lhs = Formula(f"grad({of}, {wrt.text})", tree, f"{where}, wrt", wrt.line)
        else:
            lhs = self.formula(data["lhs"], f"{where}, lhs", start, key="lhs")
        steps = tuple(
            self.formula(s, f"{where}, steps[{k}]", start, key="steps")
            for k, s in enumerate(self._list(data, "steps", where, start))
        )
        result = self.formula(data["result"], f"{where}, result", start, key="result")
        assume = tuple(
            self.formula(a, f"{where}, assume[{k}]", start, key="assume")
            for k, a in enumerate(self._list(data, "assume", where, start))
        )
        return Claim(cid, str(data.get("says", "")), lhs, steps, result, assume, wrt, start or None)
