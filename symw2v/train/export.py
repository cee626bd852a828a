"""word2vec's file formats, written atomically, and a reader for them (and for checkpoints).

* **text**: a header ``V d``, then one line per word: the word and ``d`` numbers separated by
  single spaces (``%.9g``, enough digits for float32 to round-trip exactly).
* **binary**: the same header line, then per word: the word in UTF-8, a space, ``d`` little-endian
  float32 values, and a newline (exactly what word2vec's ``-binary 1`` writes and what gensim's
  ``KeyedVectors.load_word2vec_format(path, binary=True)`` reads).

The format is chosen from the file name: ``.bin`` is binary, anything else text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .checkpoint import atomic_write, read, vocab_of


class VectorsError(ValueError):
    """A vectors file that cannot be read."""


def is_binary(path: str | Path) -> bool:
    return str(path).endswith(".bin")


def write_word2vec(path: str | Path, words, vectors: np.ndarray, binary: bool | None = None) -> None:
    vectors = np.asarray(vectors)
    if not np.isfinite(vectors).all():
        raise VectorsError("refusing to write non-finite vectors")
    binary = is_binary(path) if binary is None else binary
    V, d = vectors.shape
    for w in words:
        if not w or any(ch.isspace() for ch in w):
            raise VectorsError(f"word {w!r} cannot be written in word2vec format (empty or has whitespace)")

    def write(f) -> None:
        f.write(f"{V} {d}\n".encode())
        if binary:
            data = vectors.astype("<f4")
            for w, row in zip(words, data, strict=True):
                f.write(w.encode() + b" " + row.tobytes() + b"\n")
        else:
            fmt = " ".join(["%.9g"] * d)
            for w, row in zip(words, vectors.astype(np.float64), strict=True):
                f.write((w + " " + fmt % tuple(row) + "\n").encode())

    atomic_write(path, write)


def read_word2vec(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Read a word2vec text or binary file (detected from its content), or a symw2v checkpoint."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise VectorsError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if raw[:2] == b"PK":  # a checkpoint (.npz): its centre vectors
        _, arrays = read(path)
        return list(vocab_of(arrays).words), arrays["W_in"]
    head, _, body = raw.partition(b"\n")
    try:
        V, d = (int(x) for x in head.split())
    except ValueError as exc:
        raise VectorsError(f"{path}: the first line must be 'V d'") from exc
    words: list[str] = []
    if not _looks_text(body, d):
        vecs = np.empty((V, d), dtype=np.float32)
        pos = 0
        try:
            for i in range(V):
                while body[pos : pos + 1] == b"\n":
                    pos += 1
                sp = body.index(b" ", pos)
                words.append(body[pos:sp].decode())
                vecs[i] = np.frombuffer(body, dtype="<f4", count=d, offset=sp + 1)
                pos = sp + 1 + 4 * d
        except (ValueError, UnicodeDecodeError) as exc:
            raise VectorsError(f"{path}: truncated or corrupt binary word2vec file ({exc})") from exc
        return words, vecs
    lines = body.decode().splitlines()
    if len(lines) < V:
        raise VectorsError(f"{path}: header says {V} words, file has {len(lines)} lines")
    vecs = np.empty((V, d), dtype=np.float32)
    for i, line in enumerate(lines[:V]):
        parts = line.rstrip().split(" ")
        if len(parts) != d + 1:
            raise VectorsError(f"{path}: line {i + 2} has {len(parts) - 1} numbers, expected {d}")
        words.append(parts[0])
        vecs[i] = np.array(parts[1:], dtype=np.float32)
    return words, vecs


def _looks_text(body: bytes, d: int) -> bool:
    """True when the first record is a text line: a word and ``d`` decimal numbers."""
    try:
        parts = body.split(b"\n", 1)[0].decode().rstrip().split(" ")
        if len(parts) != d + 1:
            return False
        [float(x) for x in parts[1:]]
    except (UnicodeDecodeError, ValueError):
        return False
    return True
