"""--threads N with the Numba backend: Hogwild rounds, resolution, quality, divergence, exact one thread."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba", reason="numba is not installed (the optional extra symw2v[fast])")

from symw2v.train import checkpoint as ckpt  # noqa: E402
from symw2v.train.hogwild import ROUND_BLOCKS, Hogwild, available_cores  # noqa: E402
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


@pytest.mark.parametrize(("first", "last", "threads", "per_thread"), [(0, 20, 2, 4), (3, 5, 3, 4), (7, 7, 2, 1)])
def test_rounds_cover_the_blocks_once_in_order(first, last, threads, per_thread):
    hogwild = Hogwild(threads, per_thread)
    try:
        rounds = list(hogwild.rounds(first, last))
        assert [g for r in rounds for g in r] == list(range(first, last))
        assert all(len(r) <= threads * per_thread for r in rounds)
        seen = []
        for r in rounds:  # each block trained once, by whichever thread is free; results in block order
            assert hogwild.run_round(r, lambda g: seen.append(g) or -g) == [-g for g in r]
        assert sorted(seen) == list(range(first, last))
    finally:
        hogwild.close()


def test_a_failing_block_stops_the_round_and_is_raised():
    def train(g):
        if g == 2:
            raise ZeroDivisionError("block 2")
        return g

    hogwild = Hogwild(2, 4)
    try:
        with pytest.raises(ZeroDivisionError, match="block 2"):
            hogwild.run_round(range(8), train)
    finally:
        hogwild.close()


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


def test_hogwild_reports_after_each_round_and_stops_where_asked():
    seen = []
    tr = _trainer(threads=2, block_words=200)
    assert tr.total_blocks > 11
    tr.run(on_block=lambda t: seen.append((t.state.block, len(t.state.history))), max_blocks=11)
    assert ROUND_BLOCKS == 4 and seen == [(8, 8), (11, 11)]  # rounds of 2 threads x 4 blocks, then the rest
    assert [h[0] for h in tr.state.history] == list(range(11))
    tr.run()
    assert tr.done and tr.state.block == tr.total_blocks
