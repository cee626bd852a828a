"""A write-up being read: its text, its path, and the math displays found in it.

Every offset is into the file's text as read (UTF-8, line ends kept), so that a line and a
column can be given for anything found at an offset; readers never rewrite the text, they only
blank out (replace by spaces) what they skip, which keeps every offset in place.
"""

from __future__ import annotations

import bisect
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 2_000_000  # a write-up of a few pages is 50 kB; a book is refused


class SourceError(Exception):
    """The file itself cannot be read (missing, not text, too large)."""


@dataclass(frozen=True)
class Source:
    path: str
    text: str
    starts: list[int] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self):
        starts = [0] + [m.end() for m in re.finditer(r"\n", self.text)]
        object.__setattr__(self, "starts", starts)

    def line(self, offset: int) -> int:
        """1-based line of ``offset``."""
        return bisect.bisect_right(self.starts, offset)

    def column(self, offset: int) -> int:
        """1-based column (in characters) of ``offset``."""
        return offset - self.starts[self.line(offset) - 1] + 1

    def where(self, offset: int) -> str:
        return f"{self.path}:{self.line(offset)}:{self.column(offset)}"


@dataclass(frozen=True)
class Display:
    """One piece of math: ``text`` is ``source.text[start:start + len(text)]``, possibly with
    parts blanked; ``inline`` for $...$ in running text. When macros were written out in it
    (:mod:`.tex`), ``origins`` gives the file offset of each character of ``text``."""

    source: Source
    start: int
    text: str
    inline: bool = False
    heading: str = ""  # the last heading before it (Markdown), for the report
    origins: tuple[int, ...] | None = None

    def origin(self, k: int) -> int:
        """The file offset of character ``k`` of ``text`` (its end for ``k = len(text)``)."""
        if self.origins is None:
            return self.start + k
        return self.origins[min(max(k, 0), len(self.origins) - 1)] if self.origins else self.start


def read_source(path: str | Path) -> Source:
    text = read_text(path, MAX_BYTES)
    return Source(str(path), text.replace("\r\n", "\n").replace("\r", "\n"))


def read_text(path: str | Path, limit: int) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes, else :class:`SourceError`."""
    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise SourceError(f"{path}: cannot read file: not a regular file")
        with path.open("rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as err:
        raise SourceError(f"{path}: cannot read file: {err.strerror or err}") from None
    if len(raw) > limit:
        raise SourceError(f"{path}: cannot read file: larger than the limit of {limit:,} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SourceError(f"{path}: cannot read file: not UTF-8 text (byte offset {err.start})") from None


def blank(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` replaced by spaces (line ends kept)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]
