"""The one error type of the formula language, carrying the position it refers to."""

from __future__ import annotations

from .syntax import Span


class FormulaError(Exception):
    """A formula that cannot be read, typed or shape-checked; ``span`` points into its text."""

    def __init__(self, message: str, span: Span | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
