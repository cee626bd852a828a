"""Verdicts -> a readable terminal table (rich; plain text when not a terminal)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..verify.verdict import ClaimResult

STYLE = {
    "proved": "bold green",
    "checked": "green",
    "refuted": "bold red",
    "undecided": "yellow",
    "malformed": "bold magenta",
}


class TablePrinter:
    def __init__(self, console: Console | None = None):
        self.console = console or Console(soft_wrap=False)

    def print(self, results: list[ClaimResult]) -> None:
        table = Table(show_lines=False, expand=False)
        for column in ("file", "claim", "verdict", "what was shown"):
            table.add_column(column, overflow="fold")
        for r in results:
            table.add_row(
                escape(r.file.rsplit("/", 1)[-1]),
                escape(r.claim),
                f"[{STYLE[r.verdict]}]{r.verdict}[/]",
                escape(self._shown(r)),
            )
        self.console.print(table)
        for r in results:
            if r.error:
                self.console.print(
                    f"[bold magenta]error[/] {r.error}", markup=True, highlight=False
                )
        counts = {v: sum(r.verdict == v for r in results) for v in STYLE}
        self.console.print(", ".join(f"{n} {v}" for v, n in counts.items() if n) or "no claims")

    @staticmethod
    def _shown(r: ClaimResult) -> str:
        if r.error:
            return r.error.splitlines()[0]
        lines = []
        for s in r.steps:
            if s.verdict in ("refuted", "undecided") or len(r.steps) == 1:
                lines.append(f"step {s.number}: {s.verdict}: {s.shown}")
        if not lines:
            kinds = sorted({s.verdict for s in r.steps})
            lines.append(f"{len(r.steps)} steps {'/'.join(kinds)}: {r.steps[0].shown}")
        for s in r.steps:
            if s.residual and s.verdict == "refuted":
                lines.append(f"  residual left - right = {s.residual}")
        return "\n".join(lines)
