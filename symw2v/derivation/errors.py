"""Errors in a derivation file, located by file, line, claim, field and column."""

from __future__ import annotations

import reprlib

from ..language.syntax import Span

EXCERPT = 100  # characters of a formula shown under an error message
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60


def shown(value: object) -> str:
    """``repr(value)`` cut to about 60 characters, for quoting user input in a message."""
    return _REPR.repr(value)


def cut(text: str) -> str:
    """``text`` cut to ``EXCERPT`` characters, for user input in a message."""
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


class DerivationError(Exception):
    """Malformed input: the checker reports it and exits with status 2."""

    def __init__(
        self,
        path: str,
        message: str,
        *,
        line: int | None = None,
        where: str | None = None,
        text: str | None = None,
        span: Span | None = None,
    ):
        super().__init__(message)
        self.path, self.message, self.line, self.where = path, message, line, where
        self.text, self.span = text, span

    def __str__(self) -> str:
        location = self.path + (f":{self.line}" if self.line else "")
        head = f"{location}: {cut(self.where) + ': ' if self.where else ''}{self.message}"
        if self.text is None:
            return head
        if self.span is not None:
            head += f" (column {self.span.start + 1})"
        return f"{head}\n{excerpt(self.text, self.span)}"


def excerpt(text: str, span: Span | None) -> str:
    """The formula (at most ``EXCERPT`` characters of it, around the span) indented by four,
    and beneath it a caret line underlining the span."""
    line = text.translate({ord(c): " " for c in "\t\n\r\v\f"})
    start = 0 if span is None else max(0, min(span.start - EXCERPT // 3, len(line) - EXCERPT))
    cut = line[start : start + EXCERPT]
    lead = "…" if start else ""
    shown_text = f"    {lead}{cut}{'…' if start + EXCERPT < len(line) else ''}"
    if span is None:
        return shown_text
    first = span.start - start
    width = max(1, min(span.end, start + EXCERPT) - span.start)
    return f"{shown_text}\n    {' ' * (len(lead) + first)}{'^' * width}"
