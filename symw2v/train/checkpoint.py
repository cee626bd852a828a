"""Atomic, checksummed checkpoints and exact resume.

A checkpoint is one ``.npz`` file: both parameter matrices, the vocabulary, the configuration, the
training state (block, iteration, counters, loss history), a fingerprint of the data and settings,
and the SHA-256 of all of these (``sha256``). It is written to a temporary file in the same folder,
flushed to disk, then moved over the old one with ``os.replace``: a reader sees the old checkpoint
or the new one, never half of one. Because every block's randomness is keyed by ``(seed, block)``,
resuming from a checkpoint gives bit-identical parameters to a run that was never interrupted.

Reading never unpickles (``allow_pickle=False``) and trusts nothing before the checksum matches: a
file that is empty, truncated, altered, or not a checkpoint at all (text, an image, a vectors file)
raises :class:`CheckpointError` naming the file and what is wrong with it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .loop import Trainer, TrainState
from .vocab import Vocab

FORMAT = "symw2v-checkpoint-2"  # 2: with the sha256 of its entries
CHECKSUM = "sha256"

# What a file that is not a checkpoint is, told by its first bytes (first match wins; a checkpoint
# is a zip archive, which starts with PK\x03\x04).
NOT_A_CHECKPOINT: tuple[tuple[Callable[[bytes], bool], str], ...] = (
    (lambda head: head == b"", "the file is empty"),
    (lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"), "it is a PNG image"),
    (lambda head: re.match(rb"\d+ \d+\r?\n", head) is not None, "it is a word2vec vectors file"),
    (lambda head: head.startswith(b"\x93NUMPY"), "it is a single NumPy array (.npy)"),
    (lambda head: head.startswith((b"\x80", b"\x1f\x8b", b"\xfd7zXZ", b"BZh")),
     "it is a pickle or a compressed file"),
    (lambda head: not head.startswith(b"PK\x03\x04") and _is_text(head), "it is a text file"),
    (lambda head: not head.startswith(b"PK\x03\x04"), "it is not an .npz archive"),
)
# What reading a damaged archive can raise: the zip structure (a bad CRC, an unknown compression
# method, an "encrypted" flag), an .npy header (a dtype, a shape), a size field.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, UnicodeDecodeError, TypeError,
           NotImplementedError, RuntimeError, OverflowError, MemoryError, struct.error)


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not belong to this run."""


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut by the end of the sample
    return True


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def output_mode(path: Path) -> int:
    """The permissions a plain ``open(path, "w")`` would leave: an existing file's, else 0666 & ~umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(file_object)`` on a temporary file beside ``path``, fsync, then rename over ``path``.

    The file gets :func:`output_mode` (not the temporary file's 0600). On any error the temporary file
    is removed and ``path`` is left as it was."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fchmod(f.fileno(), output_mode(path))
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def checksum(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """SHA-256 of the entries (name, dtype, shape and bytes of each, in name order) as 32 uint8."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.tobytes())
    return np.frombuffer(h.digest(), dtype=np.uint8)


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
    arrays[CHECKSUM] = checksum(arrays)
    atomic_write(path, lambda f: np.savez(f, **arrays))


def read(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """``(meta, arrays)`` of the checkpoint at ``path``, after its checksum matched; else CheckpointError."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read the checkpoint: {exc.strerror or exc}") from exc
    for matches, what in NOT_A_CHECKPOINT:
        if matches(raw[:64]):
            raise CheckpointError(f"{path}: not a symw2v checkpoint: {what}")
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except DAMAGED as exc:
        raise CheckpointError(f"{path}: damaged or truncated checkpoint (cannot read the archive: {exc})") from exc
    stored = arrays.pop(CHECKSUM, None)
    if stored is None or "meta" not in arrays:
        raise CheckpointError(f"{path}: not a symw2v checkpoint, or one written before checksums (no {CHECKSUM})")
    if not np.array_equal(stored, checksum(arrays)):
        raise CheckpointError(f"{path}: damaged checkpoint: its checksum does not match its content")
    meta = json.loads(arrays.pop("meta").tobytes().decode())
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: unknown checkpoint format {meta.get('format')!r}")
    return meta, arrays


def check_replaceable(path: str | Path) -> None:
    """Refuse to start a run whose checkpoint would overwrite a file that is not a checkpoint."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot open the checkpoint file: {exc.strerror or exc}") from exc
    what = next((what for matches, what in NOT_A_CHECKPOINT if head and matches(head)), None)
    if what is not None:
        raise CheckpointError(f"{path}: {what}, not a symw2v checkpoint; refusing to overwrite it with one")


def restore(trainer: Trainer, path: str | Path, loaded: tuple[dict, dict[str, np.ndarray]] | None = None) -> None:
    """Load ``path`` (or what :func:`read` already ``loaded`` from it) into a freshly built ``trainer``
    for the same data and settings."""
    meta, arrays = loaded if loaded is not None else read(path)
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
