"""The parts of a write-up (problem (a), (b) ...) and the loss a part states: what a bare ``J``
means there, as the write-up itself says it.

A part begins at a heading (Markdown ``#``, LaTeX ``\\section``, ``\\paragraph``, ``\\item``) or at
a line that opens with a problem label (``(e)``, ``**(e)**``, ``- (e):``, ``\\noindent(e)``,
``Question (e)``, ``3.``, ``e)``) outside display math, and runs to the next. Cutting too often only loses
readings; a missed cut could carry a loss over to the next problem, so every such line cuts.

A part *states its loss* when its math writes a loss of the notation by its full name as the
left-hand side of ``=`` (``J_{neg-sample}(v_c, o, U) = ...``, the loss the part is about) and
names no other loss anywhere in its math (``J_{naive-softmax}``, ``J_{skip-gram}`` ...: then a
bare J could be either). A bare ``J`` after the display of that statement, in that part, is that
loss. A loss the write-up defines itself is not stated this way: its formula may be made of a
bare J (``J_{skip-gram} = \\sum_j J(v_c, w_{t+j}, U)``), which cannot mean itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .source import Display, Source
from .translate import identifier

LOSS_NAME = re.compile(
    r"\\?(?:mathcal\s*\{\s*)?\b[JL]\s*\}?\s*_\s*(\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+\s*\{[^{}]*\})"
)
STATEMENT = re.compile(rf"\s*(?:\\begin\s*\{{\w+\*?\}}\s*)?(?P<name>{LOSS_NAME.pattern})\s*(?:\([^()]*\))?\s*(?:=|:=)")
LABEL = r"(?:[a-z]|[ivx]+|\d+)"  # a problem's letter, roman or arabic number
CUTS = (
    re.compile(r"^[ \t]{0,3}#{1,6}(?=[ \t]|$)", re.MULTILINE),  # a Markdown heading
    re.compile(r"\\(?:part|chapter|(?:sub)*section|(?:sub)?paragraph|item)(?![A-Za-z])"),
    re.compile(  # (e), **(e)**, - (e):, \noindent(e), Question (e), 3. and e) opening a line
        rf"^[ \t>]*(?:[-*+][ \t]+)?(?:\\noindent(?![A-Za-z])\s*)?(?:\*\*|__|\\textbf\s*\{{)?\s*"
        rf"(?:(?:question|problem|part)\s+)?(?:\(\s*{LABEL}\s*\)|{LABEL}[.)](?=[\s*_}}]))",
        re.MULTILINE | re.IGNORECASE,
    ),
)


@dataclass(frozen=True)
class Stated:
    """From ``start`` to ``end`` (file offsets), a bare ``letter`` is the loss ``name``."""

    letter: str
    name: str
    start: int
    end: int


def parts(source: Source, displays: list[Display]) -> list[tuple[int, int]]:
    """The parts of the write-up, as (start, end) file offsets, in order."""
    shown = [(d.start, d.origin(len(d.text))) for d in displays if not d.inline]
    cuts = {
        m.start()
        for pattern in CUTS
        for m in pattern.finditer(source.text)
        if not any(start <= m.start() < end for start, end in shown)
    }
    edges = sorted({0, *cuts, len(source.text)})
    return list(zip(edges, edges[1:], strict=False))


def stated_losses(source: Source, displays: list[Display], losses: tuple[str, ...]) -> list[Stated]:
    """Where a part states its loss (see the module docstring); ``losses`` are the notation's."""
    out = []
    for start, end in parts(source, displays):
        inside = [d for d in displays if start <= d.start < end]
        named = {identifier(m.group(0)) for d in inside for m in LOSS_NAME.finditer(d.text)}
        if len(named) != 1:
            continue
        (name,) = named
        letter = name.split("_")[0]
        if name not in losses or name == letter:
            continue
        statement = next((d for d in inside if STATEMENT.match(d.text)), None)
        if statement is not None:
            out.append(Stated(letter, name, statement.origin(len(statement.text)), end))
    return out


def meant(stated: list[Stated], letter: str, offset: int) -> str | None:
    """The loss a bare ``letter`` at ``offset`` is, if a part states it."""
    return next((s.name for s in stated if s.letter == letter and s.start <= offset < s.end), None)
