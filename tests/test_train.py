"""Training: planted structure is recovered, runs are reproducible, resume is exact, sampling is right."""

from __future__ import annotations

import numpy as np
import pytest

import symw2v.kernels as KERNELS
from symw2v.train import checkpoint as ckpt
from symw2v.train.corpus import load_corpus, sentences_from_sst, tokenize
from symw2v.train.evaluate import Embeddings
from symw2v.train.loop import DivergedError, TrainConfig, Trainer, TrainingError
from symw2v.train.sampling import UnigramSampler, keep_probabilities, window_pairs, window_slots
from symw2v.train.vocab import Vocab

GROUP_A = ["cat", "dog", "cow", "horse"]
GROUP_B = ["red", "blue", "green", "yellow"]
CTX_A = ["eats", "runs", "sleeps", "barks", "grazes"]
CTX_B = ["paint", "shade", "colour", "bright", "dark"]


def planted_corpus(n: int = 1500, seed: int = 0) -> list[list[str]]:
    """Sentences of one group word among 3 context words of its own group: A words share contexts,
    B words share other contexts; A and B never meet."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        word, ctx = (GROUP_A, CTX_A) if rng.random() < 0.5 else (GROUP_B, CTX_B)
        s = list(rng.choice(ctx, 3))
        s.insert(int(rng.integers(0, 4)), str(rng.choice(word)))
        out.append(s)
    return out


def make_trainer(sentences, **kw) -> Trainer:
    base = dict(dim=16, window=2, negative=3, sample=0, min_count=1, epochs=3, batch=16, lr=0.05, block_words=1000)
    base.update(kw)
    config = TrainConfig(**base)
    vocab = Vocab.build(sentences, config.min_count)
    stream, offsets = vocab.encode(sentences)
    return Trainer(config, vocab, stream, offsets, kernels=KERNELS)


def group_purity(tr: Trainer) -> float:
    emb = Embeddings(list(tr.vocab.words), tr.W_in)
    hits = 0
    for group in (GROUP_A, GROUP_B):
        for w in group:
            nearest = [n for n, _ in emb.neighbours(w, 20) if n in GROUP_A + GROUP_B][:3]
            hits += sum(n in group for n in nearest)
    return hits / (3 * len(GROUP_A + GROUP_B))


@pytest.mark.parametrize(("loss", "negatives"), [("neg", "pair"), ("neg", "window"), ("softmax", "auto")])
def test_planted_structure_is_recovered(loss, negatives):
    tr = make_trainer(planted_corpus(), loss=loss, negatives=negatives, lr=0.05 if loss == "neg" else 0.1)
    assert tr.config.negatives == ("pair" if loss == "softmax" else negatives)
    assert group_purity(tr) < 0.9  # random initialisation: no structure yet
    tr.run()
    assert group_purity(tr) == 1.0
    first, last = tr.state.history[0][3], tr.state.history[-1][3]
    assert last < 0.85 * first


@pytest.mark.parametrize("negatives", ["pair", "window"])
def test_training_with_a_wrong_sign_does_not_recover_structure(negatives):
    """The planted test can fail: flip the centre gradient's sign (gradient ascent on v_c)."""

    class Flipped:
        scatter_rows = staticmethod(KERNELS.scatter_rows)
        scatter_scaled_rows = staticmethod(KERNELS.scatter_scaled_rows)
        fold_window_rows = staticmethod(KERNELS.fold_window_rows)

        @staticmethod
        def neg_sampling_factored(v_c, u_o, u_neg, with_loss=True):
            loss, g_vc, c_uo, c_uneg = KERNELS.neg_sampling_factored(v_c, u_o, u_neg, with_loss)
            return loss, -g_vc, c_uo, c_uneg

        @staticmethod
        def neg_sampling_shared_factored(v_c, u_ctx, u_neg, m, with_loss=True):
            loss, g_vc, c_ctx, c_neg = KERNELS.neg_sampling_shared_factored(v_c, u_ctx, u_neg, m, with_loss)
            return loss, -g_vc, c_ctx, c_neg

    tr = make_trainer(planted_corpus(), lr=0.05, negatives=negatives)
    tr.kernels = Flipped
    try:
        tr.run()
    except DivergedError:
        return
    assert group_purity(tr) < 1.0


