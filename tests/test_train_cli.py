"""``symw2v train / eval / plot`` end to end: bad input, divergence, resume, gensim round trip."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from symw2v.cli import main
from symw2v.train.evaluate import Embeddings, analogies, rankdata, spearman, word_pairs
from symw2v.train.export import read_word2vec, write_word2vec
from tests.test_train import planted_corpus

SMALL = ["--dim", "8", "--window", "2", "--negative", "3", "--min-count", "1", "--sample", "0", "--epochs", "2"]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in planted_corpus(400)) + "\n")
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_train_writes_vectors_that_eval_and_plot_read(tmp_path, corpus):
    out = tmp_path / "v.txt"
    r = run("train", corpus, "-o", out, "--quiet", *SMALL)
    assert r.exit_code == 0, r.output
    assert "words/s" in r.output and out.exists()
    r = run("eval", out, "-w", "cat", "-w", "nosuchword", "--top", "3")
    assert r.exit_code == 0, r.output
    assert "cat:" in r.output and "nosuchword: not in the vocabulary" in r.output
    png = tmp_path / "p.png"
    r = run("plot", out, "cat", "dog", "red", "blue", "zzz", "-o", png)
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"", [], "the corpus is empty"),
        (b"  \n ... \n", [], "the corpus is empty"),
        (b"in the beginning\n", ["--window", "5"], "smaller than one window"),
        (b"good line\nbad \xff\xfe byte\n", [], "invalid UTF-8 at line 2"),
        (b"a b c a b c a b c\n", ["--negative", "5"], "too small for 5 negatives"),
        (b"a b c d a b c d\n", ["--negative", "2", "--negatives", "window", "--backend", "numpy"], "no word to draw"),
        (b"a b c d e f a b c d e f\n", ["--negatives", "window", "--loss", "softmax"], "use --negatives pair"),
    ],
)
def test_bad_input_stops_cleanly(tmp_path, content, extra, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    out, ck = tmp_path / "v.bin", tmp_path / "c.ckpt"
    r = run("train", path, "-o", out, "--checkpoint", ck, "--quiet", *SMALL, *extra)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt"]  # nothing written, no temp file


@pytest.mark.parametrize(("extra", "said"), [([], "negatives per window, minibatch 512 window(s)"),
                                             (["--negatives", "pair"], "negatives per pair, minibatch 1024 pair(s)")])
def test_train_says_who_shares_the_negatives(tmp_path, corpus, extra, said):
    r = run("train", corpus, "-o", tmp_path / "v.bin", "--quiet", "--backend", "numpy", *SMALL, *extra)
    assert r.exit_code == 0, r.output
    assert said in r.output


def test_missing_corpus_and_preset_without_corpus(tmp_path):
    r = run("train", tmp_path / "nope.txt", "--quiet")
    assert r.exit_code == 2 and "no such file" in r.output
    r = run("train", "--preset", "cs224n", "--quiet")
    assert r.exit_code == 2 and "Stanford Sentiment Treebank" in r.output


def test_diverging_run_exits_1_and_keeps_the_last_checkpoint(tmp_path, corpus):
    out, ck = tmp_path / "v.bin", tmp_path / "c.ckpt"
    r = run("train", corpus, "-o", out, "--checkpoint", ck, "--quiet", "--max-blocks", "1", *SMALL)
    assert r.exit_code == 0 and ck.exists() and not out.exists()
    before = ck.read_bytes()
    r = run("train", corpus, "-o", out, "--checkpoint", ck, "--checkpoint-every", "0", "--quiet", *SMALL,
            "--lr", "1e30")
    assert r.exit_code == 1, r.output
    assert "diverged" in r.output and "lower --lr" in r.output
    assert not out.exists() and ck.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.ckpt", "corpus.txt"]


def test_cli_resume_equals_uninterrupted(tmp_path, corpus):
    opts = [*SMALL, "--quiet", "--batch", "8", "--threads", "1"]  # more threads (Hogwild) are not reproducible
    whole = tmp_path / "whole.txt"
    assert run("train", corpus, "-o", whole, *opts).exit_code == 0
    ck, part = tmp_path / "c.ckpt", tmp_path / "part.txt"
    r = run("train", corpus, "-o", part, "--checkpoint", ck, "--max-blocks", "1", *opts)
    assert r.exit_code == 0 and not part.exists() and "stopped after block 1" in r.output
    r = run("train", corpus, "-o", part, "--checkpoint", ck, "--resume", *opts)
    assert r.exit_code == 0 and "resumed at block 1" in r.output
    assert part.read_bytes() == whole.read_bytes()
    r = run("train", corpus, "-o", part, "--checkpoint", ck, "--resume", *opts, "--seed", "9")
    assert r.exit_code == 2 and "another corpus or other settings" in r.output


@pytest.mark.parametrize("name", ["v.txt", "v.bin"])
def test_export_round_trips_through_gensim(tmp_path, name):
    gensim_models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(0)
    words = ["the", "lord's", "café", "x1"]
    vecs = rng.standard_normal((4, 7)).astype(np.float32) * np.float32(1e3)
    path = tmp_path / name
    write_word2vec(path, words, vecs)
    kv = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=name.endswith(".bin"))
    assert list(kv.index_to_key) == words
    assert np.array_equal(kv.vectors, vecs)  # exact for both formats
    back_words, back = read_word2vec(path)
    assert back_words == words and np.array_equal(back, vecs)


def test_export_refuses_non_finite_vectors_and_bad_words(tmp_path):
    with pytest.raises(ValueError, match="non-finite"):
        write_word2vec(tmp_path / "v.txt", ["a"], np.array([[np.nan]]))
    with pytest.raises(ValueError, match="whitespace"):
        write_word2vec(tmp_path / "v.txt", ["a b"], np.array([[1.0]]))
    assert list(tmp_path.iterdir()) == []


def test_spearman_matches_the_definition():
    assert np.array_equal(rankdata([10, 20, 20, 5]), [2, 3.5, 3.5, 1])
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 5, 50), rng.standard_normal(50)
    assert spearman(x, y) == pytest.approx(scipy_stats.spearmanr(x, y).statistic)


def test_word_pairs_and_analogies_on_constructed_vectors(tmp_path):
    words = ["king", "queen", "man", "woman", "apple", "pear"]
    vecs = np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1], [0.1, 0, 1]], dtype=np.float32)
    emb = Embeddings(words, vecs)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# header\nWord 1\tWord 2\tHuman\napple\tpear\t9\nwoman\tking\t1\nman\tzebra\t5\n"
                     "king\tqueen\t6\n")
    r = word_pairs(emb, pairs)
    assert (r.used, r.total) == (3, 4) and r.oov_share == pytest.approx(0.25)
    assert r.spearman == pytest.approx(1.0)
    q = tmp_path / "q.txt"
    q.write_text(": royals\nMan King Woman Queen\nman king zebra queen\n")
    a = analogies(emb, q)
    assert (a.correct, a.used, a.total) == (1, 1, 2) and a.sections == {"royals": (1, 1)}


def test_eval_standard_files_from_gensim(tmp_path):
    pytest.importorskip("gensim")
    words = ["love", "sex", "tiger", "cat", "king", "queen", "man", "woman"]
    path = tmp_path / "v.txt"
    write_word2vec(path, words, np.random.default_rng(0).standard_normal((8, 5)))
    r = run("eval", path, "--standard")
    assert r.exit_code == 0, r.output
    assert "wordsim353.tsv" in r.output and "simlex999.txt" in r.output and "questions-words.txt" in r.output


def _corrupted(good: bytes, vectors: bytes) -> dict[str, tuple[bytes, str]]:
    """Each damaged or wrong checkpoint, with the problem the message must name."""
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    return {
        "truncated": (good[: len(good) // 2], "damaged or truncated"),
        "one byte flipped": (bytes(flipped), "damaged"),
        "empty": (b"", "the file is empty"),
        "text file": (b"in the beginning god created\n", "it is a text file"),
        "png": (png, "it is a PNG image"),
        "vectors file": (vectors, "it is a word2vec vectors file"),
    }


@pytest.fixture
def checkpointed(tmp_path, corpus):
    """A real checkpoint after one block, an earlier vectors file at the output path, and both bytes."""
    out, ck = tmp_path / "v.txt", tmp_path / "c.ckpt"
    assert run("train", corpus, "-o", out, "--checkpoint", ck, "--max-blocks", "1", "--quiet", *SMALL).exit_code == 0
    write_word2vec(out, ["old", "vectors"], np.eye(2))
    return out, ck, ck.read_bytes(), out.read_bytes()


@pytest.mark.parametrize("case", ["truncated", "one byte flipped", "empty", "text file", "png", "vectors file"])
def test_a_corrupted_checkpoint_stops_cleanly_and_touches_nothing(tmp_path, corpus, checkpointed, case):
    out, ck, good, old_vectors = checkpointed
    content, problem = _corrupted(good, old_vectors)[case]
    ck.write_bytes(content)
    before = sorted(p.name for p in tmp_path.iterdir())
    r = run("train", corpus, "-o", out, "--checkpoint", ck, "--resume", "--quiet", *SMALL)
    assert r.exit_code == 2, r.output
    assert isinstance(r.exception, SystemExit)  # a message, not a traceback or click's "Aborted!"
    assert f"{ck}: " in r.output and problem in r.output and "Traceback" not in r.output
    assert "pickled" not in r.output
    assert ck.read_bytes() == content and out.read_bytes() == old_vectors
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if content[:2] == b"PK":  # eval and plot read checkpoints too
        for cmd in (["eval", ck, "-w", "cat"], ["plot", ck, "cat", "dog", "-o", tmp_path / "p.png"]):
            r = run(*cmd)
            assert r.exit_code == 2 and f"{ck}: " in r.output and problem in r.output, r.output
        assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("case", ["text file", "png", "vectors file"])
def test_a_checkpoint_path_holding_another_file_is_not_overwritten(tmp_path, corpus, case):
    path = tmp_path / "c.ckpt"
    content, problem = _corrupted(b"PK", b"2 1\na 1\nb 2\n")[case]
    path.write_bytes(content)
    r = run("train", corpus, "-o", tmp_path / "v.txt", "--checkpoint", path, "--quiet", *SMALL)
    assert r.exit_code == 2 and problem in r.output and "refusing to overwrite" in r.output, r.output
    assert path.read_bytes() == content and not (tmp_path / "v.txt").exists()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_get_the_mode_of_a_normal_file(tmp_path, corpus, umask):
    """Vectors, checkpoint and plot: 0666 & ~umask when new (not the temporary file's 0600), and an
    existing file keeps its mode, as ``open(path, "w")`` would do."""
    import os
    import stat

    out, ck, png = tmp_path / "v.bin", tmp_path / "c.ckpt", tmp_path / "p.png"
    old = os.umask(umask)
    try:
        assert run("train", corpus, "-o", out, "--checkpoint", ck, "--quiet", *SMALL).exit_code == 0
        assert run("plot", out, "cat", "dog", "red", "-o", png).exit_code == 0
        for path in (out, ck, png):
            assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
        out.chmod(0o640)
        assert run("train", corpus, "-o", out, "--quiet", *SMALL).exit_code == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_train_says_how_many_threads_and_that_hogwild_depends_on_timing(tmp_path, corpus):
    pytest.importorskip("numba")
    r = run("train", corpus, "-o", tmp_path / "v.bin", "--backend", "numba", "--threads", "2", *SMALL)
    assert r.exit_code == 0, r.output
    assert "Hogwild on 2 threads: the result depends on thread timing" in r.output  # the progress output
    assert "2 threads (Hogwild: the result depends on thread timing)" in r.output  # the summary
    r = run("train", corpus, "-o", tmp_path / "v.bin", "--quiet", "--backend", "numba", "--threads", "1", *SMALL)
    assert r.exit_code == 0 and "1 thread" in r.output and "Hogwild" not in r.output
    r = run("train", corpus, "-o", tmp_path / "w.bin", "--quiet", "--backend", "numpy", "--threads", "2", *SMALL)
    assert r.exit_code == 2 and "Hogwild" in r.output and not (tmp_path / "w.bin").exists()
