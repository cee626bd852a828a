"""The ``symw2v`` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .report.json_report import JsonPrinter
from .report.table import TablePrinter
from .verify.checker import DEFAULT_BUDGET, check_paths
from .verify.verdict import MALFORMED, REFUTED, UNDECIDED

DEFAULT_DERIVATIONS = "derivations"


def budget_option(help: str):
    """``--budget SECONDS``, the same option for every command that verifies."""
    return click.option(
        "--budget", default=DEFAULT_BUDGET, show_default=True, type=click.FloatRange(min=0.1), help=help
    )


@click.group()
@click.version_option(package_name="symw2v")
def main() -> None:
    """Verify hand-derived word2vec gradients symbolically."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one record per claim.")
@budget_option("Seconds per claim before it is reported undecided.")
@click.option("--steps", is_flag=True, help="Show every chain step by step, not only those not proved.")
@click.option(
    "--jobs",
    default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
    show_default="the cores available",
    type=click.IntRange(min=1),
    help="Files (claims of a write-up) checked at once, each in its own process (same results as 1).",
)
@click.option(
    "--notation",
    help="Write-ups: a notation file, or 'columns' / 'rows' for the shipped ones "
    "[default: the shipped notation that reads more of the write-up].",
)
@click.option(
    "--emit-toml",
    "emit_toml",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[FILE.toml]",
    help="Write-ups: also write the transcription read (a derivation file) to FILE.toml, or without "
    "a name beside the write-up as NAME.toml (replaced only if symw2v wrote it).",
)
def check(
    paths: tuple[str, ...],
    as_json: bool,
    budget: float,
    steps: bool,
    jobs: int,
    notation: str | None,
    emit_toml: str | None,
) -> None:
    """Check every step of every claim in PATHS (files or folders; default: derivations/).

    A write-up (.md, .tex, .txt) is read as written: its chains of = in display math are
    transcribed with the notation, then checked as a derivation file; the report gives the
    write-up's lines, and what could not be read with its line, column and a suggestion.

    Exit status: 0 when every claim is proved or checked, 1 when any is refuted or undecided
    (or part of a write-up could not be read), 2 when an input is missing or malformed, or
    nothing of a write-up could be read (the other files are still checked and reported)."""
    from .writeup import is_writeup

    if emit_toml and not emit_toml.endswith(".toml"):  # --emit-toml writeup.md: a path, not the output
        paths, emit_toml = (*paths, emit_toml), ""
    targets = list(paths) or [DEFAULT_DERIVATIONS]
    writeups = [p for p in targets if is_writeup(p)]
    if emit_toml and len(writeups) != 1:
        raise click.UsageError("--emit-toml FILE takes one write-up; without FILE each is written beside itself")
    derivations = [p for p in targets if not is_writeup(p)]
    results = check_paths(derivations, budget, jobs) if derivations else []
    reports = [_check_writeup(p, notation, budget, jobs, emit_toml) for p in writeups]
    records = [*results, *(rec for r in reports for rec in r.records())]
    if as_json:
        click.echo(JsonPrinter().render(records))
    else:
        printer = TablePrinter()
        printer.print([*results, *(c for r in reports for c in r.results)], all_chains=steps)
        for report in reports:
            printer.unread(report.unread, f"{report.path}: {report.note}" if report.note else "")
            if report.error:
                printer.line(("error", "bold magenta"), " ", report.error)
    verdicts = {r.verdict for r in records}
    if any(r.verdict == MALFORMED for r in results) or any(r.nothing_read for r in reports):
        sys.exit(2)
    sys.exit(1 if verdicts & {REFUTED, UNDECIDED, MALFORMED, "unread"} else 0)


def _check_writeup(path: str, notation: str | None, budget: float, jobs: int, emit_toml: str | None):
    """One write-up, checked; its transcription written when asked (a failure to write is an error)."""
    from .verify.verdict import ClaimResult
    from .writeup.report import check_writeup
    from .writeup.report import emit_toml as write_toml

    report = check_writeup(path, notation, budget, jobs)
    if report.error and not report.results:
        report.results.append(ClaimResult(path, "(file)", "", MALFORMED, error=report.error))
    if emit_toml is not None and report.transcript is not None and report.transcript.derivation is not None:
        try:
            for written in write_toml(report.transcript, emit_toml or None):
                click.echo(f"wrote {written}", err=True)
        except OSError as err:
            report.error = f"--emit-toml: {err}"
    return report


# ---------------------------------------------------------------- training (symw2v/train)
_PRESET_NAMES = ("word2vec", "cs224n")