def test_seeded_runs_are_reproducible_and_seeds_matter():
    a, b, c = (make_trainer(planted_corpus(300), epochs=1, seed=s) for s in (7, 7, 8))
    for t in (a, b, c):
        t.run()
    assert np.array_equal(a.W_in, b.W_in) and np.array_equal(a.W_out, b.W_out)
    assert not np.array_equal(a.W_in, c.W_in)
    assert a.W_in.dtype == np.float32


@pytest.mark.parametrize("mode", ["epochs", "epochs-window", "iterations"])
def test_resume_equals_uninterrupted(tmp_path, mode):
    sents = planted_corpus(600)
    kw = {
        "epochs": dict(block_words=300, negatives="pair"),
        "epochs-window": dict(block_words=300, negatives="window"),
        "iterations": dict(iterations=90, block_iterations=20, centres=5),
    }[mode]
    whole = make_trainer(sents, **kw)
    whole.run()
    first = make_trainer(sents, **kw)
    first.run(max_blocks=3)
    assert not first.done
    path = tmp_path / "run.ckpt"
    ckpt.save(first, path)
    second = make_trainer(sents, **kw)  # a fresh process would build exactly this
    ckpt.restore(second, path)
    second.run()
    assert second.state.block == whole.state.block and second.state.iteration == whole.state.iteration
    assert np.array_equal(second.W_in, whole.W_in)
    assert np.array_equal(second.W_out, whole.W_out)
    assert second.state.history == whole.state.history


def test_resume_refuses_another_corpus_or_settings(tmp_path):
    tr = make_trainer(planted_corpus(200), epochs=1)
    tr.run(max_blocks=1)
    path = tmp_path / "c.ckpt"
    ckpt.save(tr, path)
    with pytest.raises(ckpt.CheckpointError, match="another corpus or other settings"):
        ckpt.restore(make_trainer(planted_corpus(200), epochs=1, lr=0.1), path)
    path.write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(ckpt.CheckpointError, match="damaged or truncated"):
        ckpt.restore(tr, path)


