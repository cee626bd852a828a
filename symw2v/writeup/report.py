"""Check a write-up as read, and say it with the write-up's lines.

The transcript's derivation is checked claim by claim by :func:`symw2v.verify.checker.check_claim`,
as any derivation file; each verdict is then pointed back at the source: the claim gets the line
of its first formula, every step the line it was read from, and an error message that names a
line of the transcription names the line of the write-up instead. What could not be read is
reported beside the verdicts (``verdict: "unread"`` in JSON), with its line, column and a
suggestion. A write-up of which nothing could be read is malformed (exit status 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..derivation.document import Derivation
from ..symbolic.lower import Scope
from ..verify.checker import DEFAULT_BUDGET, check_claim, parallel_map
from ..verify.verdict import MALFORMED, ClaimResult, StepResult
from . import read_writeup
from .chains import Unread
from .notation import Notation, NotationError
from .source import SourceError
from .transcribe import Transcript

MARKER = "# Read by symw2v"


@dataclass
class LocatedStep(StepResult):
    line: int = 0  # of the step's formula in the write-up

    def to_json(self) -> dict:
        return {**super().to_json(), "line": self.line}


@dataclass
class LocatedClaim(ClaimResult):
    line: int = 0  # of the chain's first formula

    def to_json(self) -> dict:
        return {**super().to_json(), "line": self.line}


@dataclass
class UnreadRecord:
    """Something of the write-up that was not read, as a JSON record beside the verdicts."""

    unread: Unread
    verdict: str = "unread"

    @property
    def file(self) -> str:
        return self.unread.source.path

    def to_json(self) -> dict:
        u = self.unread
        return {
            "file": u.source.path,
            "line": u.line,
            "column": u.column,
            "claim": f"L{u.line}",
            "verdict": self.verdict,
            "what": u.what,
            "error": u.message,
            "suggestion": u.suggestion,
            "latex": u.latex.strip(),
        }


@dataclass
class WriteupReport:
    """The verdicts of one write-up and what was not read; ``error`` when the file itself failed."""

    path: str
    results: list[ClaimResult] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    transcript: Transcript | None = None
    error: str | None = None
    note: str = ""

    @property
    def nothing_read(self) -> bool:
        return self.error is not None or not self.results

    def records(self) -> list:
        return [*self.results, *(UnreadRecord(u) for u in self.unread)]


def check_writeup(
    path: str | Path, notation: str | Path | Notation | None = None, budget: float = DEFAULT_BUDGET, jobs: int = 1
) -> WriteupReport:
    try:
        transcript = read_writeup(path, notation)
    except (SourceError, NotationError) as err:
        return WriteupReport(str(path), error=str(err))
    parts = transcript.all_parts
    report = WriteupReport(
        str(path),
        transcript=transcript,
        unread=sorted((u for p in parts for u in (*p.reading.unread, *p.dropped)), key=lambda u: u.start),
    )
    report.note = _note(transcript)
    if all(p.derivation is None for p in parts):
        displays = transcript.reading.displays
        report.error = (
            f"{path}: nothing could be read: no chain of = in its {displays} display(s)"
            + (f"; {len(report.unread)} formula(s) not read (below)" if report.unread else "")
            if displays
            else f"{path}: no display math ($$...$$, \\[...\\], equation or align environments) found"
        )
        return report
    for part in parts:
        if part.derivation is not None:
            report.results.extend(locate(part, r) for r in _check(part.derivation, budget, jobs))
    report.results.sort(key=lambda r: r.line)
    return report


def _note(transcript: Transcript) -> str:
    name = transcript.notation.name
    if len(transcript.all_parts) > 1:
        sections = ", ".join(
            f"lines {p.lines[0]}-{p.lines[1]}: {p.notation.name}" for p in transcript.parts[1:] if p.lines
        )
        return f"notation: {name}; sections read with their own ({sections})"
    if transcript.alternatives:
        counts = ", ".join(f"{n}: {k} steps" for n, k in transcript.alternatives.items())
        return f"notation: {name} (the shipped notation that reads more of it; {counts})"
    return f"notation: {name}"


def _check(derivation: Derivation, budget: float, jobs: int) -> list[ClaimResult]:
    """Every claim, ``jobs`` at a time in forked processes (as the checker does with files)."""
    return parallel_map(_check_one, [(derivation, n) for n in range(len(derivation.claims))], budget, jobs)


def _check_one(item: tuple[Derivation, int], budget: float) -> ClaimResult:
    derivation, n = item
    return check_claim(derivation, Scope.of(derivation), derivation.claims[n], budget)


def locate(transcript: Transcript, result: ClaimResult) -> LocatedClaim:
    """``result`` with the write-up's lines: the claim's, each step's, and in its error."""
    claim = result.claim
    steps = [LocatedStep(**vars(s), line=transcript.line_of(claim, s.number)) for s in result.steps]
    located = LocatedClaim(**{**vars(result), "steps": steps}, line=transcript.line_of(claim, 0))
    if located.error:
        located.error = _relocated(located.error, transcript)
    for step in steps:
        if step.verdict == MALFORMED:
            step.shown = f"line {step.line}: {step.shown}"
    return located


def _relocated(error: str, transcript: Transcript) -> str:
    """An error that names a line of the transcription names the write-up's line instead."""
    path = re.escape(transcript.path)

    def repl(m: re.Match) -> str:
        offset = transcript.toml_offsets.get(int(m.group(1)))
        return transcript.reading.source.where(offset) if offset is not None else transcript.path

    return re.sub(rf"{path}:(\d+)", repl, error)


def emit_toml(transcript: Transcript, target: str | Path | None) -> list[Path]:
    """Write the transcription atomically (never half-written): to ``target``, or beside the
    write-up as ``NAME.toml``, which is only replaced if symw2v wrote it. A section read with a
    notation of its own is written beside it, as ``NAME.lines-FIRST-LAST.toml``."""
    from ..train.checkpoint import atomic_write

    source = Path(transcript.path)
    main = Path(target) if target else source.with_suffix(".toml")
    planned = []
    for part in transcript.all_parts:
        path = main if part.lines is None else main.with_name(f"{main.stem}.lines-{part.lines[0]}-{part.lines[1]}.toml")
        if path.resolve() == source.resolve():
            raise OSError(f"{path}: would overwrite the write-up itself")
        if not target and path.exists() and not path.read_text("utf-8", errors="replace").startswith(MARKER):
            raise OSError(f"{path} exists and was not written by symw2v; give --emit-toml a file name")
        planned.append((path, part))
    written = []
    for path, part in planned:
        if part.derivation is not None:
            data = part.toml.encode("utf-8")
            atomic_write(path, lambda f, data=data: f.write(data))
            written.append(path)
    return written
