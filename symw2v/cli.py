"""The ``symw2v`` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .report.json_report import JsonPrinter
from .report.table import TablePrinter
from .verify.checker import DEFAULT_BUDGET, check_paths
from .verify.verdict import MALFORMED, REFUTED, UNDECIDED

DEFAULT_DERIVATIONS = "derivations"


@click.group()
@click.version_option(package_name="symw2v")
def main() -> None:
    """Verify hand-derived word2vec gradients symbolically."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one record per claim.")
@click.option(
    "--budget",
    default=DEFAULT_BUDGET,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds per claim before it is reported undecided.",
)
def check(paths: tuple[str, ...], as_json: bool, budget: float) -> None:
    """Check every step of every claim in PATHS (files or folders; default: derivations/).

    Exit status: 0 when every claim is proved or checked, 1 when any is refuted or undecided,
    2 when an input is malformed (the other files are still checked and reported)."""
    targets = list(paths) or [DEFAULT_DERIVATIONS]
    missing = [p for p in targets if not Path(p).exists()]
    if missing:
        click.echo(f"symw2v: no such file or folder: {', '.join(missing)}", err=True)
        sys.exit(2)
    results = check_paths(targets, budget)
    if as_json:
        click.echo(JsonPrinter().render(results))
    else:
        TablePrinter().print(results)
    verdicts = {r.verdict for r in results}
    if MALFORMED in verdicts:
        sys.exit(2)
    sys.exit(1 if verdicts & {REFUTED, UNDECIDED} else 0)


if __name__ == "__main__":
    main()
