"""Check a write-up as it is written: Markdown, LaTeX or plain text with LaTeX math.

The pipeline, one module per step::

    markdown.py / tex.py / plaintext.py   find the math of the file (with its offsets)
    chains.py                             cut displays into rows, rows into chains of =
    parts.py                              the write-up's parts, and the loss a part says a bare J is
    pairloss.py                           a bare J in a window chain that could be any loss: each
    latex.py + grammar.lark               read each row with a lark LALR grammar
    translate.py (+ notation.py, shapes.py) give each formula its meaning in our language
    transcribe.py                         write a derivation file (TOML) and load it
    report.py                             check it as any derivation file; point at source lines

:func:`read_writeup` runs the reading; ``symw2v check writeup.md`` runs it and the checker.
Without a notation the shipped ones (columns, then rows) are both tried and the one that reads
more of the write-up is used; the report says which, and how much each read. A notation with
sections (``[[section]] lines = [107, 362], notation = "other.toml"``, for a write-up that changes
layout) reads each section with its own notation, into a derivation of its own.
"""

from __future__ import annotations

from pathlib import Path

from . import markdown, plaintext, tex
from .chains import Reader, Reading, restricted
from .notation import SHIPPED, Notation, NotationError, load_notation
from .source import SourceError, read_source
from .transcribe import Transcript, transcribe
from .translate import Translator

READERS = {".md": markdown, ".markdown": markdown, ".tex": tex, ".txt": plaintext}

__all__ = ["READERS", "NotationError", "SourceError", "Transcript", "is_writeup", "read_writeup"]


def is_writeup(path: str | Path) -> bool:
    return Path(path).suffix.lower() in READERS


def read(path: str | Path, notation: Notation, zones: tuple[tuple[int, int], ...] = ()) -> Reading:
    source = read_source(path)
    reader = READERS[Path(path).suffix.lower()]
    return Reader(source, Translator(notation), zones).read(reader.displays(source))


def read_writeup(path: str | Path, notation: str | Path | Notation | None = None) -> Transcript:
    """Read ``path`` with ``notation`` (a :class:`Notation`, a shipped name, a file, or None to
    try both shipped notations) into a transcript: the derivation and where each claim came from."""
    if notation is not None:
        chosen = notation if isinstance(notation, Notation) else load_notation(notation)
        if chosen.sections:
            return _sectioned(path, chosen)
        return transcribe(read(path, chosen), chosen)
    tried = [(name, load_notation(name)) for name in SHIPPED]
    readings = [(read(path, n), n) for _, n in tried]
    best, notation_used = max(readings, key=lambda r: _read_steps(r[0]))  # columns wins a tie: it comes first
    transcript = transcribe(best, notation_used)
    transcript.alternatives = {n.name: _read_steps(r) for r, n in readings}
    return transcript


def _sectioned(path: str | Path, notation: Notation) -> Transcript:
    """One transcript per section (and one for the lines outside every section): the whole file
    is read with each notation (the write-up's definitions are wherever they are), and each keeps
    the chains and the messages of its own lines."""
    sections = notation.sections
    zones = tuple((s.first, s.last) for s in sections)
    outside = transcribe(
        restricted(read(path, notation, zones), lambda line: not any(s.first <= line <= s.last for s in sections)),
        notation,
    )
    outside.parts = [outside]
    for section in sections:
        part = transcribe(
            restricted(read(path, section.notation, zones), lambda line, s=section: s.first <= line <= s.last),
            section.notation,
        )
        part.lines = (section.first, section.last)
        outside.parts.append(part)
    return outside


def _read_steps(reading: Reading) -> int:
    """How much a reading understood: the steps of its chains (links between two formulas)
    whose formulas are well-shaped in it."""
    return sum(not s.ill for c in reading.chains for s in c.sides) - len(reading.chains)
