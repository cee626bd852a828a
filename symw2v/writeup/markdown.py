"""Markdown write-ups: markdown-it-py, with the dollar-math and amsmath plugins of
mdit-py-plugins, finds the math ($$...$$ blocks, $...$ and $$...$$ in a paragraph, and bare
\\begin{align}...\\end{align} environments); headings are kept so the report can name sections.

markdown-it gives each block its lines; the math's exact offset is found by searching its content
from the block's first line (the content is the source text, not a rendering of it).
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .source import Display, Source

BLOCKS = {"math_block", "math_block_label", "amsmath"}
INLINE = {"math_inline": True, "math_inline_double": False}  # type -> inline (a $$ in a paragraph is a display)


@cache
def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark")
        .use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
        .use(amsmath_plugin)
    )


def displays(source: Source) -> list[Display]:
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
                out.append(Display(source, found, token.content, heading=heading))
                cursor = found + len(token.content)
        elif token.type == "inline" and token.map:
            if in_heading:
                heading = token.content
            for child in token.children or []:
                if child.type in INLINE:
                    found = _locate(source, child.content, token.map[0], cursor)
                    if found is not None:
                        out.append(Display(source, found, child.content, INLINE[child.type], heading))
                        cursor = found + len(child.content)
    return out


def _locate(source: Source, content: str, line: int, cursor: int) -> int | None:
    start = max(source.starts[min(line, len(source.starts) - 1)], cursor)
    found = source.text.find(content, start)
    return found if found >= 0 else None
