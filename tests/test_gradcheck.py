"""symw2v gradcheck: the correct reference file passes, each planted bug is caught and named,
and a file that cannot be imported, crashes or hangs exits 2 with a clear message."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from symw2v import testing
from symw2v.cli import main
from symw2v.gradcheck import gradcheck

DATA = Path(__file__).parent / "data" / "gradcheck"


@cache
def planted(name: str):
    """The outcome for word2vec_bug_NAME.py, computed once per test session."""
    return gradcheck(DATA / f"word2vec_bug_{name}.py")


def test_the_correct_reference_passes_with_exit_zero():
    run = CliRunner().invoke(main, ["gradcheck", str(DATA / "word2vec_ref.py")])
    assert run.exit_code == 0, run.output
    assert "5 passed" in run.output


@pytest.mark.parametrize(
    ("name", "function", "output", "bug"),
    [
        ("repeats", "negSamplingLossAndGradient", "gradOutsideVecs", "repeats counted once"),
        ("transposed", "naiveSoftmaxLossAndGradient", "gradOutsideVecs", "transposed U"),
        ("sign", "naiveSoftmaxLossAndGradient", "gradCenterVec", "sign"),
        ("missing_y", "naiveSoftmaxLossAndGradient", None, "missing - y"),
        ("overflow", "sigmoid", "sigmoid(x)", "sigmoid overflow"),
        ("zero", "naiveSoftmaxLossAndGradient", None, "gradient not computed"),
        ("window_repeats", "skipgram", "loss", "repeats counted once"),
    ],
)
def test_each_planted_bug_is_caught_and_named(name, function, output, bug):
    outcome = planted(name)
    assert outcome.status == 1
    wrong = {f for f, r in outcome.results.items() if r}
    assert wrong == {function}
    found = outcome.results[function]["wrong"]
    assert found and all(w["bug"] and w["bug"]["name"] == bug for w in found)
    assert output is None or output in {w["output"] for w in found}


def test_the_smallest_example_shows_the_repeat_and_the_cli_prints_it():
    run = CliRunner().invoke(main, ["gradcheck", str(DATA / "word2vec_bug_repeats.py")])
    assert run.exit_code == 1
    assert "looks like: repeats counted once" in run.output
    example = planted("repeats").results["negSamplingLossAndGradient"]["example"]
    draws = [d for d in example["draws"] if d != example["outsideWordIdx"]]
    assert len(set(draws)) < len(draws)  # shrunk to a repeat: the only way to see the bug


def test_json_output_is_strict_json():
    run = CliRunner().invoke(main, ["gradcheck", "--json", str(DATA / "word2vec_bug_overflow.py")])
    assert run.exit_code == 1
    data = json.loads(run.output, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    assert data["status"] == 1 and data["results"]["sigmoid"]["wrong"][0]["bug"]["name"] == "sigmoid overflow"


@pytest.mark.parametrize(
    ("name", "timeout", "says"),
    [
        ("word2vec_import_error.py", 60, "No module named 'no_such_module_for_symw2v'"),
        ("word2vec_crash.py", 60, "crashed the checks (killed by SIGABRT) while checking sigmoid"),
        ("word2vec_hang.py", 2, "timed out after 2 s"),
    ],
)
def test_a_file_that_cannot_be_loaded_or_run_exits_two(name, timeout, says):
    run = CliRunner().invoke(main, ["gradcheck", "--timeout", str(timeout), str(DATA / name)])
    assert run.exit_code == 2
    assert says in run.output


def test_assert_word2vec_raises_with_the_report():
    testing.assert_word2vec(str(DATA / "word2vec_ref.py"), examples=30)
    with pytest.raises(AssertionError, match="looks like: sign"):
        testing.assert_word2vec(str(DATA / "word2vec_bug_sign.py"), examples=50)


def test_a_missing_function_exits_two(tmp_path: Path):
    (tmp_path / "partial.py").write_text((DATA / "word2vec_ref.py").read_text().split("\ndef softmax")[0])
    outcome = gradcheck(tmp_path / "partial.py", examples=20)
    assert outcome.status == 2
    assert outcome.results["sigmoid"] is None and outcome.results["skipgram"] == "missing"


def test_a_file_named_like_a_module_we_use_is_still_checked(tmp_path: Path):
    (tmp_path / "random.py").write_text((DATA / "word2vec_ref.py").read_text())
    outcome = gradcheck(tmp_path / "random.py", examples=20)
    assert outcome.status == 0, outcome.problem
    assert not (tmp_path / ".hypothesis").exists()


@given(st.data(), st.integers(2, 8), st.integers(2, 5))
def test_index_lists_force_a_repeat(data, length, size):
    idx = data.draw(testing.index_lists(length, size))
    assert len(idx) == length and len(set(idx)) < length and all(0 <= i < size for i in idx)


@given(st.data(), st.integers(2, 6), st.integers(1, 6))
def test_negative_draws_give_k_samples_besides_the_outside_word(data, vocab, k):
    o = data.draw(st.integers(0, vocab - 1))
    draws = data.draw(testing.negative_draws(o, vocab, k))
    samples = [d for d in draws if d != o]
    assert len(samples) == k and (k < 2 or len(set(samples)) < k)
    dataset = testing.FakeDataset(draws, vocab, seed=1)
    assert [dataset.sampleTokenIdx() for _ in draws] == draws and dataset.drawn == draws
