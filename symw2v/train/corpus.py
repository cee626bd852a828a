"""Corpora: plain text, the Stanford Sentiment Treebank layout, and the embedded default corpus.

A corpus is a list of sentences, each a list of string tokens. Three readers:

* **plain text** (``.txt``, optionally ``.gz``/``.xz``/``.bz2`` compressed): one sentence per line,
  tokenised by :func:`tokenize`: the line is lower-cased and its tokens are the maximal runs of
  letters and digits, keeping apostrophes *inside* a word (``don't``, ``lord's``). Everything else
  (punctuation, dashes, underscores, whitespace) separates tokens and is dropped. Unicode letters
  count as letters (``café`` is one token).
* **Stanford Sentiment Treebank** (a folder holding ``datasetSentences.txt``, or that file itself):
  a header line, then ``index<TAB>sentence``; sentences are already tokenised, so tokens are the
  whitespace-separated words, lower-cased, as the CS224N starter code reads them.
* **the embedded default corpus** (``default``): the King James Bible, one verse per line, shipped
  compressed inside the package (``symw2v/train/data``), tokenised like plain text.

Invalid UTF-8 stops with a :class:`CorpusError` naming the line and byte offset.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from importlib import resources
from pathlib import Path

DEFAULT_CORPUS = "default"
DEFAULT_CORPUS_FILE = "kjv.txt.xz"
SST_FILE = "datasetSentences.txt"

_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


class CorpusError(ValueError):
    """A corpus that cannot be trained on (missing, empty, undecodable, too small)."""


def tokenize(line: str) -> list[str]:
    """Lower-case ``line`` and return its words: runs of letters/digits with inner apostrophes."""
    return [t.replace("\u2019", "'") for t in _TOKEN.findall(line.lower())]


def _decompress(raw: bytes, name: str) -> bytes:
    try:
        if name.endswith(".gz"):
            return gzip.decompress(raw)
        if name.endswith(".xz"):
            return lzma.decompress(raw)
        if name.endswith(".bz2"):
            return bz2.decompress(raw)
    except (OSError, lzma.LZMAError, EOFError) as exc:
        raise CorpusError(f"{name}: cannot decompress: {exc}") from exc
    return raw


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CorpusError(
            f"{name}: invalid UTF-8 at line {line}, byte offset {exc.start} "
            f"(byte 0x{raw[exc.start]:02x}); re-encode the file as UTF-8"
        ) from exc


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return _decode(_decompress(raw, path.name), str(path))


def sentences_from_text(text: str) -> list[list[str]]:
    """One sentence per line, tokenised by :func:`tokenize`; empty lines are skipped."""
    out = []
    for line in text.splitlines():
        toks = tokenize(line)
        if toks:
            out.append(toks)
    return out


def sentences_from_sst(text: str, name: str = SST_FILE) -> list[list[str]]:
    """``datasetSentences.txt``: a header, then ``index<TAB>sentence`` per line, whitespace tokens."""
    out = []
    lines = text.splitlines()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        index, sep, sentence = line.partition("\t")
        if not sep or not index.strip().isdigit():
            raise CorpusError(f"{name}: line {number} is not 'index<TAB>sentence'")
        toks = [w.lower() for w in sentence.split()]
        if toks:
            out.append(toks)
    return out


def read_default() -> list[list[str]]:
    """The embedded King James Bible (public domain), one verse per sentence."""
    raw = resources.files("symw2v.train").joinpath("data").joinpath(DEFAULT_CORPUS_FILE).read_bytes()
    return sentences_from_text(_decode(lzma.decompress(raw), DEFAULT_CORPUS_FILE))


def load_corpus(spec: str | Path | None) -> tuple[str, list[list[str]]]:
    """Read a corpus: ``None``/``"default"``, an SST folder or file, or a plain-text file.

    Returns ``(description, sentences)``. Raises :class:`CorpusError` for anything unusable,
    including a corpus with no tokens at all."""
    if spec is None or str(spec) == DEFAULT_CORPUS:
        name, sentences = "default corpus (King James Bible)", read_default()
    else:
        path = Path(spec)
        if path.is_dir():
            if not (path / SST_FILE).is_file():
                raise CorpusError(f"{path}: a folder must hold {SST_FILE} (Stanford Sentiment Treebank layout)")
            path = path / SST_FILE
        if not path.exists():
            raise CorpusError(f"{path}: no such file")
        text = _read_text(path)
        if path.name == SST_FILE:
            name, sentences = f"SST {path}", sentences_from_sst(text, str(path))
        else:
            name, sentences = str(path), sentences_from_text(text)
    if not sentences:
        raise CorpusError(f"{name}: the corpus is empty (no tokens)")
    return name, sentences
