"""The id file: a corpus file as int32 word ids, built once, cached next to it, memory-mapped.

For a corpus file ``corpus.txt`` of at least ``CACHE_FROM_BYTES``, the folder ``corpus.txt.symw2v/``
holds

* ``vocab.npz``: every word with its count, in :class:`~symw2v.train.vocab.Vocab` order (count
  descending, then the word), so the vocabulary of any ``min_count`` is a prefix of it;
* ``ids-M.npy`` and ``offsets-M.npy``: the corpus encoded for ``min_count`` M (``ids-1`` first, the
  others derived from it in chunks by keeping the ids below that prefix's size; a ``min_count`` that
  drops no word uses ``ids-1``);
* ``source.json``: what they were built from, the *fingerprint*: the corpus file's size and
  modification time and the reader's settings. A folder whose fingerprint does not match the corpus
  as it is now, or that cannot be read (a file missing, truncated or garbled), is rebuilt.

The result is exactly :meth:`Vocab.build` and :meth:`Vocab.encode` of the corpus (tested), but the
ids are read from disk as training walks them (``np.load(mmap_mode="r")``): memory does not grow
with the corpus beyond the pages of the id file in use. Building takes two passes over the text
(counts, then ids written straight into the file) in bounded memory. Every file is written under a
temporary name and renamed; ``source.json`` last, so a half-built folder is never used. Smaller
corpora, the embedded one, and folders that cannot be written are encoded in memory.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from array import array
from collections import Counter
from pathlib import Path

import numpy as np

from . import corpus as corpus_module
from .corpus import Corpus, CorpusError
from .vocab import Vocab

CACHE_FROM_BYTES = 16 << 20  # below this, tokenising again costs under a second or two: no folder
SUFFIX = ".symw2v"
FORMAT = "symw2v-ids-1"
CHUNK_IDS = 1 << 20


def folder_of(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def fingerprint(path: Path) -> dict:
    st = path.stat()
    return {"format": FORMAT, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "token": corpus_module._TOKEN.pattern, "max_sentence_words": corpus_module.MAX_SENTENCE_WORDS}


def encode(corpus: Corpus, min_count: int) -> tuple[Vocab, np.ndarray, np.ndarray]:
    """``(vocab, ids, offsets)`` of ``corpus`` for ``min_count``: from (or into) its id file when it is a
    file of at least CACHE_FROM_BYTES, else in memory."""
    path = corpus.path
    if path is not None and path.stat().st_size >= CACHE_FROM_BYTES:
        try:
            return _cached(corpus, path, min_count)
        except OSError:
            pass  # a folder we may not write (permissions, a read-only or full disk): encode in memory
    vocab = Vocab.build(corpus, min_count)
    return (vocab, *vocab.encode(corpus))


class _Stale(Exception):
    """The id file does not match the corpus as it is now."""


# what a missing, stale or damaged id file raises while it is loaded: it is then built again
UNUSABLE = (_Stale, FileNotFoundError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile)


def _cached(corpus: Corpus, path: Path, min_count: int) -> tuple[Vocab, np.ndarray, np.ndarray]:
    folder = folder_of(path)
    stamp = fingerprint(path)
    try:
        return _load(folder, stamp, min_count)
    except UNUSABLE:
        pass
    try:
        _build(corpus, folder)
        if fingerprint(path) != stamp:
            raise CorpusError(f"{path}: the corpus changed while its id file was being built")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _write(folder / "source.json", lambda f: f.write(json.dumps(stamp).encode()))
    return _load(folder, stamp, min_count)


def _load(folder: Path, stamp: dict, min_count: int) -> tuple[Vocab, np.ndarray, np.ndarray]:
    """The id file for ``min_count`` (derived from ``ids-1`` if needed); raises one of UNUSABLE."""
    if json.loads((folder / "source.json").read_text()) != stamp:
        raise _Stale
    with np.load(folder / "vocab.npz", allow_pickle=False) as z:
        words, counts = z["words"], z["counts"]
    size = int(np.count_nonzero(counts >= min_count))
    m = min_count if size < len(words) else 1  # no word dropped: the ids of min_count 1
    if not (folder / f"ids-{m}.npy").is_file():
        _derive(folder, m, size)
    ids = np.load(folder / f"ids-{m}.npy", mmap_mode="r", allow_pickle=False)
    offsets = np.load(folder / f"offsets-{m}.npy", allow_pickle=False)
    if len(words) != len(counts) or offsets[0] != 0 or offsets[-1] != len(ids):
        raise _Stale
    return Vocab(tuple(str(w) for w in words[:size]), np.array(counts[:size], dtype=np.int64)), ids, offsets


def _write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        write(f)
    os.replace(tmp, path)


def _build(corpus: Corpus, folder: Path) -> None:
    """Count (pass 1), then write every token's id into ``ids-1.npy`` (pass 2); stale files go."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    counter: Counter[str] = Counter()
    sentences = 0
    for s in corpus:
        counter.update(s)
        sentences += 1
    vocab = Vocab.from_counts(counter, 1)
    _write(folder / "vocab.npz", lambda f: np.savez(f, words=np.array(vocab.words, dtype=str), counts=vocab.counts))
    index = vocab.index()
    tmp = folder / ".ids-1.npy.tmp"
    ids = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.int32, shape=(int(vocab.counts.sum()),))
    offsets = np.empty(sentences + 1, dtype=np.int64)
    offsets[0], n, buf = 0, 0, array("i")
    for k, s in enumerate(corpus, start=1):
        buf.extend([index[w] for w in s])
        offsets[k] = n + len(buf)
        if len(buf) >= CHUNK_IDS:
            ids[n : n + len(buf)] = np.frombuffer(buf, dtype=np.int32)
            n, buf = n + len(buf), array("i")
    ids[n : n + len(buf)] = np.frombuffer(buf, dtype=np.int32)
    ids.flush()
    del ids
    os.replace(tmp, folder / "ids-1.npy")
    _write(folder / "offsets-1.npy", lambda f: np.save(f, offsets))


def _derive(folder: Path, min_count: int, size: int) -> None:
    """``ids-M`` and ``offsets-M`` from ``ids-1``: the ids below ``size`` (the words of count >= M), in
    chunks; a sentence left empty vanishes, as :meth:`Vocab.encode` does."""
    full = np.load(folder / "ids-1.npy", mmap_mode="r", allow_pickle=False)
    starts = np.load(folder / "offsets-1.npy", allow_pickle=False)
    chunks = range(0, len(full), CHUNK_IDS)
    kept = sum(int(np.count_nonzero(full[a : a + CHUNK_IDS] < size)) for a in chunks)
    tmp = folder / f".ids-{min_count}.npy.tmp"
    ids = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.int32, shape=(kept,))
    before = np.zeros(len(starts), dtype=np.int64)  # ids kept before each sentence start
    n = 0
    for a in chunks:
        chunk = full[a : a + CHUNK_IDS]
        keep = chunk < size
        running = n + np.cumsum(keep)
        lo, hi = np.searchsorted(starts, [a, a + len(chunk)], side="right")
        before[lo:hi] = running[starts[lo:hi] - a - 1]
        ids[n : running[-1]] = chunk[keep]
        n = int(running[-1])
    ids.flush()
    del ids
    os.replace(tmp, folder / f"ids-{min_count}.npy")
    _write(folder / f"offsets-{min_count}.npy", lambda f: np.save(f, np.unique(before)))
