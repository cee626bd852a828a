"""The Numba target equals the NumPy target: the generated per-example kernels on random inputs
(repeated samples included, float32 and float64), the fused SGD step against the NumPy step
(gather, kernel, scatter_rows), and training with --backend numba against --backend numpy.
Small shapes, and the compiled functions are cached (cache=True), so this file stays fast."""

from __future__ import annotations

import numpy as np
import pytest

numba = pytest.importorskip("numba", reason="numba is not installed (the optional extra symw2v[fast])")

import symw2v.kernels as KERNELS  # noqa: E402
from symw2v.kernels import generate  # noqa: E402
from symw2v.train.loop import DivergedError, TrainConfig, Trainer, TrainingError  # noqa: E402
from symw2v.train.vocab import Vocab  # noqa: E402
from tests.test_train import planted_corpus  # noqa: E402

NB = KERNELS.numba_module()
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def test_numba_module_is_current_and_printed_from_the_same_claims():
    assert generate.recorded_key(generate.GENERATED_NUMBA) == generate.key(), "run python -m symw2v.kernels.generate"
    text = generate.GENERATED_NUMBA.read_text(encoding="utf-8")
    for claim in ("g2_neg_sampling_reuse.toml:g2.loss [proved]", "g2_neg_sampling_reuse.toml:g2.samples [proved]",
                  "h_repeated_samples.toml:h [proved]", "stability.toml:sigma.exp [proved]"):
        assert claim in text


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(4))
def test_numba_kernel_equals_numpy_kernel(dtype, seed):
    rng = np.random.default_rng(seed)
    B, K, d, V = 6, 4, 7, 5
    U = rng.uniform(-3, 3, (V, d)).astype(dtype)
    v_c = rng.uniform(-3, 3, (B, d)).astype(dtype)
    o = rng.integers(0, V, B)
    ws = rng.integers(0, V, (B, K))
    ws[0] = ws[0, 0]  # a row of K repeats of one sample
    args = (v_c, U[o], U[ws])
    before = [a.copy() for a in args]
    got, want = NB.neg_sampling(*args), KERNELS.neg_sampling(*args)
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)  # inputs unchanged
    for x, y in zip(got, want, strict=True):
        assert x.dtype == dtype and x.shape == y.shape
        np.testing.assert_allclose(x, y, **TOL[dtype])


