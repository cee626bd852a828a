"""--threads N with the Numba backend: Hogwild chunks, resolution, quality, divergence, exact one thread."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba", reason="numba is not installed (the optional extra symw2v[fast])")

from symw2v.train import checkpoint as ckpt  # noqa: E402
from symw2v.train.hogwild import available_cores, chunk_starts  # noqa: E402
from symw2v.train.loop import DivergedError, TrainConfig, Trainer, TrainingError  # noqa: E402
from symw2v.train.vocab import Vocab  # noqa: E402
from tests.test_train import group_purity, planted_corpus  # noqa: E402


def _trainer(sentences=None, **kw) -> Trainer:
    sentences = planted_corpus(600) if sentences is None else sentences
    base = dict(dim=16, window=2, negative=3, sample=0, min_count=1, epochs=3, lr=0.05, block_words=1000,
                backend="numba")
    config = TrainConfig(**dict(base, **kw))
    vocab = Vocab.build(sentences, 1)
    return Trainer(config, vocab, *vocab.encode(sentences))


@pytest.mark.parametrize(("n", "batch", "every", "threads"),
                         [(100, 1, 16, 2), (7, 4, 6, 3), (3, 1, 1, 4), (0, 1, 16, 2)])
def test_chunks_cover_the_minibatches_and_start_where_the_loss_is_sampled(n, batch, every, threads):
    cuts = chunk_starts(n, batch, every, threads)
    assert len(cuts) == threads + 1 and cuts[0] == 0 and cuts[-1] == n and np.all(np.diff(cuts) >= 0)
    assert all(c * batch % every == 0 for c in cuts[:-1])


def test_threads_resolve_to_the_cores_with_numba_and_one_elsewhere():
    assert _trainer().config.threads == available_cores()
    assert _trainer(threads=3).config.threads == 3
    assert _trainer(backend="numpy").config.threads == 1
    assert _trainer(iterations=20, block_iterations=10, centres=5).config.threads == 1
    with pytest.raises(TrainingError, match="Hogwild"):
        _trainer(backend="numpy", threads=2)


def test_hogwild_recovers_the_planted_structure_and_counts_every_pair():
    one, many = _trainer(threads=1), _trainer(threads=3)
    assert group_purity(many) < 0.9
    one.run()
    many.run()
    assert group_purity(many) == 1.0 and np.isfinite(many.W_in).all()
    assert (many.state.pairs, many.state.words, many.state.iteration) == (one.state.pairs, one.state.words,
                                                                          one.state.iteration)
    assert [h[:3] for h in many.state.history] == [h[:3] for h in one.state.history]
    np.testing.assert_allclose([h[3] for h in many.state.history], [h[3] for h in one.state.history], rtol=0.2)


def test_one_thread_resumes_bit_identically_and_a_checkpoint_does_not_pin_the_threads(tmp_path):
    whole = _trainer(threads=1)
    whole.run()
    first = _trainer(threads=1)
    first.run(max_blocks=2)
    ckpt.save(first, tmp_path / "c.ckpt")
    second = _trainer(threads=1)
    ckpt.restore(second, tmp_path / "c.ckpt")
    second.run()
    assert np.array_equal(second.W_in, whole.W_in) and np.array_equal(second.W_out, whole.W_out)
    more = _trainer(threads=2)
    ckpt.restore(more, tmp_path / "c.ckpt")  # not refused: the thread count is not pinned
    more.run()
    assert more.done and np.isfinite(more.W_in).all()


def test_a_diverging_hogwild_run_is_caught():
    with pytest.raises(DivergedError, match="diverged"):
        _trainer(threads=2, lr=1e30).run()
