"""The vocabulary: words with counts, in a deterministic order, and the corpus as integer ids."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Vocab:
    """Words sorted by decreasing count, ties by the word itself (so ids never depend on hash order)."""

    words: tuple[str, ...]
    counts: np.ndarray  # int64 (V,)

    @classmethod
    def build(cls, sentences: Iterable[list[str]], min_count: int = 1, max_size: int | None = None) -> Vocab:
        return cls.from_counts(Counter(w for s in sentences for w in s), min_count, max_size)

    @classmethod
    def from_counts(cls, counter: Counter[str], min_count: int = 1, max_size: int | None = None) -> Vocab:
        items = sorted(((w, c) for w, c in counter.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
        if max_size is not None:
            items = items[:max_size]
        return cls(tuple(w for w, _ in items), np.array([c for _, c in items], dtype=np.int64))

    def __len__(self) -> int:
        return len(self.words)

    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def encode(self, sentences: Iterable[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The corpus as one int32 id stream plus sentence start offsets (length n_sentences + 1).

        Words outside the vocabulary are dropped, as word2vec does; sentences left empty vanish. One
        pass, 4 bytes per id and 8 per sentence (no Python int per token)."""
        index = self.index()
        ids = array("i")
        offsets = array("q", [0])
        for s in sentences:
            ids.extend([index[w] for w in s if w in index])
            if len(ids) > offsets[-1]:
                offsets.append(len(ids))
        return np.frombuffer(ids, dtype=np.int32), np.frombuffer(offsets, dtype=np.int64)
