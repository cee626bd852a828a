"""The randomness of training, one block at a time: which pairs or windows a block trains on, and
their negatives.

* :meth:`BlockSampler._pairs` (epoch mode, ``negatives="pair"``): the block of about ``block_words``
  corpus words (cut at sentence starts) is subsampled, gets its dynamic windows, and its (centre,
  context) pairs are shuffled; each pair draws ``negative`` negatives, none equal to its context.
* :meth:`BlockSampler._windows` (epoch mode, ``negatives="window"``): the same subsampled words and
  dynamic windows, kept in corpus order as slot masks; each window draws ``negative`` negatives,
  none of them a word of the window, shared by all its pairs (``j_window_shared.toml``).
* :meth:`BlockSampler._centres` (iteration mode, the CS224N course's): ``block_iterations`` minibatches
  of ``centres`` random centre words of a subsampled copy of the corpus, each with its own window.

All randomness of block ``g`` comes from ``numpy.random.default_rng([seed, mode, epoch, block])``,
so a block depends only on the seed and its number: a checkpoint taken between blocks resumes to
bit-identical parameters, and the next block can be drawn in a second thread while one trains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .sampling import UnigramSampler, keep_probabilities, window_pairs, window_slots

EPOCH_MODE, ITERATION_MODE = 1, 2


@dataclass
class Block:
    """The randomness of one block, drawn before it trains: pairs (``centre[p]``, ``context[p]``)
    with negatives ``negs[p]`` (None for naive softmax), cut into minibatches at ``bounds``
    (iteration mode; epoch mode cuts at every ``batch`` pairs); ``raw`` corpus words walked and
    ``words`` effective words (after subsampling)."""

    centre: np.ndarray
    context: np.ndarray
    negs: np.ndarray | None
    raw: int
    words: int
    bounds: np.ndarray | None = None


@dataclass
class WindowBlock:
    """The randomness of one block when a window shares its negatives: the subsampled ``ids`` (n,)
    in corpus order, ``slots`` (n, 2 window + 1) -- slot j of centre t, position t + j - window,
    holds one of its context words -- and ``negs`` (n, K); ``raw`` and ``words`` as in :class:`Block`."""

    ids: np.ndarray
    slots: np.ndarray
    negs: np.ndarray
    raw: int
    words: int



class BlockSampler:
    """Draws the blocks of a run: ``total_blocks`` of them, ``blocks_per_epoch`` per epoch. ``config``
    is the trainer's, already resolved (its ``negatives`` is ``pair`` or ``window``)."""

    def __init__(self, config, counts: np.ndarray, stream: np.ndarray, offsets: np.ndarray):
        self.config = c = config
        self.stream = stream
        self.offsets = offsets
        self.keep = keep_probabilities(counts, c.sample, c.subsample)
        self.sampler = UnigramSampler(counts) if c.loss == "neg" else None
        if c.iterations > 0:
            self.blocks_per_epoch = -(-c.iterations // c.block_iterations)
            self.total_blocks = self.blocks_per_epoch
        else:
            marks = np.arange(0, len(stream), c.block_words)
            starts = np.unique(offsets[np.searchsorted(offsets, marks)])
            self.block_starts = np.append(starts[starts < len(stream)], len(stream))
            self.blocks_per_epoch = len(self.block_starts) - 1
            self.total_blocks = self.blocks_per_epoch * c.epochs

    def sentence_of(self, lo: int, hi: int) -> np.ndarray:
        """The sentence number of each stream position ``lo..hi-1`` (computed per block: the stream may be
        a memory-mapped file larger than memory)."""
        first = int(np.searchsorted(self.offsets, lo, side="right")) - 1
        last = int(np.searchsorted(self.offsets, hi, side="left"))
        edges = np.clip(self.offsets[first : last + 1], lo, hi)
        return np.repeat(np.arange(first, last, dtype=np.int32), np.diff(edges))

    def sample(self, g: int) -> Block | WindowBlock:
        """Block ``g``'s randomness (it depends on nothing else: any block can be drawn in any thread)."""
        c = self.config
        if c.iterations > 0:
            return self._centres(g)
        return self._pairs(g) if c.negatives == "pair" else self._windows(g)

    def _subsampled(self, g: int) -> tuple[np.random.Generator, np.ndarray, np.ndarray, int]:
        """Block ``g``'s generator, then its word ids and sentence numbers after subsampling, and its
        corpus words walked."""
        c = self.config
        epoch, b = divmod(g, self.blocks_per_epoch)
        rng = np.random.default_rng([c.seed, EPOCH_MODE, epoch, b])
        lo, hi = int(self.block_starts[b]), int(self.block_starts[b + 1])
        ids, sent = np.asarray(self.stream[lo:hi]), self.sentence_of(lo, hi)
        kept = rng.random(hi - lo, dtype=np.float32) < self.keep[ids]
        return rng, ids[kept], sent[kept], hi - lo

    def _pairs(self, g: int) -> Block:
        c = self.config
        rng, ids, sent, raw = self._subsampled(g)
        _, cpos, xpos = window_pairs(sent, c.window, rng.integers(1, c.window + 1, size=len(ids)))
        order = rng.permutation(len(cpos))
        centre, context = ids[cpos[order]], ids[xpos[order]]
        if c.exclude_centre_word:
            keep = centre != context
            centre, context = centre[keep], context[keep]
        negs = self.sampler.draw_excluding(rng, context, c.negative) if self.sampler else None
        return Block(centre, context, negs, raw, len(ids))

    def _windows(self, g: int) -> WindowBlock:
        """Windows in corpus order (as word2vec walks them); each draws K negatives, none of them a
        context word of its window (as word2vec skips a negative equal to the pair's)."""
        c, w = self.config, self.config.window
        rng, ids, sent, raw = self._subsampled(g)
        slots = window_slots(sent, w, rng.integers(1, w + 1, size=len(ids)))
        padded = np.concatenate([np.full(w, -1, ids.dtype), ids, np.full(w, -1, ids.dtype)])
        words = sliding_window_view(padded, 2 * w + 1)  # words[t, j]: the word in slot j of centre t
        if c.exclude_centre_word:
            slots &= words != ids[:, None]
        context = np.where(slots, words, -1)
        return WindowBlock(ids, slots, self.sampler.draw_excluding(rng, context, c.negative), raw, len(ids))

    def _centres(self, g: int) -> Block:
        c = self.config
        rng = np.random.default_rng([c.seed, ITERATION_MODE, 0, g])
        kept = rng.random(len(self.stream), dtype=np.float32) < self.keep[self.stream]
        ids, sent = self.stream[kept], self.sentence_of(0, len(self.stream))[kept]
        # as the course's getRandomContext: a uniform sentence among those with >= 2 words left
        # after subsampling, then a uniform position in it
        lengths = np.bincount(sent, minlength=len(self.offsets) - 1)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        eligible = np.flatnonzero(lengths >= 2)
        if len(eligible) == 0:
            eligible = np.flatnonzero(lengths >= 1)
        n_it = min(c.block_iterations, c.iterations - g * c.block_iterations)
        chosen = eligible[rng.integers(0, len(eligible), size=n_it * c.centres)]
        positions = starts[chosen] + (rng.random(len(chosen)) * lengths[chosen]).astype(np.int64)
        rows, cpos, xpos = window_pairs(sent, c.window, rng.integers(1, c.window + 1, size=len(positions)), positions)
        centre, context = ids[cpos], ids[xpos]
        if c.exclude_centre_word:
            keep = centre != context
            rows, centre, context = rows[keep], centre[keep], context[keep]
        negs = self.sampler.draw_excluding(rng, context, c.negative) if self.sampler else None
        bounds = np.searchsorted(rows, np.arange(n_it + 1) * c.centres)
        return Block(centre, context, negs, n_it * c.centres, n_it * c.centres, bounds)
