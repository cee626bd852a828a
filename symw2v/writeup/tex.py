"""LaTeX sources: display math ($$...$$, \\[...\\], and the equation, align, gather, multline,
eqnarray and flalign environments, starred or not) and inline math ($...$, \\(...\\)), found by
one left-to-right scan after comments and verbatim environments are blanked out.

The write-up's own macros (``\\newcommand``, ``\\def``, ``\\DeclareMathOperator``) are written
out in the math found (:mod:`.macros`), every character keeping its file offset.

This only finds where math is; reading it is :mod:`symw2v.writeup.latex`'s work.
"""

from __future__ import annotations

import re

from .macros import definitions, expand
from .markdown import ROWS
from .source import Display, Source, blank

ENVIRONMENTS = r"equation|align|gather|multline|eqnarray|flalign|alignat|displaymath|math"
MATH = re.compile(
    r"(?<!\\)\$\$(?P<dd>.+?)(?<!\\)\$\$"
    r"|\\\[(?P<bracket>.+?)\\\]"
    rf"|\\begin\{{(?P<env>{ENVIRONMENTS})(?P<star>\*?)\}}(?P<body>.*?)\\end\{{(?P=env)(?P=star)\}}"
    r"|(?<![\\$])\$(?P<d>[^$]+?)(?<!\\)\$"
    r"|\\\((?P<paren>.+?)\\\)",
    re.DOTALL,
)
COMMENT = re.compile(r"(?<!\\)%[^\n]*")
VERBATIM = re.compile(r"\\begin\{(verbatim|lstlisting|minted|comment)\*?\}.*?\\end\{\1\*?\}", re.DOTALL)
HEADING = re.compile(r"\\(?:sub)*section\*?\{([^{}]*)\}")


def displays(source: Source, comments: bool = True) -> list[Display]:
    """The math of ``source``; with ``comments``, ``%`` starts a TeX comment."""
    text = source.text
    for pattern in (VERBATIM, COMMENT) if comments else (VERBATIM,):
        for m in reversed(list(pattern.finditer(text))):
            text = blank(text, m.start(), m.end())
    headings = [(m.start(), m.group(1)) for m in HEADING.finditer(text)]
    macros = definitions(text) if comments else {}
    out = []
    for m in MATH.finditer(text):
        group = next(g for g in ("dd", "bracket", "body", "d", "paren") if m.group(g) is not None)
        heading = next((h for at, h in reversed(headings) if at < m.start()), "")
        inline = group in ("d", "paren") and not ROWS.search(m.group(group))
        start, math = m.start(group), m.group(group)
        written, origins = expand(math, list(range(start, start + len(math) + 1)), macros)
        if written == math:
            out.append(Display(source, start, math, inline, heading))
        else:
            out.append(Display(source, start, written, inline, heading, tuple(origins)))
    return out