def test_numba_kernel_is_finite_at_large_scores():
    v_c = np.full((1, 2), 40.0)
    u_o, u_neg = np.full((1, 2), -20.0), np.full((1, 3, 2), 20.0)  # scores -1600 and +1600
    for x, y in zip(NB.neg_sampling(v_c, u_o, u_neg), KERNELS.neg_sampling(v_c, u_o, u_neg), strict=True):
        assert np.isfinite(x).all()
        np.testing.assert_allclose(x, y, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_sgd_equals_numpy_steps_with_repeats(dtype):
    rng = np.random.default_rng(3)
    V, d, K, n = 6, 5, 3, 40  # few words: every minibatch repeats rows (centres, contexts and negatives)
    W_in, W_out = rng.uniform(-1, 1, (V, d)).astype(dtype), rng.uniform(-1, 1, (V, d)).astype(dtype)
    centre, context = rng.integers(0, V, n), rng.integers(0, V, n)
    negs = rng.integers(0, V, (n, K))
    bounds = np.array([0, 16, 17, 33, 40])
    steps = np.array([-0.1, -0.05, -0.2, -0.01], dtype=dtype)
    A_in, A_out = W_in.copy(), W_out.copy()
    losses = np.zeros(4)
    assert NB.neg_sampling_sgd(A_in, A_out, centre, context, negs, bounds, steps, 1, losses) == 4
    for m in range(4):
        sl = slice(bounds[m], bounds[m + 1])
        loss, g_vc, g_uo, g_uneg = KERNELS.neg_sampling(W_in[centre[sl]], W_out[context[sl]], W_out[negs[sl]])
        KERNELS.scatter_rows(W_in, centre[sl], g_vc * steps[m])
        KERNELS.scatter_rows(W_out, context[sl], g_uo * steps[m])
        KERNELS.scatter_rows(W_out, negs[sl].reshape(-1), (g_uneg * steps[m]).reshape(-1, d))
        np.testing.assert_allclose(losses[m], loss.sum(), rtol=1e-5)
    np.testing.assert_allclose(A_in, W_in, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(A_out, W_out, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("every", [1, 2])
def test_fused_sgd_stops_before_a_non_finite_minibatch(every):
    W_in, W_out = np.ones((4, 2)), np.ones((4, 2))
    W_out[2] = np.nan
    losses = np.zeros(2)
    # every=2: pair 1's loss is not computed; its NaN shows in its gradient factors
    done = NB.neg_sampling_sgd(W_in, W_out, np.array([0, 1]), np.array([1, 2]), np.array([[3], [3]]),
                               np.array([0, 1, 2]), np.array([-0.1, -0.1]), every, losses)
    assert done == 1 and np.isfinite(losses[0]) and (np.isnan(losses[1]) if every == 1 else losses[1] == 0)
    assert np.isfinite(W_in).all()  # the NaN minibatch was not applied
    assert np.isnan(W_out[2]).all() and np.isfinite(np.delete(W_out, 2, 0)).all()


def test_fused_sgd_sums_the_loss_of_every_kth_pair():
    rng = np.random.default_rng(5)
    V, d, K, n = 7, 4, 2, 9
    W_in, W_out = rng.uniform(-1, 1, (V, d)), rng.uniform(-1, 1, (V, d))
    centre, context, negs = rng.integers(0, V, n), rng.integers(0, V, n), rng.integers(0, V, (n, K))
    bounds = np.array([0, n])  # one minibatch: every loss is taken at the same parameters
    per_pair = KERNELS.neg_sampling(W_in[centre], W_out[context], W_out[negs])[0]
    for every in (1, 3, 4):
        losses = np.zeros(1)
        NB.neg_sampling_sgd(W_in.copy(), W_out.copy(), centre, context, negs, bounds, np.array([-0.1]), every, losses)
        np.testing.assert_allclose(losses[0], per_pair[::every].sum(), rtol=1e-12)


def _trainer(backend, **kw):
    sents = planted_corpus(300)
    kw = dict(dict(dim=8, window=2, negative=3, sample=0, min_count=1, epochs=1, batch=16, lr=0.05, block_words=500,
                   threads=1),
              **kw)
    config = TrainConfig(backend=backend, **kw)
    vocab = Vocab.build(sents, 1)
    stream, offsets = vocab.encode(sents)
    return Trainer(config, vocab, stream, offsets)


@pytest.mark.parametrize("mode", [{}, dict(batch=1), dict(iterations=30, block_iterations=10, centres=5)])
def test_training_with_numba_equals_training_with_numpy(mode):
    a, b = _trainer("numba", dtype="float64", **mode), _trainer("numpy", dtype="float64", negatives="pair", **mode)
    assert a.config.backend == "numba" and b.config.backend == "numpy" and a.fingerprint() != b.fingerprint()
    a.run()
    b.run()
    assert a.state.iteration == b.state.iteration and a.state.pairs == b.state.pairs
    np.testing.assert_allclose(a.W_in, b.W_in, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.W_out, b.W_out, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([h[3] for h in a.state.history], [h[3] for h in b.state.history], rtol=1e-9)


def test_backend_resolution():
    assert _trainer("auto").config.backend == "numba"
    with pytest.raises(TrainingError, match="negative sampling only"):
        _trainer("numba", loss="softmax")
    with pytest.raises(TrainingError, match="backend must be"):
        _trainer("cuda")


def test_numba_defaults_to_per_pair_sgd_and_numpy_to_minibatches_of_windows():
    numba, numpy = _trainer("numba", batch=0).config, _trainer("numpy", batch=0).config
    assert (numba.negatives, numba.batch) == ("pair", 1)
    assert (numpy.negatives, numpy.batch) == ("window", 512)
    assert _trainer("numpy", batch=0, negatives="pair").config.batch == 1024
    with pytest.raises(TrainingError, match="--backend numpy"):
        _trainer("numba", negatives="window")


def test_background_sampling_gives_the_result_of_block_by_block_training():
    a, b = _trainer("numba", batch=0), _trainer("numba", batch=0)
    a.run()  # samples block g + 1 in a thread while block g trains
    while not b.done:
        b.run_block()
    assert np.array_equal(a.W_in, b.W_in) and np.array_equal(a.W_out, b.W_out)
    assert a.state.history == b.state.history


def test_a_diverging_numba_run_is_caught():
    with pytest.raises(DivergedError, match="diverged"):
        _trainer("numba", batch=0, lr=1e30, epochs=3).run()
