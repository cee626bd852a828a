"""One training run end to end: corpus -> vocabulary -> trainer -> progress, checkpoints -> vectors.

Nothing is written unless it is whole: checkpoints and the output go through a temporary file and
``os.replace``; a run that fails (bad input, divergence, interruption) leaves any earlier
checkpoint as it was and writes no output.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from . import checkpoint as ckpt
from . import idcache
from .corpus import load_corpus
from .export import write_word2vec
from .loop import TrainConfig, Trainer


@dataclass
class Summary:
    corpus: str
    vocab_size: int
    tokens: int
    seconds: float
    words: int  # effective words trained in this session (iteration mode: centre words)
    pairs: int
    iterations: int
    loss: float | None
    resumed_from_block: int
    out: str | None

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds > 0 else float("nan")


def prepare(corpus: str | Path | None, config: TrainConfig, kernels: ModuleType | None = None) -> tuple[str, Trainer]:
    name, sentences = load_corpus(corpus)
    vocab, stream, offsets = idcache.encode(sentences, config.min_count)
    return name, Trainer(config, vocab, stream, offsets, kernels=kernels)


def _progress_bar(enabled: bool, threads: int):
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]train" + (f" ×{threads}" if threads > 1 else "")),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[wps]:>9} words/s"),
        TextColumn("loss {task.fields[loss]}"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=False,
    )


def train(
    corpus: str | Path | None,
    config: TrainConfig,
    out: str | Path | None = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    checkpoint_every: float = 30.0,
    progress: bool = True,
    max_blocks: int | None = None,
    kernels: ModuleType | None = None,
) -> tuple[Summary, Trainer]:
    """Train; with ``max_blocks`` stop early (checkpoint written, no output): a simulated interruption."""
    loaded = None
    if resume:  # the checkpoint is checked before the corpus is read
        if checkpoint is None or not Path(checkpoint).exists():
            raise ckpt.CheckpointError(f"--resume: no checkpoint at {checkpoint}")
        loaded = ckpt.read(checkpoint)
    elif checkpoint is not None:
        ckpt.check_replaceable(checkpoint)
    name, trainer = prepare(corpus, config, kernels)
    if loaded is not None:
        ckpt.restore(trainer, checkpoint, loaded)
    start_block, start_words, start_pairs = trainer.state.block, trainer.state.words, trainer.state.pairs
    t0 = last_save = time.perf_counter()

    with _progress_bar(progress, trainer.config.threads) as bar:
        task = bar.add_task("train", total=trainer.total_blocks, completed=start_block, wps="-", loss="-")
        if trainer.config.threads > 1:
            bar.console.print(f"Hogwild on {trainer.config.threads} threads: the result depends on thread timing "
                              "(--threads 1 for a run reproducible bit for bit)", highlight=False)

        def on_block(tr: Trainer) -> None:
            nonlocal last_save
            now = time.perf_counter()
            wps = (tr.state.words - start_words) / max(now - t0, 1e-9)
            loss = tr.last_loss
            bar.update(task, completed=tr.state.block, wps=f"{wps:,.0f}", loss="-" if loss is None else f"{loss:.3f}")
            if checkpoint is not None and now - last_save >= checkpoint_every and not tr.done:
                ckpt.save(tr, checkpoint)
                last_save = now

        trainer.run(on_block=on_block, max_blocks=max_blocks)
    seconds = time.perf_counter() - t0
    if checkpoint is not None:
        ckpt.save(trainer, checkpoint)
    written = None
    if out is not None and trainer.done:
        write_word2vec(out, trainer.vocab.words, trainer.W_in)
        written = str(out)
    st = trainer.state
    summary = Summary(
        corpus=name,
        vocab_size=len(trainer.vocab),
        tokens=len(trainer.stream),
        seconds=seconds,
        words=st.words - start_words,
        pairs=st.pairs - start_pairs,
        iterations=st.iteration,
        loss=trainer.last_loss,
        resumed_from_block=start_block,
        out=written,
    )
    return summary, trainer
