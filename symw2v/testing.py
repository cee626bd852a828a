"""Hypothesis strategies and a fake dataset for testing word2vec gradient code in pytest.

``shapes()`` draws (V, D) vocabularies and dimensions, ``arrays(dtype, shape)`` small-valued
float arrays, ``index_lists(n, size)`` index lists with a repeat forced (where ``G[idx] += g``
loses one), ``negative_draws(o, V, K)`` what a dataset hands ``getNegativeSamples`` (repeats
forced, the outside word sometimes drawn and to be rejected). :class:`FakeDataset` is the
course's ``dataset`` object: ``sampleTokenIdx()`` returns given draws, then a seeded RNG's.
``symw2v gradcheck`` (:mod:`symw2v.gradcheck`) is built on these, and
:func:`assert_word2vec` runs it from a test::

    from hypothesis import given
    from symw2v.testing import assert_word2vec, index_lists

    def test_my_word2vec():
        assert_word2vec("word2vec.py")

    @given(index_lists(4, 3))
    def test_scatter_counts_repeats(idx): ...
"""

from __future__ import annotations

import random

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

DTYPES = (np.float64, np.float32)
BOUND = 2.0  # entries in [-BOUND, BOUND]: scores stay moderate, so any sound formula is accurate


def assert_word2vec(path: str, examples: int = 200, timeout: float = 120.0) -> None:
    """``symw2v gradcheck path`` as an assertion: AssertionError with its report unless every
    function passes."""
    from .gradcheck import gradcheck
    from .report.gradcheck import render

    outcome = gradcheck(path, examples, timeout)
    assert outcome.status == 0, render(outcome)


class FakeDataset:
    """``sampleTokenIdx()`` returns ``draws`` in order, then integers in [0, vocab) from a
    ``random.Random(seed)``; every index handed out is recorded in ``drawn``."""

    def __init__(self, draws: list[int], vocab: int, seed: int = 0):
        self.queue, self.vocab = list(draws), vocab
        self.rng = random.Random(seed)
        self.drawn: list[int] = []

    def sampleTokenIdx(self) -> int:  # noqa: N802 (the course's name)
        idx = self.queue.pop(0) if self.queue else self.rng.randrange(self.vocab)
        self.drawn.append(idx)
        return idx


def shapes(max_vocab: int = 6, max_dim: int = 5) -> st.SearchStrategy[tuple[int, int]]:
    """(V, D) with 2 <= V <= max_vocab (a negative sample needs a word besides the outside one)."""
    return st.tuples(st.integers(2, max_vocab), st.integers(1, max_dim))


def dtypes() -> st.SearchStrategy[type]:
    return st.sampled_from(DTYPES)


def arrays(dtype, shape, bound: float = BOUND) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``shape`` with finite entries in [-bound, bound] representable in ``dtype``."""
    width = np.dtype(dtype).itemsize * 8
    return hnp.arrays(dtype, shape, elements=st.floats(-bound, bound, width=width))


@st.composite
def index_lists(draw, length: int, size: int, exclude: int | None = None, repeats: bool = True) -> list[int]:
    """``length`` indices in [0, size) (never ``exclude``); with ``repeats``, one value occurs at
    least twice whenever ``length >= 2``."""
    values = st.integers(0, size - 1).filter(lambda i: i != exclude)
    if not repeats or length < 2:
        return draw(st.lists(values, min_size=length, max_size=length))
    out = draw(st.lists(values, min_size=length - 1, max_size=length - 1))
    out.insert(draw(st.integers(0, length - 1)), out[draw(st.integers(0, length - 2))])
    return out


@st.composite
def negative_draws(draw, outside: int, vocab: int, k: int) -> list[int]:
    """What ``getNegativeSamples`` should read from the dataset: ``k`` samples with a repeat
    forced, with the outside word (to be rejected) inserted before some of them."""
    samples = draw(index_lists(k, vocab, exclude=outside))
    out: list[int] = []
    for s in samples:
        out.extend([outside] * draw(st.integers(0, 1)) + [s])
    return out
