"""Bodies of ``symw2v train``, ``symw2v eval`` and ``symw2v plot`` (the click options live in ``cli.py``).

Exit status: 0 on success, 1 when training diverged (loss NaN/inf), 2 for bad input (corpus,
vocabulary, settings, checkpoint or vectors file), 130 when interrupted. In every failing case the
output file is not written and an existing checkpoint is left as it was.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from .checkpoint import CheckpointError
from .corpus import CorpusError
from .evaluate import EvalError
from .export import VectorsError
from .loop import DivergedError, TrainConfig, TrainingError
from .presets import PRESET_CORPUS, PRESETS

BAD_INPUT = (CorpusError, TrainingError, CheckpointError, VectorsError, EvalError)


def _fail(command: str, message: str, status: int) -> None:
    click.echo(f"symw2v {command}: {message}", err=True)
    sys.exit(status)


def build_config(preset: str, overrides: dict) -> TrainConfig:
    config = TrainConfig(**PRESETS[preset])
    given = {k: v for k, v in overrides.items() if v is not None}
    if given.get("epochs") is not None and "iterations" not in given:
        given["iterations"] = 0  # --epochs asks for the epoch mode
    return replace(config, **given)


def run_train(corpus, preset, out, checkpoint, checkpoint_every, resume, quiet, max_blocks, **overrides) -> None:
    from .session import train

    if corpus is None and preset in PRESET_CORPUS:
        _fail("train", f"--preset {preset} trains on {PRESET_CORPUS[preset]}: pass it as CORPUS", 2)
    config = build_config(preset, overrides)
    try:
        summary, trainer = train(
            corpus,
            config,
            out=out,
            checkpoint=checkpoint,
            resume=resume,
            checkpoint_every=checkpoint_every,
            progress=not quiet,
            max_blocks=max_blocks,
        )
    except BAD_INPUT as exc:
        _fail("train", f"error: {exc}", 2)
    except DivergedError as exc:
        kept = f"; the checkpoint {checkpoint} is the last good state" if checkpoint else ""
        _fail("train", f"error: {exc}{kept}; no vectors were written", 1)
    except KeyboardInterrupt:
        kept = f"; resume from {checkpoint} with --resume" if checkpoint else ""
        _fail("train", f"interrupted, no vectors were written{kept}", 130)
    s = summary
    loss = "-" if s.loss is None else f"{s.loss:.4f}"
    mode = f"{s.iterations} iterations" if config.iterations > 0 else f"{config.epochs} epochs"
    click.echo(
        f"corpus {s.corpus}: {s.tokens:,} tokens, {s.vocab_size:,} words; {mode}, d={config.dim}, "
        f"loss={config.loss}, backend={trainer.config.backend}"
        + ("" if config.iterations > 0 else f", negatives per {trainer.config.negatives}, minibatch "
           f"{trainer.config.batch} {'window' if trainer.config.negatives == 'window' else 'pair'}(s)")
        + f", {threads_note(trainer.config.threads)}"
    )
    click.echo(
        f"trained {s.words:,} words ({s.pairs:,} pairs) in {s.seconds:.1f} s = {s.words_per_second:,.0f} words/s; "
        f"final loss {loss}" + (f" (resumed at block {s.resumed_from_block})" if s.resumed_from_block else "")
    )
    if s.out:
        click.echo(f"vectors written to {s.out}")
    elif not trainer.done:
        click.echo(f"stopped after block {trainer.state.block} of {trainer.total_blocks}; checkpoint {checkpoint}")


def threads_note(threads: int) -> str:
    if threads == 1:
        return "1 thread"
    return f"{threads} threads (Hogwild: the result depends on thread timing)"


def _load(vectors: str):
    from .evaluate import Embeddings
    from .export import read_word2vec

    words, vecs = read_word2vec(vectors)
    return Embeddings(words, vecs)


def gensim_test_files() -> tuple[list[str], list[str]]:
    """WordSim-353, SimLex-999 and questions-words from gensim's test data, if gensim is installed."""
    try:
        from gensim.test.utils import datapath
    except ImportError:
        return [], []
    return [datapath("wordsim353.tsv"), datapath("simlex999.txt")], [datapath("questions-words.txt")]


def run_eval(vectors, words, top, pairs, analogy_files, standard, restrict) -> None:
    from rich.console import Console
    from rich.table import Table

    from .evaluate import analogies, word_pairs

    console = Console()
    try:
        emb = _load(vectors)
        pairs, analogy_files = list(pairs), list(analogy_files)
        if standard:
            p, a = gensim_test_files()
            if not p:
                raise EvalError("--standard needs gensim (pip install gensim) for its test data files")
            pairs, analogy_files = pairs + p, analogy_files + a
        for w in words:
            if w not in emb:
                console.print(f"{w}: not in the vocabulary")
                continue
            near = ", ".join(f"{n} {s:.2f}" for n, s in emb.neighbours(w, top))
            console.print(f"[bold]{w}[/bold]: {near}", highlight=False)
        if pairs:
            table = Table("word pairs", "Spearman ρ", "pairs used", "OOV share")
            for path in pairs:
                r = word_pairs(emb, path)
                table.add_row(r.name, f"{r.spearman:.3f}", f"{r.used}/{r.total}", f"{r.oov_share:.1%}")
            console.print(table)
        for path in analogy_files:
            r = analogies(emb, path, restrict)
            table = Table("analogies", "accuracy", "questions used", "OOV share")
            table.add_row(r.name, f"{r.accuracy:.3f}", f"{r.used}/{r.total}", f"{r.oov_share:.1%}")
            console.print(table)
    except BAD_INPUT as exc:
        _fail("eval", f"error: {exc}", 2)


def run_plot(vectors, words, out) -> None:
    from .plot import plot_words

    try:
        emb = _load(vectors)
        chosen = [w for w in words if w in emb]
        missing = [w for w in words if w not in emb]
        if missing:
            click.echo(f"not in the vocabulary, left out: {', '.join(missing)}", err=True)
        if len(chosen) < 2:
            raise EvalError("need at least 2 words in the vocabulary to plot")
        import numpy as np

        vecs = np.stack([emb.unit[emb.index[w.lower()]] for w in chosen])
        plot_words(chosen, vecs, out, title=str(vectors))
    except BAD_INPUT as exc:
        _fail("plot", f"error: {exc}", 2)
    click.echo(f"plot of {len(chosen)} words written to {out}")
