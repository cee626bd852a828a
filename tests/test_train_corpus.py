"""Reading corpora in bounded memory: long lines, chunk boundaries, and the memory it takes."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest

from symw2v.train import corpus as corpus_module
from symw2v.train import idcache
from symw2v.train.corpus import MAX_SENTENCE_WORDS, CorpusError, load_corpus, sentences_from_stream, tokenize
from symw2v.train.vocab import Vocab

# words that test the cuts: apostrophes inside words, non-ASCII letters (2- and 3-byte UTF-8),
# separators that are not whitespace, a Greek final sigma
WORDS = ["lord's", "Café", "naïve", "don\u2019t", "ΑΣ", "x_y", "1611", "—", "a.b", "niño", "日本", "it's,"]


def _tokens(n: int, seed: int = 0) -> list[str]:
    return list(np.random.default_rng(seed).choice(WORDS, n))


def _ids(path) -> tuple[Vocab, np.ndarray]:
    _, corpus = load_corpus(path)
    vocab = Vocab.build(corpus, 1)
    return vocab, vocab.encode(corpus)[0]


@pytest.mark.parametrize("chunk", [7, 64, 1 << 16])
def test_one_long_line_gives_the_ids_of_the_same_tokens_over_lines(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", chunk)
    toks = _tokens(2 * MAX_SENTENCE_WORDS + 1234)
    one, many = tmp_path / "one.txt", tmp_path / "many.txt"
    one.write_text(" ".join(toks) + "\n", encoding="utf-8")
    many.write_text("\n".join(" ".join(toks[i : i + 9]) for i in range(0, len(toks), 9)) + "\n", encoding="utf-8")
    (v1, ids1), (v2, ids2) = _ids(one), _ids(many)
    assert v1.words == v2.words and np.array_equal(v1.counts, v2.counts) and np.array_equal(ids1, ids2)
    assert [tokenize(w) for w in toks[:50]] and len(ids1) == sum(len(tokenize(w)) for w in toks)
    lengths = [len(s) for s in load_corpus(one)[1]]
    assert lengths == [MAX_SENTENCE_WORDS, MAX_SENTENCE_WORDS, len(ids1) - 2 * MAX_SENTENCE_WORDS]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 13])
def test_chunk_boundaries_never_change_the_sentences(chunk):
    text = "ab\r\ncd\u2028ef\x85 gh\n\nΑΣ.ΒΓ don\u2019t_x " + "naïve" * 9 + "\n日本 it's" + " " * 40 + "end"
    whole = [toks for toks in (tokenize(line) for line in text.splitlines()) if toks]
    assert list(sentences_from_stream(io.BytesIO(text.encode()), "t", chunk)) == whole


def test_invalid_utf8_is_located_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 4)
    path = tmp_path / "bad.txt"
    path.write_bytes("héllo\nwörld\nbad ".encode() + b"\xff\xfe" + b" byte\n")
    with pytest.raises(CorpusError, match=r"invalid UTF-8 at line 3, byte offset 18 \(byte 0xff\)"):
        _ids(path)
    path.write_bytes("cut at the end: é".encode()[:-1])
    with pytest.raises(CorpusError, match="invalid UTF-8 at line 1"):
        _ids(path)


def _peak_bytes(path) -> int:
    tracemalloc.start()
    try:
        _ids(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_a_huge_line_takes_bounded_memory(tmp_path):
    """One line of 100,000 tokens, then of 300,000 (1.4 MB): the 200,000 more tokens cost their ids
    (4 bytes each, 8 with the array's growth) and nothing else; the working set beside the ids stays a
    few MB (a chunk's tokens and one sentence). Reading the line whole cost about 70 bytes a token."""
    rng = np.random.default_rng(0)
    toks = [f"w{i}" for i in rng.zipf(1.3, 300_000) % 3000]
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text(" ".join(toks[:100_000]) + "\n")
    large.write_text(" ".join(toks) + "\n")
    peak_small, peak_large = _peak_bytes(small), _peak_bytes(large)
    assert peak_large - peak_small < 8 * 200_000, (peak_small, peak_large)
    assert peak_large < 8 * 300_000 + 5_000_000, peak_large


def _in_memory(path, min_count):
    _, corpus = load_corpus(path)
    vocab = Vocab.build(corpus, min_count)
    return (vocab, *vocab.encode(corpus))


def _same(a, b) -> bool:
    (va, ia, oa), (vb, ib, ob) = a, b
    return va.words == vb.words and np.array_equal(va.counts, vb.counts) and np.array_equal(ia, ib) \
        and np.array_equal(oa, ob)


def test_the_id_file_is_built_once_and_gives_exactly_the_in_memory_ids(tmp_path, monkeypatch):
    monkeypatch.setattr(idcache, "CACHE_FROM_BYTES", 0)
    path = tmp_path / "c.txt"
    toks = _tokens(5000)
    path.write_text("\n".join(" ".join(toks[i : i + 7]) for i in range(0, len(toks), 7)) + "\nrare once\n")
    for min_count in (1, 3, 400):  # 400 leaves sentences empty: they vanish
        cached = idcache.encode(load_corpus(path)[1], min_count)
        assert isinstance(cached[1], np.memmap)
        assert _same(cached, _in_memory(path, min_count))
    folder = idcache.folder_of(path)
    files = {f"{kind}-{m}.npy" for kind in ("ids", "offsets") for m in (1, 3, 400)}
    assert {p.name for p in folder.iterdir()} == {"source.json", "vocab.npz", *files}

    def no_rebuild(*_):
        raise AssertionError("rebuilt a current id file")

    monkeypatch.setattr(idcache, "_build", no_rebuild)
    assert _same(idcache.encode(load_corpus(path)[1], 3), _in_memory(path, 3))
    monkeypatch.undo()
    monkeypatch.setattr(idcache, "CACHE_FROM_BYTES", 0)
    path.write_text("a new corpus with other words\n" * 3)  # another size: the fingerprint no longer matches
    assert _same(idcache.encode(load_corpus(path)[1], 1), _in_memory(path, 1))
    assert not (folder / "ids-3.npy").exists()


def test_training_from_the_id_file_is_bit_identical(tmp_path, monkeypatch):
    from tests.test_train import make_trainer, planted_corpus

    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in planted_corpus(300)) + "\n")
    monkeypatch.setattr(idcache, "CACHE_FROM_BYTES", 0)
    vocab, ids, offsets = idcache.encode(load_corpus(path)[1], 1)
    a = make_trainer(planted_corpus(300), epochs=1)
    b = make_trainer(planted_corpus(300), epochs=1)
    b.stream, b.blocks.stream = ids, ids
    assert a.fingerprint() == b.fingerprint()
    a.run()
    b.run()
    assert np.array_equal(a.W_in, b.W_in) and np.array_equal(a.W_out, b.W_out)


def test_a_corpus_that_fails_while_its_id_file_is_built_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(idcache, "CACHE_FROM_BYTES", 0)
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words here\n" * 50 + b"bad \xff byte\n")
    with pytest.raises(CorpusError, match="invalid UTF-8 at line 51"):
        idcache.encode(load_corpus(path)[1], 1)
    assert [p.name for p in tmp_path.iterdir()] == ["bad.txt"]


@pytest.mark.parametrize("damage", ["source.json", "ids-1.npy", "offsets-1.npy", "vocab.npz"])
def test_a_damaged_id_file_is_built_again(tmp_path, monkeypatch, damage):
    monkeypatch.setattr(idcache, "CACHE_FROM_BYTES", 0)
    path = tmp_path / "c.txt"
    toks = _tokens(3000)
    path.write_text("\n".join(" ".join(toks[i : i + 7]) for i in range(0, len(toks), 7)) + "\n")
    idcache.encode(load_corpus(path)[1], 1)
    target = idcache.folder_of(path) / damage
    target.write_bytes(target.read_bytes()[: len(target.read_bytes()) // 2])
    assert _same(idcache.encode(load_corpus(path)[1], 1), _in_memory(path, 1))
