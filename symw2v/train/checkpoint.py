"""Atomic checkpoints and exact resume.

A checkpoint is one ``.npz`` file: both parameter matrices, the vocabulary, the configuration, the
training state (block, iteration, counters, loss history) and a fingerprint of the data and
settings. It is written to a temporary file in the same folder, flushed to disk, then moved over
the old one with ``os.replace``: a reader sees the old checkpoint or the new one, never half of
one. Because every block's randomness is keyed by ``(seed, block)``, resuming from a checkpoint
gives bit-identical parameters to a run that was never interrupted.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .loop import TrainConfig, Trainer, TrainState
from .vocab import Vocab

FORMAT = "symw2v-checkpoint-1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not belong to this run."""


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(file_object)`` on a temporary file beside ``path``, fsync, then rename over ``path``.

    On any error the temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def save(trainer: Trainer, path: str | Path) -> None:
    """Write ``trainer``'s complete state to ``path`` atomically (refuses non-finite parameters)."""
    if not (np.isfinite(trainer.W_in).all() and np.isfinite(trainer.W_out).all()):
        raise CheckpointError("refusing to checkpoint non-finite parameters")
    meta = {
        "format": FORMAT,
        "config": json.loads(trainer.config.to_json()),
        "state": asdict(trainer.state),
        "fingerprint": trainer.fingerprint(),
    }
    arrays = {
        "W_in": trainer.W_in,
        "W_out": trainer.W_out,
        "words": np.array(trainer.vocab.words, dtype=str),
        "counts": trainer.vocab.counts,
        "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
    }
    atomic_write(path, lambda f: np.savez(f, **arrays))


def read(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode())
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}: not a readable symw2v checkpoint ({exc})") from exc
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: unknown checkpoint format {meta.get('format')!r}")
    return meta, arrays


def config_of(path: str | Path) -> TrainConfig:
    meta, _ = read(path)
    return TrainConfig.from_json(json.dumps(meta["config"]))


def restore(trainer: Trainer, path: str | Path) -> None:
    """Load ``path`` into a freshly built ``trainer`` for the same data and settings."""
    meta, arrays = read(path)
    if meta["fingerprint"] != trainer.fingerprint():
        raise CheckpointError(
            f"{path}: the checkpoint was made for another corpus or other settings; "
            "resume with the same corpus and options, or start afresh without --resume"
        )
    if arrays["W_in"].shape != trainer.W_in.shape or arrays["W_in"].dtype != trainer.W_in.dtype:
        raise CheckpointError(f"{path}: parameter shapes do not match")
    trainer.W_in = np.array(arrays["W_in"])
    trainer.W_out = np.array(arrays["W_out"])
    trainer.state = TrainState(**meta["state"])


def vocab_of(arrays: dict[str, np.ndarray]) -> Vocab:
    return Vocab(tuple(str(w) for w in arrays["words"]), np.asarray(arrays["counts"], dtype=np.int64))
