"""Hostile write-ups: random sequences of the LaTeX the reader knows (window sums, dots, cases,
derivatives, subscripts and superscripts, stray braces) are read or reported, never a traceback.
The seed of this test found ``\\hat y_w ^ J_{neg}(v_c, o, U) = 1`` (a head with a second
subscript) escaping the reader as an exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from symw2v.cli import main
from tests.test_writeup_reader import COLUMNS, ROWS, read_writeup_text

TOKENS = (
    r"\sum_{-m \le j \le m, j \ne 0}", r"\sum_{\substack{-m \leq j \leq m \\ j \neq 0}}", r"J(v_c, w_{t+j}, U)",
    r"J_{\text{skip-gram}}(v_c, w_{t-m}, \dots, w_{t+m}, U)", r"w_{t+j}", r"w_{t-m}", r"\dots", r"\cdots", "...",
    "+", "-", r"\cdot", "=", ",", "y_1", "y_o", "y_V", "y_w", r"\hat y_1", r"\hat y_w", r"\log", "(", ")", "[", "]",
    r"\frac{\partial J}{\partial U}", r"\frac{\partial J}{\partial v_c}",
    r"\frac{\partial J_{neg-sample}(v_c, o, U)}{\partial u_o}", r"\hat y_w ^ J_{neg-sample}(v_c, o, U)",
    "0", "1", "x", r"\sigma(x)", r"\begin{cases} 0 & x < 0 \\ x & x > 0 \end{cases}",
    r"\begin{cases} 1 & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}", "u_o", "v_c", "U", r"\mathbf{0}",
    r"\bm 0", r"\sum_{w \in \text{Vocab}}", "u_1", "u_V", r"\frac{\partial J}{\partial u_1}",
    r"J_{neg-sample}(v_c, o, U) =", r"\atop", r"\substack{", "}", "{", "^T", "_", "^",
)  # fmt: skip
DISPLAYS = st.lists(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14), min_size=1, max_size=3)


@settings(max_examples=400)  # reading only: ~10 ms an example
@given(displays=DISPLAYS, heading=st.booleans(), columns=st.booleans())
def test_random_latex_is_read_or_reported_never_a_traceback(displays, heading, columns):
    text = "\n".join(("## Negative sampling\n\n" if heading else "") + "$$" + " ".join(d) + "$$\n" for d in displays)
    transcript = read_writeup_text(text, COLUMNS if columns else ROWS)
    assert transcript.reading is not None


def test_the_head_with_a_second_subscript_is_reported_by_the_command(tmp_path):
    from click.testing import CliRunner

    path = tmp_path / "w.md"
    path.write_text("$$\\hat y_w ^ J_{neg-sample}(v_c, o, U) = 1$$\n")
    out = CliRunner().invoke(main, ["check", str(path)])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
    assert out.exit_code == 2 and "a second subscript" in out.output and "w.md:1:" in out.output