@main.command()
@click.argument("corpus", required=False)
@click.option(
    "--preset",
    type=click.Choice(_PRESET_NAMES),
    default="word2vec",
    show_default=True,
    help="Base settings (see symw2v/train/presets.py); the options below override them.",
)
@click.option(
    "-o",
    "--out",
    default="vectors.bin",
    show_default=True,
    help="Vectors file: word2vec binary for .bin, text otherwise.",
)
@click.option("--dim", type=click.IntRange(min=1), help="Vector size d.")
@click.option("--window", type=click.IntRange(min=1), help="Largest window (drawn in 1..window per centre).")
@click.option("--negative", type=click.IntRange(min=1), help="Negatives K per pair (or per window, see --negatives).")
@click.option("--loss", type=click.Choice(["neg", "softmax"]), help="Negative sampling or naive softmax.")
@click.option("--sample", type=click.FloatRange(min=0), help="Subsampling threshold (0: off).")
@click.option("--min-count", type=click.IntRange(min=1), help="Drop words rarer than this.")
@click.option("--epochs", type=click.IntRange(min=1), help="Epochs over the corpus (selects the epoch mode).")
@click.option("--iterations", type=click.IntRange(min=0), help="Minibatches of random centres (iteration mode).")
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    help="Epoch mode: pairs per minibatch, or windows with --negatives window (default: 512 windows with "
    "numpy, 1 pair with numba, 1,024 pairs with numpy and --negatives pair).",
)
@click.option(
    "--negatives",
    type=click.Choice(["auto", "pair", "window"]),
    help="Epoch mode, negative sampling: K negatives per pair (word2vec's), or K per window shared "
    "by its pairs (j_window_shared.toml; numpy only); auto: window with numpy, pair with numba "
    "[default: auto].",
)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), help="Initial learning rate.")
@click.option("--schedule", type=click.Choice(["linear", "step"]), help="Learning-rate decay.")
@click.option("--step-every", type=click.IntRange(min=1), help="Step schedule: halve every this many iterations.")
@click.option("--seed", type=int, help="Random seed (runs are reproducible).")
@click.option("--dtype", type=click.Choice(["float32", "float64"]), help="Parameter precision.")
@click.option(
    "--backend",
    type=click.Choice(["auto", "numpy", "numba"]),
    help="Generated kernels to train with: NumPy, Numba's fused loops (negative sampling; needs "
    "symw2v[fast]), or auto (numba when installed and --loss neg) [default: auto].",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Numba backend, epoch mode: train on N threads updating shared rows without locks "
    "(Hogwild, as word2vec and gensim; results then depend on thread timing; 1 is "
    "reproducible bit for bit) [default: the cores available; 1 with numpy].",
)
@click.option("--checkpoint", type=click.Path(dir_okay=False), help="Checkpoint file, written atomically.")
@click.option(
    "--checkpoint-every",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between checkpoints.",
)
@click.option("--resume", is_flag=True, help="Continue from --checkpoint (same corpus and options).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--max-blocks", type=click.IntRange(min=1), hidden=True, help="Stop after this many blocks.")
def train(**options) -> None:
    """Train skip-gram word2vec with the generated kernels on CORPUS.

    CORPUS: a text file (one sentence per line), a Stanford Sentiment Treebank folder, or nothing
    for the embedded default corpus (the King James Bible). Exit 1 if training diverges, 2 for bad input."""
    from .train.commands import run_train

    run_train(**options)


