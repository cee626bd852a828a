"""symw2v.cs224n: the course's names, signatures and shapes (V != D, so a transposed result
fails), and a numerical gradient check of its own gradients, repeats of negative samples included."""

from __future__ import annotations

import random

import numpy as np
import pytest

from symw2v import cs224n

V, D = 7, 3  # non-square: (D, V) instead of (V, D) fails the shape assertions


class Dataset:
    """Like the course's dummy dataset: sampleTokenIdx draws from a seeded ``random``."""

    def __init__(self, seed=0, vocab=V):
        self.rng = random.Random(seed)
        self.vocab = vocab

    def sampleTokenIdx(self):  # noqa: N802
        return self.rng.randint(0, self.vocab - 1)

    def reseeded(self, seed):
        self.rng.seed(seed)
        return self


def _numerical(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for pos in np.ndindex(x.shape):
        old = x[pos]
        x[pos] = old + h
        plus = f(x)
        x[pos] = old - h
        minus = f(x)
        x[pos] = old
        grad[pos] = (plus - minus) / (2 * h)
    return grad


PAIRS = [
    lambda c, o, U, ds: cs224n.naiveSoftmaxLossAndGradient(c, o, U, ds),
    lambda c, o, U, ds: cs224n.negSamplingLossAndGradient(c, o, U, ds, K=10),
]


@pytest.mark.parametrize("pair", PAIRS, ids=["naive_softmax", "neg_sampling"])
def test_pair_shapes_and_gradient_check(pair):
    rng = np.random.default_rng(0)
    c, U = rng.standard_normal(D), rng.standard_normal((V, D))
    c0, U0 = c.copy(), U.copy()
    ds = Dataset()
    loss, g_c, g_U = pair(c, 2, U, ds.reseeded(5))
    assert isinstance(loss, float)
    assert g_c.shape == (D,) and g_U.shape == (V, D)
    np.testing.assert_array_equal(c, c0)
    np.testing.assert_array_equal(U, U0)
    num_c = _numerical(lambda x: pair(x, 2, U, ds.reseeded(5))[0], c.copy())
    num_U = _numerical(lambda x: pair(c, 2, x, ds.reseeded(5))[0], U.copy())
    np.testing.assert_allclose(g_c, num_c, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g_U, num_U, rtol=1e-5, atol=1e-7)


def test_negative_samples_never_the_outside_word_and_repeats_counted():
    ds = Dataset(seed=3, vocab=3)
    samples = cs224n.getNegativeSamples(1, ds, 50)
    assert len(samples) == 50 and 1 not in samples and len(set(samples)) < 50
    # K = 10 samples from 3 words: repeats are certain; the gradient check above counts them,
    # and so does the closed form here: row w of the gradient is count(w) * sigma(u_w.v_c) v_c.
    rng = np.random.default_rng(1)
    c, U = rng.standard_normal(D), rng.standard_normal((3, D))
    _, _, g_U = cs224n.negSamplingLossAndGradient(c, 1, U, ds.reseeded(9), K=10)
    drawn = cs224n.getNegativeSamples(1, ds.reseeded(9), 10)
    for w in (0, 2):
        expect = drawn.count(w) * cs224n.sigmoid(U[w] @ c) * c
        np.testing.assert_allclose(g_U[w], expect, rtol=1e-10)


@pytest.mark.parametrize("pair", ["naive", "neg"])
def test_skipgram_shapes_and_gradient_check(pair):
    words = list("abcdefg")
    word2Ind = {w: i for i, w in enumerate(words)}  # noqa: N806
    rng = np.random.default_rng(2)
    C, U = rng.standard_normal((V, D)), rng.standard_normal((V, D))  # noqa: N806
    fn = cs224n.naiveSoftmaxLossAndGradient if pair == "naive" else cs224n.negSamplingLossAndGradient
    ds = Dataset()
    outside = ["a", "b", "b", "g"]

    def run(C, U, seed=4):  # noqa: N803
        return cs224n.skipgram("c", 2, outside, word2Ind, C, U, ds.reseeded(seed), fn)

    loss, g_C, g_U = run(C, U)  # noqa: N806
    assert g_C.shape == (V, D) and g_U.shape == (V, D)
    assert np.all(np.delete(g_C, word2Ind["c"], axis=0) == 0)
    np.testing.assert_allclose(g_C, _numerical(lambda x: run(x, U)[0], C.copy()), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g_U, _numerical(lambda x: run(C, x)[0], U.copy()), rtol=1e-5, atol=1e-7)
    # the batched default path equals the course's per-word loop
    if pair == "naive":
        total, loop_C, loop_U = 0.0, np.zeros_like(C), np.zeros_like(U)  # noqa: N806
        for w in outside:
            lo, gc, gu = fn(C[word2Ind["c"]], word2Ind[w], U, ds)
            total, loop_C[word2Ind["c"]], loop_U = total + lo, loop_C[word2Ind["c"]] + gc, loop_U + gu  # noqa: N806
        np.testing.assert_allclose(loss, total)
        np.testing.assert_allclose(g_C, loop_C)
        np.testing.assert_allclose(g_U, loop_U)


def test_sigmoid_shapes():
    x = np.linspace(-5, 5, 6).reshape(2, 3)
    assert cs224n.sigmoid(x).shape == (2, 3)
    np.testing.assert_allclose(cs224n.sigmoid(x), 1 / (1 + np.exp(-x)))
