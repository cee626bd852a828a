"""Verdicts -> a readable terminal report (rich; plain text when not a terminal): a summary
table, then each chain that is not fully proved with a mark per step and, beneath a broken
step, its counterexample, residual and diagnosis.

Every text from a file or a formula is printed as a rich ``Text``, never as markup, so that
``U[w]`` and ``[ws[j] == ws[s]]`` are printed as written."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..verify.verdict import ClaimResult

MARK = {"proved": "✓", "checked": "≈", "refuted": "✗", "undecided": "?", "malformed": "!"}
STYLE = {
    "proved": "bold green",
    "checked": "green",
    "refuted": "bold red",
    "undecided": "yellow",
    "malformed": "bold magenta",
}


def _where(r: ClaimResult, full: bool = False) -> str:
    """The file (its name only unless ``full``), with the line for a claim read from a write-up."""
    name = r.file if full else r.file.rsplit("/", 1)[-1]
    line = getattr(r, "line", 0)
    return f"{name}:{line}" if line else name


class TablePrinter:
    def __init__(self, console: Console | None = None):
        self.console = console or Console(soft_wrap=False)

    def line(self, *parts: str | tuple[str, str]) -> None:
        """Print one line of plain strings and (text, style) pairs; nothing is read as markup."""
        self.console.print(Text.assemble(*parts))

    def print(self, results: list[ClaimResult], all_chains: bool = False) -> None:
        table = Table(show_lines=False, expand=False)
        for column in ("file", "claim", "verdict", "what was shown"):
            table.add_column(column, overflow="fold")
        for r in results:
            table.add_row(
                Text(_where(r)),
                Text(r.claim),
                Text(r.verdict, STYLE[r.verdict]),
                Text(self._shown(r)),
            )
        self.console.print(table)
        for r in results:
            if r.error:
                self.line(("error", "bold magenta"), " ", r.error)
        for r in results:
            if r.steps and (all_chains or r.verdict != "proved"):
                self.chain(r)
        counts = {v: sum(r.verdict == v for r in results) for v in STYLE}
        self.line(", ".join(f"{n} {v}" for v, n in counts.items() if n) or "no claims")

    def chain(self, r: ClaimResult) -> None:
        self.line("\n", (r.claim, "bold"), f"  {_where(r, full=True)}  ", (r.verdict, STYLE[r.verdict]))
        if r.says:
            self.line(f"  {r.says}")
        if r.when:
            self.line(f"  holds when {', '.join(r.when)}")
        self.line(f"    0  {r.steps[0].left}")  # step 1 is compared with chain[0]
        for s in r.steps:
            against = "" if s.compared_with == s.number - 1 else f"  (compared with step {s.compared_with})"
            line = getattr(s, "line", 0)  # a step read from a write-up: its line there
            against += f"  (line {line})" if line else ""
            self.line("  ", (MARK[s.verdict], STYLE[s.verdict]), f" {s.number:2d}  {s.right}{against}")
            details = []
            if s.verdict in ("refuted", "undecided", "malformed"):
                label = "counterexample" if s.counterexample else "error" if s.verdict == "malformed" else "shown"
                details.append((label, s.shown))
            if s.residual:
                details.append(("residual", f"left - right = {s.residual}"))
            if s.note:
                details.append(("note", s.note))
            if s.diagnosis:
                details.append(("diagnosis", s.diagnosis))
            for label, text in details:
                self.line("        ", (f"{label}:", "dim"), f" {text}")

    def unread(self, items: list, note: str = "") -> None:
        """What a write-up had that could not be read, each with its place and a suggestion."""
        if note:
            self.line(("note", "dim"), f" {note}")
        for u in items:
            self.line((f"{u.source.where(u.start)}", "bold"), f" {u.what} not read: {u.message}")
            self.line(u.excerpt())
            if u.suggestion:
                self.line("    ", ("suggestion:", "dim"), f" {u.suggestion}")

    @staticmethod
    def _shown(r: ClaimResult) -> str:
        """One cell: what was shown for the claim; the chain view below has the details."""
        if r.error and not r.steps:
            return r.error.splitlines()[0]
        if r.when:
            return f"holds when {', '.join(r.when)}: " + TablePrinter._shown(replace(r, when=[]))
        bad = [s for s in r.steps if s.verdict not in ("proved", "checked")]
        if not bad:
            kinds = "/".join(sorted({s.verdict for s in r.steps}))
            return f"{len(r.steps)} step{'s' * (len(r.steps) > 1)} {kinds}: {r.steps[-1].shown}"
        return "\n".join(
            f"step {s.number} {s.verdict}" + (f": {s.diagnosis}" if s.diagnosis else "") for s in bad
        )
