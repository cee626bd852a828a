"""Randomness of skip-gram training: negatives, subsampling, dynamic windows.

* :class:`UnigramSampler` draws negatives from ``count^0.75`` with Walker/Vose's alias method: two
  arrays of V entries (a float32 threshold and an int32 alias, 8 bytes per word: 100 kB for a 12k
  vocabulary) instead of word2vec's 10^8-entry table, so it stays in cache; each draw is one uniform
  integer, one uniform float and one comparison.
* :func:`keep_probabilities` is the subsampling of frequent words, with word2vec's formula
  ``(sqrt(f/(t N)) + 1) (t N)/f`` or the paper's ``sqrt(t N / f)`` (what the CS224N starter uses).
* :func:`window_pairs` is word2vec's dynamic window: each centre position draws ``b`` uniformly in
  ``1..window`` and pairs with the words at distance ``<= b`` inside its own sentence (so nearer
  words are sampled more often); :func:`window_slots` gives the same windows as slot masks, for
  negatives shared by a window's pairs.
"""

from __future__ import annotations

import numpy as np


class UnigramSampler:
    """Draw word ids with probability proportional to ``counts ** power`` (alias method)."""

    def __init__(self, counts: np.ndarray, power: float = 0.75):
        weights = np.asarray(counts, dtype=np.float64) ** power
        if weights.size == 0 or not np.all(weights > 0):
            raise ValueError("every word needs a positive count")
        n = weights.size
        scaled = weights * (n / weights.sum())
        prob = np.ones(n, dtype=np.float64)
        alias = np.arange(n, dtype=np.int32)
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            prob[s] = scaled[s]
            alias[s] = g
            scaled[g] -= 1.0 - scaled[s]
            (small if scaled[g] < 1.0 else large).append(g)
        self.size = n
        self.prob = prob.astype(np.float32)
        self.alias = alias
        self.distribution = weights / weights.sum()

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        i = rng.integers(0, self.size, size=shape, dtype=np.int32)
        u = rng.random(size=shape, dtype=np.float32)
        return np.where(u < self.prob[i], i, self.alias[i])

    def draw_excluding(self, rng: np.random.Generator, exclude: np.ndarray, k: int) -> np.ndarray:
        """``(len(exclude), k)`` negatives, none equal to an id of its row of ``exclude`` (shape (N,) for
        one id per row, or (N, E) with -1 for no id); the offending draws are redrawn until none is
        left. Every row must leave a word to draw (the caller checks the vocabulary is large enough)."""
        if self.size < 2:
            raise ValueError("negatives that differ from the outside word need at least 2 words")
        exclude = exclude[:, None] if exclude.ndim == 1 else exclude
        negs = self.draw(rng, (exclude.shape[0], k))
        bad = np.zeros(negs.shape, dtype=bool)
        for j in range(exclude.shape[1]):  # column by column: no (N, k, E) temporary
            bad |= negs == exclude[:, j : j + 1]
        rows, cols = np.nonzero(bad)
        while rows.size:  # only the offending draws are redrawn and checked again (row-major order)
            negs[rows, cols] = self.draw(rng, (rows.size,))
            still = (negs[rows, cols][:, None] == exclude[rows]).any(axis=1)
            rows, cols = rows[still], cols[still]
        return negs


def keep_probabilities(counts: np.ndarray, sample: float, formula: str = "word2vec") -> np.ndarray:
    """Probability of keeping each occurrence of a word (1 everywhere when ``sample <= 0``)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones(counts.shape, dtype=np.float32)
    threshold = sample * counts.sum()
    if formula == "word2vec":
        keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    elif formula == "paper":
        keep = np.sqrt(threshold / counts)
    else:
        raise ValueError(f"unknown subsampling formula {formula!r}")
    return np.minimum(keep, 1.0).astype(np.float32)


def _window(
    sentence: np.ndarray, window: int, reduced: np.ndarray, centres: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(ctx, ok)``, both (len(centres), 2 window + 1): slot j of centre r is stream position
    ``ctx[r, j] = centres[r] + j - window``, a context word where ``ok[r, j]`` (the centre's own slot
    never is)."""
    n = sentence.shape[0]
    offsets = np.arange(-window, window + 1)
    ctx = centres[:, None] + offsets[None, :]
    ok = (np.abs(offsets)[None, :] <= np.asarray(reduced)[:, None]) & (ctx >= 0) & (ctx < n) & (offsets != 0)
    ok &= sentence[np.clip(ctx, 0, n - 1)] == sentence[centres][:, None]
    return ctx, ok


def window_pairs(
    sentence: np.ndarray, window: int, reduced: np.ndarray, centres: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of the dynamic window, as ``(rows, centre positions, context positions)``.

    ``sentence[i]`` is the sentence number of stream position ``i``; ``centres`` lists the centre
    positions (default: every position; repeats allowed) and ``reduced[r]`` in ``1..window`` is the
    window drawn for centre ``r``. Pairs come out grouped by centre, in the order of ``centres``;
    ``rows[p]`` says which centre pair ``p`` belongs to. A context never crosses a sentence."""
    centres = np.arange(sentence.shape[0]) if centres is None else np.asarray(centres)
    ctx, ok = _window(sentence, window, reduced, centres)
    rows, cols = np.nonzero(ok)
    return rows, centres[rows], ctx[rows, cols]


def window_slots(sentence: np.ndarray, window: int, reduced: np.ndarray) -> np.ndarray:
    """The same dynamic windows, for every position, as slots: ``(n, 2 window + 1)`` booleans, where
    slot ``j`` of centre ``t`` (stream position ``t + j - window``) holds a context word of ``t``."""
    return _window(sentence, window, reduced, np.arange(sentence.shape[0]))[1]
