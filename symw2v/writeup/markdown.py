"""Markdown write-ups: markdown-it-py, with the dollar-math and amsmath plugins of
mdit-py-plugins, finds the math ($$...$$ blocks, $...$ and $$...$$ in a paragraph, and bare
\\begin{align}...\\end{align} environments); headings are kept so the report can name sections.

markdown-it gives each block its lines; the math's exact offset is found by searching its content
from the block's first line. Inside a list item or a block quote markdown-it has taken the
container's indentation and ``>`` off each line: the content is then found line by line with any
such prefix between, and the prefixes are blanked, so that offsets stay the file's.

A ``$$ ... $$`` block that markdown-it does not take as math (a blank line inside it ends the
paragraph it is in, for markdown-it as for many renderers) is still math: after the tokens, the
text not yet found is scanned for such blocks, as in a text file.
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .source import Display, Source, blank

BLOCKS = {"math_block", "math_block_label", "amsmath"}
INLINE = {"math_inline": True, "math_inline_double": False}  # type -> inline (a $$ in a paragraph is a display)
BLOCK = re.compile(r"(?<![\\$])\$\$(.+?)(?<!\\)\$\$", re.DOTALL)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)  # code is not math
ROWS = re.compile(r"\\begin\s*\{|\\\\")  # $\begin{aligned} ... \\ ...$: rows, so a display whatever its dollars


@cache
def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark")
        .use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
        .use(amsmath_plugin)
    )


def displays(source: Source) -> list[Display]:
    found = _tokens(source)
    rest = source.text
    for d in found:  # what markdown-it found is not scanned again
        rest = blank(rest, d.start, d.start + len(d.text))
    rest = FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), rest)
    more = [Display(source, m.start(1), m.group(1)) for m in BLOCK.finditer(rest) if m.group(1).strip()]
    return sorted(found + more, key=lambda d: d.start)


def _tokens(source: Source) -> list[Display]:
    out: list[Display] = []
    heading, in_heading = "", False
    cursor = 0  # offsets only move forward: the same formula twice is found twice
    for token in _parser().parse(source.text):
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        if token.type in BLOCKS and token.map:
            found = _locate(source, token.content, token.map[0], cursor)
            if found is not None:
                out.append(Display(source, found[0], found[1], heading=heading))
                cursor = found[0] + len(found[1])
        elif token.type == "inline" and token.map:
            if in_heading:
                heading = token.content
            for child in token.children or []:
                if child.type in INLINE:
                    found = _locate(source, child.content, token.map[0], cursor)
                    if found is not None:
                        inline = INLINE[child.type] and not ROWS.search(child.content)
                        out.append(Display(source, found[0], found[1], inline, heading))
                        cursor = found[0] + len(found[1])
    return out


def _locate(source: Source, content: str, line: int, cursor: int) -> tuple[int, str] | None:
    """Where ``content`` is in the file at or after ``line`` and ``cursor``, and the file's text
    there with container prefixes (indentation, ``>``) blanked."""
    start = max(source.starts[min(line, len(source.starts) - 1)], cursor)
    found = source.text.find(content, start)
    if found >= 0:
        return found, content
    lines = content.split("\n")
    pattern = re.compile(r"\n[ \t>]*".join(re.escape(x) for x in lines))
    m = pattern.search(source.text, start)
    if m is None:
        return None
    text, at = m.group(0), len(lines[0])
    for line in lines[1:]:  # blank the prefix between a line's end and the next line's content
        run = at + 1
        while run < len(text) and text[run] in " \t>":
            run += 1
        end = next(e for e in range(run, at, -1) if text.startswith(line, e))  # the longest, as the regex
        text = text[: at + 1] + " " * (end - at - 1) + text[end:]
        at = end + len(line)
    return m.start(), text
