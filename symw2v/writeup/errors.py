"""What cannot be read: a message, where it is (character offsets into the source file) and
what to do about it. Nothing that raises it is ever read some other way instead, with one
exception that is no guess: :class:`Ambiguous`, a bare J that could be any of several losses, is
read once for each of them where the course says it may be any (:mod:`.pairloss`), each reading
checked on its own."""

from __future__ import annotations


class Unreadable(Exception):
    """A formula, or part of one, that the reader refuses. ``start``/``end`` are offsets into
    the text being read (a row, until :func:`moved` makes them offsets into the file)."""

    def __init__(self, message: str, start: int = 0, end: int | None = None, suggestion: str = ""):
        super().__init__(message)
        self.message, self.start, self.suggestion = message, start, suggestion
        self.end = start + 1 if end is None else max(end, start + 1)

    def moved(self, offset: int) -> Unreadable:
        """The same error, its offsets shifted by ``offset``."""
        return type(self)(self.message, self.start + offset, self.end + offset, self.suggestion)

    def __str__(self) -> str:
        return self.message + (f" ({self.suggestion})" if self.suggestion else "")


class Ambiguous(Unreadable):
    """A bare J after the write-up names another loss, with nothing saying which it is. Refused
    like any :class:`Unreadable`, except in a chain about the skip-gram window, which is read once
    per pair loss instead (:mod:`.pairloss`)."""
