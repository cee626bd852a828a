"""Corpora: plain text, the Stanford Sentiment Treebank layout, and the embedded default corpus.

A corpus is an iterable of sentences, each a list of string tokens, read again from its source on
every iteration (the vocabulary is counted in one pass, the ids written in a second), in bounded
memory whatever its size and line lengths. Three readers:

* **plain text** (``.txt``, optionally ``.gz``/``.xz``/``.bz2`` compressed): one sentence per line,
  tokenised by :func:`tokenize`: the line is lower-cased and its tokens are the maximal runs of
  letters and digits, keeping apostrophes *inside* a word (``don't``, ``lord's``). Everything else
  (punctuation, dashes, underscores, whitespace) separates tokens and is dropped. Unicode letters
  count as letters (``café`` is one token). The file is read in chunks of ``CHUNK_BYTES``; a line
  longer than a chunk is tokenised up to its last whitespace or punctuation as it arrives, and cut
  into sentences of ``MAX_SENTENCE_WORDS`` words (as gensim does), so memory is bounded by a
  chunk, a sentence and the longest run of text without whitespace or punctuation.
* **Stanford Sentiment Treebank** (a folder holding ``datasetSentences.txt``, or that file itself):
  a header line, then ``index<TAB>sentence``; sentences are already tokenised, so tokens are the
  whitespace-separated words, lower-cased, as the CS224N starter code reads them (a 1 MB file,
  read whole).
* **the embedded default corpus** (``default``): the King James Bible, one verse per line, shipped
  compressed inside the package (``symw2v/train/data``), tokenised like plain text.

Invalid UTF-8 stops with a :class:`CorpusError` naming the line and byte offset.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import BinaryIO

DEFAULT_CORPUS = "default"
DEFAULT_CORPUS_FILE = "kjv.txt.xz"
SST_FILE = "datasetSentences.txt"
CHUNK_BYTES = 1 << 16
MAX_SENTENCE_WORDS = 10_000  # a longer line is cut into sentences of this many words (gensim's limit)

_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
# Where a long line may be cut without changing its tokens: after its last whitespace or ASCII
# punctuation that is in no token and is not case-ignorable (``'.:^`_`` are left out: lower-casing
# reads across those, for the Greek final sigma). Greedy ``.*`` then backtracking: one pass from the end.
_CUT = re.compile(r".*[\s!\"#$%&()*+,\-/;<=>?@\[\\\]{|}~]", re.S)
# what str.splitlines() ends a line at
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
# how a file is opened, by its suffix: the decompressed bytes as a stream
_OPENERS: dict[str, Callable[[Path], BinaryIO]] = {
    ".gz": lambda p: gzip.open(p, "rb"),
    ".xz": lambda p: lzma.open(p, "rb"),
    ".bz2": lambda p: bz2.open(p, "rb"),
}
# what a damaged compressed stream raises while it is read
_DECOMPRESS_ERRORS = (OSError, lzma.LZMAError, EOFError, gzip.BadGzipFile)


class CorpusError(ValueError):
    """A corpus that cannot be trained on (missing, empty, undecodable, too small)."""


def tokenize(line: str) -> list[str]:
    """Lower-case ``line`` and return its words: runs of letters/digits with inner apostrophes."""
    return [t.replace("\u2019", "'") for t in _TOKEN.findall(line.lower())]


@dataclass(frozen=True)
class Corpus:
    """A named, re-iterable corpus: every ``iter()`` reads the source again with ``sentences()``."""

    name: str
    sentences: Callable[[], Iterator[list[str]]]
    path: Path | None = None  # the file read, if one (the embedded corpus is none)

    def __iter__(self) -> Iterator[list[str]]:
        return self.sentences()


def _decoded(stream: BinaryIO, name: str, chunk_bytes: int) -> Iterator[str]:
    """The UTF-8 text of ``stream`` in pieces of about ``chunk_bytes`` (a character cut by a chunk's
    end is completed from the next); invalid UTF-8 raises CorpusError with its line and byte offset."""
    pending, offset, lines = b"", 0, 0
    while True:
        try:
            raw = stream.read(chunk_bytes)
        except _DECOMPRESS_ERRORS as exc:
            raise CorpusError(f"{name}: cannot decompress: {exc}") from exc
        data = pending + raw
        try:
            text, pending = data.decode("utf-8"), b""
        except UnicodeDecodeError as exc:
            if not (raw and exc.end == len(data) and exc.reason == "unexpected end of data"):
                line = lines + data.count(b"\n", 0, exc.start) + 1
                raise CorpusError(
                    f"{name}: invalid UTF-8 at line {line}, byte offset {offset + exc.start} "
                    f"(byte 0x{data[exc.start]:02x}); re-encode the file as UTF-8"
                ) from exc
            text, pending = data[: exc.start].decode("utf-8"), data[exc.start :]
        done = len(data) - len(pending)
        offset, lines = offset + done, lines + data.count(b"\n", 0, done)
        if not raw:
            return
        yield text


def _cut(text: str) -> int:
    """Where ``text`` (a long line's start) can be tokenised up to without changing its tokens (0: nowhere)."""
    m = _CUT.match(text)
    return m.end() if m else 0


def sentences_from_stream(stream: BinaryIO, name: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[list[str]]:
    """One sentence per line (``str.splitlines`` breaks), tokenised by :func:`tokenize`, a line longer than
    MAX_SENTENCE_WORDS words cut into sentences of that many; empty lines are skipped. Reads
    ``chunk_bytes`` at a time: the result does not depend on the chunk size."""
    carry = ""  # the current line's text not yet tokenised
    words: list[str] = []  # the current line's words not yet yielded
    for text in _decoded(stream, name, chunk_bytes):
        parts = (carry + text).splitlines(keepends=True)
        carry = parts.pop() if parts and parts[-1][-1] not in _LINE_BREAKS else ""
        for line in parts:
            words += tokenize(line)
            while words:
                yield words[:MAX_SENTENCE_WORDS]
                words = words[MAX_SENTENCE_WORDS:]
        if len(carry) > chunk_bytes:
            cut = _cut(carry)
            words += tokenize(carry[:cut])
            carry = carry[cut:]
            while len(words) >= MAX_SENTENCE_WORDS:
                yield words[:MAX_SENTENCE_WORDS]
                words = words[MAX_SENTENCE_WORDS:]
    words += tokenize(carry)
    while words:
        yield words[:MAX_SENTENCE_WORDS]
        words = words[MAX_SENTENCE_WORDS:]


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


def _open(path: Path) -> BinaryIO:
    try:
        return _OPENERS.get(path.suffix, lambda p: open(p, "rb"))(path)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _plain_text(path: Path) -> Corpus:
    def sentences() -> Iterator[list[str]]:
        with _open(path) as stream:
            yield from sentences_from_stream(stream, str(path), CHUNK_BYTES)

    return Corpus(str(path), sentences, path)


def _sst(path: Path) -> Corpus:
    def sentences() -> Iterator[list[str]]:
        with _open(path) as stream:
            text = "".join(_decoded(stream, str(path), CHUNK_BYTES))
        yield from sentences_from_sst(text, str(path))

    return Corpus(f"SST {path}", sentences, path)


def _default() -> Corpus:
    """The embedded King James Bible (public domain), one verse per sentence."""

    def sentences() -> Iterator[list[str]]:
        data = resources.files("symw2v.train").joinpath("data").joinpath(DEFAULT_CORPUS_FILE)
        with data.open("rb") as raw, lzma.open(raw, "rb") as stream:
            yield from sentences_from_stream(stream, DEFAULT_CORPUS_FILE, CHUNK_BYTES)

    return Corpus("default corpus (King James Bible)", sentences)


def load_corpus(spec: str | Path | None) -> tuple[str, Corpus]:
    """A corpus: ``None``/``"default"``, an SST folder or file, or a plain-text file.

    Returns ``(description, corpus)``, the corpus re-iterable (each iteration reads the source again).
    Raises :class:`CorpusError` for anything unusable, including a corpus with no tokens at all (found
    by reading up to its first token); a decoding error further on is raised while it is iterated."""
    if spec is None or str(spec) == DEFAULT_CORPUS:
        corpus = _default()
    else:
        path = Path(spec)
        if path.is_dir():
            if not (path / SST_FILE).is_file():
                raise CorpusError(f"{path}: a folder must hold {SST_FILE} (Stanford Sentiment Treebank layout)")
            path = path / SST_FILE
        if not path.exists():
            raise CorpusError(f"{path}: no such file")
        corpus = _sst(path) if path.name == SST_FILE else _plain_text(path)
    with closing(iter(corpus)) as sentences:
        empty = next(sentences, None) is None
    if empty:
        raise CorpusError(f"{corpus.name}: the corpus is empty (no tokens)")
    return corpus.name, corpus
