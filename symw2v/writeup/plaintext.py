"""Plain-text write-ups (``.txt``), such as the text form of a LaTeX write-up in
``shared/seed/``: the math is delimited as in LaTeX ($$...$$, \\[...\\], environments, $...$),
but ``%`` is a percent sign ("90% of the work"), not a comment, and nothing else is markup."""

from __future__ import annotations

from . import tex
from .source import Display, Source


def displays(source: Source) -> list[Display]:
    return tex.displays(source, comments=False)
