"""Evaluation of word vectors: nearest neighbours, word-pair similarity, analogies.

File formats (the ones gensim's test data ships):

* **word pairs** (WordSim-353 ``wordsim353.tsv``, SimLex-999 ``simlex999.txt``): lines
  ``word1<TAB>word2<TAB>score``; lines starting with ``#`` and lines whose third field is not a
  number (headers) are skipped. Result: Spearman's ρ between the human scores and the cosine
  similarities over the pairs whose two words are in the vocabulary, and the out-of-vocabulary
  share (pairs skipped / all pairs).
* **analogies** (``questions-words.txt``): ``: section`` lines, then ``a b c d`` meaning
  a : b :: c : d. A question counts when all four words are known; the answer is the nearest word
  (cosine) to ``b - a + c`` on unit vectors, excluding a, b and c (3CosAdd, as gensim), searched in
  the ``restrict`` most frequent words. Words are lower-cased (the tokenizers lower-case).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class EvalError(ValueError):
    """An evaluation file that cannot be read."""


class Embeddings:
    """Words with unit-normalised vectors (rows), in the file's order (most frequent first)."""

    def __init__(self, words: list[str], vectors: np.ndarray):
        self.words = list(words)
        self.index = {}
        for i, w in enumerate(self.words):
            self.index.setdefault(w.lower(), i)
        v = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        self.unit = v / np.where(norms > 0, norms, 1)

    def __contains__(self, word: str) -> bool:
        return word.lower() in self.index

    def similarity(self, a: str, b: str) -> float:
        return float(self.unit[self.index[a.lower()]] @ self.unit[self.index[b.lower()]])

    def neighbours(self, word: str, n: int = 10) -> list[tuple[str, float]]:
        i = self.index[word.lower()]
        sims = self.unit @ self.unit[i]
        sims[i] = -np.inf
        top = np.argsort(-sims, kind="stable")[:n]
        return [(self.words[j], float(sims[j])) for j in top]


def rankdata(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties getting their average rank (as scipy.stats.rankdata)."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    ends = np.r_[starts[1:], len(x)]
    avg = (starts + ends + 1) / 2.0  # mean of ranks start+1 .. end
    ranks = np.empty(len(x))
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def spearman(x, y) -> float:
    rx, ry = rankdata(x), rankdata(y)
    rx -= rx.mean()
    ry -= ry.mean()
    denom = np.sqrt((rx**2).sum() * (ry**2).sum())
    return float((rx * ry).sum() / denom) if denom > 0 else float("nan")


def _lines(path: str | Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="strict").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"{path}: cannot read: {exc}") from exc


def read_pairs(path: str | Path) -> list[tuple[str, str, float]]:
    pairs = []
    for line in _lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if len(parts) < 3:
            continue
        try:
            pairs.append((parts[0].strip(), parts[1].strip(), float(parts[2])))
        except ValueError:
            continue  # a header line
    if not pairs:
        raise EvalError(f"{path}: no 'word1<TAB>word2<TAB>score' lines")
    return pairs


@dataclass
class PairResult:
    name: str
    spearman: float
    used: int
    total: int

    @property
    def oov_share(self) -> float:
        return 1.0 - self.used / self.total


def word_pairs(emb: Embeddings, path: str | Path) -> PairResult:
    pairs = read_pairs(path)
    known = [(a, b, s) for a, b, s in pairs if a in emb and b in emb]
    if len(known) < 2:
        return PairResult(Path(path).name, float("nan"), len(known), len(pairs))
    human = [s for _, _, s in known]
    model = [emb.similarity(a, b) for a, b, _ in known]
    return PairResult(Path(path).name, spearman(human, model), len(known), len(pairs))


@dataclass
class AnalogyResult:
    name: str
    correct: int
    used: int
    total: int
    sections: dict = field(default_factory=dict)  # section -> (correct, used)

    @property
    def accuracy(self) -> float:
        return self.correct / self.used if self.used else float("nan")

    @property
    def oov_share(self) -> float:
        return 1.0 - self.used / self.total if self.total else float("nan")


def analogies(emb: Embeddings, path: str | Path, restrict: int = 30000) -> AnalogyResult:
    section, questions, total = "", [], 0
    for line in _lines(path):
        if line.startswith(":"):
            section = line[1:].strip()
            continue
        parts = line.lower().split()
        if len(parts) != 4:
            continue
        total += 1
        ids = [emb.index.get(w) for w in parts]
        if all(i is not None and i < restrict for i in ids):
            questions.append((section, ids))
    if total == 0:
        raise EvalError(f"{path}: no 'a b c d' analogy lines")
    result = AnalogyResult(Path(path).name, 0, len(questions), total)
    unit = emb.unit[:restrict]
    for start in range(0, len(questions), 1024):
        chunk = questions[start : start + 1024]
        q = np.array([ids for _, ids in chunk])
        target = unit[q[:, 1]] - unit[q[:, 0]] + unit[q[:, 2]]
        sims = target @ unit.T
        rows = np.arange(len(chunk))
        for col in range(3):
            sims[rows, q[:, col]] = -np.inf
        guess = sims.argmax(axis=1)
        for (sec, _), ok in zip(chunk, guess == q[:, 3], strict=True):
            c, u = result.sections.get(sec, (0, 0))
            result.sections[sec] = (c + int(ok), u + 1)
            result.correct += int(ok)
    return result
