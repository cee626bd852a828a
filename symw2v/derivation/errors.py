"""Errors in a derivation file, located by file, line, claim, field and column."""

from __future__ import annotations

from ..language.syntax import Span


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
        head = f"{location}: {self.where + ': ' if self.where else ''}{self.message}"
        if self.text is None:
            return head
        caret = ""
        if self.span is not None:
            width = max(1, self.span.end - self.span.start)
            caret = "\n    " + " " * self.span.start + "^" * width
            head += f" (column {self.span.start + 1})"
        return f"{head}\n    {self.text}{caret}"
