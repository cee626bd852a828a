"""Derivations and verdicts -> Markdown with ``$$`` math blocks (renders on code hosting sites).

The same document as :class:`symw2v.report.latex.LatexReport`, with only the text-level pieces
changed: Markdown headings and lists, ``aligned`` inside ``$$`` instead of ``align*``, and the
step verdicts as ``\\text{...}`` at the end of each line (``\\tag`` is not allowed in
``aligned``).
"""

from __future__ import annotations

from .latex import LatexReport

MARKS = {"proved": "✅", "checked": "☑️", "refuted": "❌", "undecided": "❔", "malformed": "⛔"}


def md_escape(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_[]<>|$" else c for c in text)


class MarkdownReport(LatexReport):
    extension = ".md"

    def escape(self, text: str) -> str:
        return md_escape(text)

    def heading(self, level: int, text: str, right: str = "") -> str:
        hashes = {1: "#", 2: "##", 3: "###"}[level] + ("#" if level < 3 else "")
        return f"\n{hashes} {text}{' — ' + right if right else ''}\n\n"

    def emph(self, text: str) -> str:
        return f"*{text}*"

    def code(self, text: str) -> str:
        return f"`{text.replace('`', '')}`"

    def verdict(self, verdict: str) -> str:
        return f"{MARKS.get(verdict, '')} **{verdict}**"

    def inline(self, latex: str) -> str:
        return f"${latex}$"

    def math(self, lines: list[str]) -> str:
        if not any("&" in line for line in lines):
            lines = [f"& {line}" for line in lines]
        return "\n$$\n\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}\n$$\n\n"

    def display(self, latex: str) -> str:
        return f"\n$$\n{latex}\n$$\n\n"

    def comment(self, text: str) -> str:
        return f"{self.escape(text)}\n\n"

    def wide(self, latex: str, width: int) -> str:
        return self.display(latex)

    def label(self, text: str) -> str:
        return rf" && \text{{({text})}}"

    def tag(self, n: int, verdict: str) -> str:
        return rf" && \text{{({n}: {verdict})}}"

    def items(self, items: list[str]) -> str:
        return "\n".join(f"- {i}" for i in items) + "\n\n"

    def newline(self) -> str:
        return "<br>"

    def document(self, body: str, title: str) -> str:
        return f"# {self.escape(title)}\n\n{body}"

    def combined(self, sections: list[str], title: str = "symw2v: checked derivations") -> str:
        return self.document("\n".join(sections), title)