def test_diverging_run_is_caught_and_not_checkpointed(tmp_path):
    tr = make_trainer(planted_corpus(300), lr=1e30)
    with pytest.raises(DivergedError, match="diverged"):
        tr.run()
    tr.W_in[0, 0] = np.nan
    with pytest.raises(ckpt.CheckpointError):
        ckpt.save(tr, tmp_path / "bad.ckpt")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"old")

    def broken(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        ckpt.atomic_write(path, broken)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


@pytest.mark.parametrize(
    ("sentences", "kw", "message"),
    [
        ([["a", "b", "c"]], dict(window=5), "smaller than one window"),
        ([["a"], ["b"], ["c"], ["d"], ["e"], ["f"], ["g"]], dict(window=2), "no sentence has two words"),
        ([["a", "b", "c", "a", "b", "c", "a"]], dict(window=2, negative=5), "too small for 5 negatives"),
        ([["a", "b", "c"]], dict(window=1, min_count=5), "nothing to train on"),
    ],
)
def test_bad_corpora_are_refused(sentences, kw, message):
    with pytest.raises(TrainingError, match=message):
        make_trainer(sentences, **kw)


def test_unigram_sampler_follows_count_to_the_075():
    counts = np.array([1000, 300, 100, 10, 1])
    s = UnigramSampler(counts)
    draws = s.draw(np.random.default_rng(0), (400_000,))
    freq = np.bincount(draws, minlength=5) / draws.size
    expected = counts**0.75 / (counts**0.75).sum()
    assert np.allclose(freq, expected, atol=3e-3)
    assert s.prob.nbytes + s.alias.nbytes == 8 * len(counts)  # O(V): stays in cache
    exclude = np.zeros(10_000, dtype=np.int32)
    negs = s.draw_excluding(np.random.default_rng(1), exclude, 5)
    assert negs.shape == (10_000, 5) and not (negs == 0).any()


def test_subsampling_keeps_rare_words_and_thins_frequent_ones():
    counts = np.array([100_000, 1000, 10])
    keep = keep_probabilities(counts, 1e-3)
    assert keep[2] == 1.0 and keep[0] < 0.2 and keep[0] < keep[1] <= 1.0
    assert np.all(keep_probabilities(counts, 0) == 1)


def test_dynamic_window_stays_in_sentence_and_within_reduced_window():
    sentence = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    reduced = np.array([1, 3, 2, 1, 3, 1, 2, 3, 1, 2])
    rows, c, x = window_pairs(sentence, 3, reduced)
    assert np.all(sentence[c] == sentence[x])
    assert np.all(np.abs(c - x) <= reduced[c]) and np.all(c != x)
    full = {(i, j) for i in range(10) for j in range(10) if i != j and sentence[i] == sentence[j]
            and abs(i - j) <= reduced[i]}
    assert set(zip(c.tolist(), x.tolist(), strict=True)) == full
    assert np.array_equal(c, rows)  # grouped by centre


def test_tokenizer_and_readers():
    assert tokenize("The LORD's house -- isn't it_so? Café, 1611!") == [
        "the", "lord's", "house", "isn't", "it", "so", "café", "1611"
    ]
    sst = "sentence_index\tsentence\n1\tThe Rock is destined\n2\tA B\n"
    assert sentences_from_sst(sst) == [["the", "rock", "is", "destined"], ["a", "b"]]


def test_default_corpus_is_embedded_and_large_enough():
    name, corpus = load_corpus(None)
    sentences = list(corpus)
    assert "King James" in name
    assert sum(map(len, sentences)) >= 500_000
    assert sentences[0][:4] == ["in", "the", "beginning", "god"]


def test_window_slots_are_the_dynamic_window_pairs():
    rng = np.random.default_rng(3)
    sentence = np.sort(rng.integers(0, 4, 40))
    reduced = rng.integers(1, 4, 40)
    slots = window_slots(sentence, 3, reduced)
    assert slots.shape == (40, 7) and not slots[:, 3].any()  # the centre's own slot never holds a pair
    t, j = np.nonzero(slots)
    _, c, x = window_pairs(sentence, 3, reduced)
    assert np.array_equal(t, c) and np.array_equal(t + j - 3, x)


def test_draw_excluding_a_window_never_draws_its_words():
    s = UnigramSampler(np.array([1000, 500, 100, 50, 10, 5, 1]))
    exclude = np.array([[0, 1, -1], [2, 2, 0], [-1, -1, -1], [6, 5, 4]] * 500)
    negs = s.draw_excluding(np.random.default_rng(0), exclude, 4)
    assert negs.shape == (2000, 4)
    assert not (negs[:, :, None] == exclude[:, None, :]).any()
    assert (negs[2::4] == 0).any()  # -1 excludes nothing: the most frequent word is still drawn there


def test_window_step_is_the_generated_window_gradient_scattered():
    """One minibatch of windows: the update of W_in and W_out is -lr times the sum over windows of
    neg_sampling_shared's full gradients (slot rows and sample rows scattered with every repeat
    counted), i.e. the positional fold and the single scatter lose nothing."""
    tr = make_trainer(planted_corpus(60), negatives="window", batch=1000, dim=5)
    tr.W_out[:] = np.random.default_rng(4).standard_normal(tr.W_out.shape).astype(np.float32) * 0.3
    blk = tr.blocks.sample(0)
    w, rate = tr.config.window, 0.1
    halo = np.concatenate([np.zeros(w, blk.ids.dtype), blk.ids, np.zeros(w, blk.ids.dtype)])
    weights = blk.slots.astype(np.float32)
    W_in, W_out = tr.W_in.astype(np.float64), tr.W_out.astype(np.float64)
    words = np.lib.stride_tricks.sliding_window_view(halo, 2 * w + 1)
    loss, g_vc, g_ctx, g_neg = KERNELS.neg_sampling_shared(W_in[blk.ids], W_out[words], W_out[blk.negs], weights)
    expect_in, expect_out = W_in.copy(), W_out.copy()
    np.add.at(expect_in, blk.ids, -rate * g_vc)
    np.add.at(expect_out, words.reshape(-1), -rate * g_ctx.reshape(-1, W_out.shape[1]))
    np.add.at(expect_out, blk.negs.reshape(-1), -rate * g_neg.reshape(-1, W_out.shape[1]))
    total, pairs = tr._window_step(blk.ids, halo, weights, blk.negs, rate, 0, 1)
    assert pairs == blk.slots.sum() > 0
    np.testing.assert_allclose(total, loss.sum(), rtol=1e-5)
    np.testing.assert_allclose(tr.W_in, expect_in, atol=1e-5)
    np.testing.assert_allclose(tr.W_out, expect_out, atol=1e-5)


def test_shared_negatives_are_refused_where_they_cannot_be_drawn():
    with pytest.raises(TrainingError, match="no word to draw"):
        make_trainer([["a", "b", "c", "d", "a", "b", "c", "d"]] * 3, window=2, negative=2, negatives="window")
    with pytest.raises(TrainingError, match="epoch mode"):
        make_trainer(planted_corpus(100), negatives="window", iterations=5)
    with pytest.raises(TrainingError, match="negatives must be"):
        make_trainer(planted_corpus(100), negatives="side")
    small = make_trainer([["a", "b", "c", "d", "a", "b", "c", "d"]] * 3, window=2, negative=2)
    assert small.config.negatives == "pair"  # auto falls back where a window may hold the whole vocabulary


@pytest.mark.parametrize("exclude_centre_word", [False, True])
def test_window_blocks_draw_negatives_outside_their_window(exclude_centre_word):
    tr = make_trainer(planted_corpus(300), negatives="window", sample=1e-2, exclude_centre_word=exclude_centre_word)
    blk = tr.blocks.sample(1)
    w = tr.config.window
    assert blk.negs.shape == (len(blk.ids), tr.config.negative) and blk.words == len(blk.ids) < blk.raw
    padded = np.concatenate([np.full(w, -1), blk.ids, np.full(w, -1)])
    words = np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1)
    assert (words[blk.slots] >= 0).all()  # a slot never reaches past the block
    in_window = (blk.negs[:, :, None] == np.where(blk.slots, words, -2)[:, None, :]).any(axis=2)
    assert not in_window.any()
    centre_in_slots = (np.where(blk.slots, words, -2) == blk.ids[:, None]).any()
    assert centre_in_slots != exclude_centre_word  # the planted corpus repeats words inside sentences


def test_any_flipped_byte_is_refused_or_harmless(tmp_path):
    """Flip each byte of a checkpoint in turn: reading it raises CheckpointError, or (a zip field no
    reader uses) gives exactly the original content; never another exception."""
    tr = make_trainer(planted_corpus(100), dim=2, epochs=1)
    path = tmp_path / "c.ckpt"
    ckpt.save(tr, path)
    good = path.read_bytes()
    meta, arrays = ckpt.read(path)
    refused = 0
    for i in range(len(good)):
        bad = bytearray(good)
        bad[i] ^= 0x55
        path.write_bytes(bytes(bad))
        try:
            m, a = ckpt.read(path)
        except ckpt.CheckpointError as exc:
            assert str(path) in str(exc)
            refused += 1
            continue
        assert m == meta and a.keys() == arrays.keys() and all(np.array_equal(a[k], arrays[k]) for k in a)
    assert refused > len(good) // 2