@main.command("eval")
@click.argument("vectors", type=click.Path(exists=True, dir_okay=False))
@click.option("-w", "--word", "words", multiple=True, help="Print the nearest neighbours of this word.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1), help="Neighbours per word.")
@click.option(
    "--pairs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Word-pair similarity file (word1<TAB>word2<TAB>score).",
)
@click.option(
    "--analogies",
    "analogy_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Analogy file in questions-words format.",
)
@click.option("--standard", is_flag=True, help="Also WordSim-353, SimLex-999, questions-words from gensim's test data.")
@click.option(
    "--restrict",
    default=30000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Analogy answers among this many most frequent words.",
)
def evaluate(**options) -> None:
    """Evaluate VECTORS (word2vec text/binary, or a checkpoint): neighbours, similarity, analogies."""
    from .train.commands import run_eval

    run_eval(**options)


@main.command()
@click.argument("vectors", type=click.Path(exists=True, dir_okay=False))
@click.argument("words", nargs=-1, required=True)
@click.option("-o", "--out", default="word_vectors.png", show_default=True, help="PNG file to write.")
def plot(**options) -> None:
    """Plot WORDS of VECTORS projected on their two principal axes (PNG)."""
    from .train.commands import run_plot

    run_plot(**options)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write to.")
@budget_option("Seconds per claim before it is reported undecided.")
@click.option("--no-derive", is_flag=True, help="Leave out the regenerated (derive) form of each gradient.")
@click.option("--pdf", is_flag=True, help="Also compile the combined document with pdflatex.")
def latex(paths: tuple[str, ...], out_dir: str, budget: float, no_derive: bool, pdf: bool) -> None:
    """Write LaTeX and Markdown proofs of PATHS (default: derivations/): one .tex and .md per
    file and a combined derivations.tex / derivations.md, each step with its verdict."""
    from .derive.export import compile_pdf, export

    targets = list(paths) or [DEFAULT_DERIVATIONS]
    missing = [p for p in targets if not Path(p).exists()]
    if missing:
        click.echo(f"symw2v: no such file or folder: {', '.join(missing)}", err=True)
        sys.exit(2)
    done = export(targets, out_dir, budget, with_derive=not no_derive)
    click.echo(f"wrote {len(done.files)} files and {done.combined_tex}, {done.combined_md}")
    if pdf:
        ok, log = compile_pdf(done.combined_tex)
        if not ok:
            click.echo(log[-3000:], err=True)
            sys.exit(1)
        click.echo(f"wrote {done.combined_tex.with_suffix('.pdf')}")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--examples", default=200, show_default=True, type=click.IntRange(min=1), help="Hypothesis examples per function."
)
@click.option(
    "--timeout",
    default=120.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds for importing and checking the file, in a child process.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def gradcheck(path: str, examples: int, timeout: float, as_json: bool) -> None:
    """Check the CS224N word2vec functions of PATH (sigmoid, naiveSoftmaxLossAndGradient,
    getNegativeSamples, negSamplingLossAndGradient, skipgram) against the verified kernels, on
    random shapes and values with repeated samples forced; a failure shows its smallest example.

    Exit status: 0 all pass, 1 a function is wrong, 2 the file cannot be loaded or run."""
    import json

    from .gradcheck import gradcheck as run_gradcheck
    from .report.gradcheck import render

    outcome = run_gradcheck(path, examples, timeout)
    click.echo(json.dumps(outcome.to_json(), indent=2) if as_json else render(outcome))
    sys.exit(outcome.status)


@main.command()
@click.argument("file", required=False, type=click.Path(exists=True))
@click.option("--wrt", help="What to differentiate by: v_c, U, U[o], U[ws[s]], ...")
@click.option("--of", "of", help="Which loss (default: the file's only loss).")
@click.option("--all", "all_", is_flag=True, help="Every (loss, wrt) that a claim in derivations/ (or FILE) uses.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), help="Folder for .toml skeletons and .tex.")
@click.option("--latex", "as_latex", is_flag=True, help="Print LaTeX instead of the skeleton.")
@budget_option("Seconds per gradient: normalising, matrix-form search and verification of every form.")
def derive(
    file: str | None, wrt: str | None, of: str | None, all_: bool, out_dir: str | None, as_latex: bool, budget: float
) -> None:
    """Derive a gradient from a loss: index form always, matrix form (U.T @ (yhat - y)) where a
    pattern is recognised, each verified; written as a derivation-file skeleton and as LaTeX.

    Exit status: 0 when a formula form was found for every gradient, 1 when one is left in
    component form only or ran out of budget (what was found in time is still printed), 2 for
    malformed input."""
    from .derivation.errors import DerivationError
    from .derivation.loader import load
    from .derive.export import derive_all, derived_latex, write_derived
    from .derive.regenerate import COMPONENT, MATRIX, DeriveError, no_form, skeleton
    from .derive.regenerate import derive as derive_gradient

    if not all_ and (file is None or wrt is None):
        raise click.UsageError("give FILE and --wrt, or --all")
    try:
        if all_:
            written = derive_all([file or DEFAULT_DERIVATIONS], out_dir or "regenerated", budget)
            done = [w for w in written if not isinstance(w, DeriveError)]
            for w in written:
                if isinstance(w, DeriveError):
                    click.echo(f"symw2v derive: {w}", err=True)
                    continue
                path, d = w
                note = f"  ({d.exhausted})" if d.exhausted else ""
                click.echo(f"{d.kind:>6} form  grad({d.of}, {d.wrt}) = {d.best}  -> {path}{note}")
            matrix = sum(d.kind == MATRIX for _, d in done)
            component = sum(d.kind == COMPONENT for _, d in done)
            index = len(done) - matrix - component
            click.echo(
                f"{len(written)} gradients: {matrix} in matrix form, {index} in index form only"
                + (f", {component} in components only" if component else "")
                + (f", {len(written) - len(done)} not derived" if len(done) < len(written) else "")
            )
            sys.exit(1 if len(done) < len(written) or any(d.exhausted or d.kind == COMPONENT for _, d in done) else 0)
        d = derive_gradient(load(file), wrt, of, seconds=budget)
    except DerivationError as err:
        click.echo(f"symw2v derive: {err}", err=True)
        sys.exit(2)
    except DeriveError as err:
        click.echo(f"symw2v derive: {err}", err=True)
        sys.exit(1)
    if out_dir:
        click.echo(f"wrote {write_derived(d, Path(out_dir))}")
    elif d.kind == COMPONENT:
        click.echo(no_form(d), nl=False)
    else:
        click.echo(derived_latex(d) if as_latex else skeleton(d), nl=False)
    if d.exhausted or d.kind == COMPONENT:
        why = d.exhausted or "no formula form found"
        shown = "printed the component" if d.kind == COMPONENT else f"printed the {d.kind} form"
        click.echo(f"symw2v derive: grad({d.of}, {d.wrt}): {why}; {shown}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
