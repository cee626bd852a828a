"""The budget bounds everything: check, derive and the diagnosis, by wall clock and by work caps.

Times are measured around a fresh ``symw2v`` process (interpreter start and SymPy import
included), with generous bounds because the machine is shared.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from symw2v.cli import main
from symw2v.derivation.loader import load, loads
from symw2v.derive import regenerate
from symw2v.diagnose import search
from symw2v.verify import checker, concrete
from symw2v.verify.budget import BudgetExceeded, WorkExceeded, budget
from symw2v.verify.rational import cancel_form
from tests.helpers import DERIVATIONS, GLOVE, ROOT

SLACK = 3.0  # seconds over the budget allowed for start-up, reporting and a loaded machine

# A softmax of softmaxes: normalising its gradient takes several seconds, so any short budget
# runs out in SymPy's own code, far from any cooperative check.
SOFTMAXES = """
title = "a softmax of softmaxes"
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
o = "index[V]"
[define]
s1 = "softmax(U @ v_c)"
s2 = "softmax(U @ (U.T @ s1))"
s3 = "softmax(U @ (U.T @ s2))"
[loss]
J = "-log(s3[o])"
[[claim]]
id = "sm"
wrt = "v_c"
result = "U.T @ (s3 - onehot(o, V))"
"""


# Exact at d=1 in a blink, but at d=2 the two sides expand to about 570,000 terms.
POWERS = """
title = "a product of powers against the power of a product"
[symbols]
v_c = "vector[d]"
u = "vector[d]"
[[claim]]
id = "pow"
lhs = "(v_c @ u + 1)**30 * (v_c @ u + 2)**30"
result = "((v_c @ u)**2 + 3 * (v_c @ u) + 2)**30"
"""

# Seven nested sums, true but beyond the normaliser: 8,321 nodes at V=2, d=3 once unrolled.
NESTED = """
title = "seven nested sums"
[symbols]
U = "matrix[V, d]"
v_c = "vector[d]"
[define]
z = "U @ v_c"
[[claim]]
id = "nest"
lhs = "log(sum(a, sum(b, sum(c, sum(e, sum(f, sum(g, sum(h, exp(z[a] + z[b] + z[c] + z[e] + z[f] + z[g] + z[h])))))))))"
result = "7 * log(sum(a, exp(U[a] @ v_c))) + sigma(v_c @ v_c) + sigma(-(v_c @ v_c)) - 1"
"""


def cli(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "symw2v.cli", *args], capture_output=True, text=True, cwd=ROOT)
    return out, time.perf_counter() - start


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


# ---- the budget itself ----------------------------------------------------------------------


def test_budget_exceeded_is_not_an_exception_so_broad_excepts_let_it_through():
    assert not issubclass(BudgetExceeded, Exception)
    with pytest.raises(BudgetExceeded), budget(0.2):
        try:
            busy(5)
        except Exception:  # what a careless handler in our code or a library would write
            pytest.fail("swallowed")


def test_the_verifier_of_derived_forms_does_not_swallow_the_budget(monkeypatch):
    def expire(*args, **kwargs):
        raise BudgetExceeded

    monkeypatch.setattr(regenerate, "check_derivation", expire)
    derivation = load(DERIVATIONS / "b_grad_center.toml")
    with pytest.raises(BudgetExceeded):
        regenerate.verifies(derivation, "J", "v_c", "U.T @ (yhat - y)")


def test_an_enclosing_budget_still_fires_after_an_inner_one_ends_or_is_swallowed():
    start = time.monotonic()
    with pytest.raises(BudgetExceeded), budget(0.3):
        with budget(10):
            pass
        try:
            with budget(10):
                busy(1)  # the enclosing deadline passes in here; the handler below swallows it
        except BudgetExceeded:
            pass
        busy(5)
    assert time.monotonic() - start < 1.5


# ---- work caps: refused before the work starts, on any machine -------------------------------


def test_a_huge_power_is_refused_before_expanding():
    a, b = sp.symbols("a b")
    start = time.perf_counter()
    with pytest.raises(WorkExceeded, match="expanding"), budget(30):
        cancel_form((a + b + 1) ** 100_000 - (a + b) ** 2)
    assert time.perf_counter() - start < 1


def test_an_instance_too_large_to_unroll_is_refused():
    U, v, a, b, c = sp.IndexedBase("U"), sp.IndexedBase("v"), *sp.symbols("a b c", integer=True)
    n = sp.Symbol("n", integer=True, positive=True)
    e = sp.Sum(sp.Sum(sp.Sum(sp.exp(U[a] * v[b] * U[c]), (a, 0, n - 1)), (b, 0, n - 1)), (c, 0, n - 1))
    inst = concrete.Instance({n: 30}, {}, {})
    assert concrete.unrolled_size(e.xreplace({n: 30})) > concrete.MAX_UNROLLED
    with pytest.raises(WorkExceeded, match="unrolling the sums at n=30"):
        concrete.instantiate(e, inst)


GUARDED = """
convention = "rows"
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
ws = "indices[K, V]"
[define]
yhat = "softmax(U @ v_c)"
[[claim]]
id = "big_guard"
lhs = "sum(k in K, yhat @ yhat) * U.T @ U @ v_c"
result = "{}"
"""


@pytest.mark.parametrize(
    ("result", "verdict"),
    [("sum(k in K, yhat @ yhat) * U.T @ U @ v_c", "proved"), ("K * (yhat @ yhat) * U.T @ U @ v_c", "proved"),
     ("(K + 1) * (yhat @ yhat) * U.T @ U @ v_c", "refuted")],
)
def test_a_proof_whose_generic_guard_is_too_large_to_unroll_is_guarded_at_smaller_sizes(result, verdict):
    # the all-distinct instance at generic sizes unrolls to ~7,900 nodes, over the cap
    [out] = checker.check_derivation(loads(GUARDED.replace("{}", result)), 20.0)
    assert out.verdict == verdict, (out.error, out.steps and out.steps[0].shown)
    if verdict == "proved":
        assert "guard instance" in out.steps[0].shown


@pytest.mark.parametrize(("text", "refused"), [(POWERS, "expanding a polynomial"), (NESTED, "unrolling the sums")])
def test_check_of_a_claim_over_a_work_cap_is_undecided_at_once_saying_what_was_refused(
    tmp_path: Path, text: str, refused: str
):
    out, seconds = cli("check", "--json", "--budget", "60", write(tmp_path, "hostile.toml", text))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert '"verdict": "undecided"' in out.stdout and f"work budget exhausted: refused {refused}" in out.stdout
    assert seconds < 10  # not the 60 s of the wall-clock budget


# ---- check: wall clock --------------------------------------------------------------------


def test_check_of_a_slow_claim_is_undecided_within_its_budget(tmp_path: Path):
    out, seconds = cli("check", "--json", "--budget", "1", write(tmp_path, "slow.toml", SOFTMAXES))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert '"verdict": "undecided"' in out.stdout and "budget of 1 s exhausted" in out.stdout
    assert seconds < 1 + SLACK


def test_a_diagnosis_out_of_budget_leaves_the_step_refuted_with_its_counterexample(monkeypatch):
    def slow_diagnosis(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr(checker, "diagnose", slow_diagnosis)
    (result,) = checker.check_derivation(load(ROOT / "examples" / "sign_slip.toml"), 1)
    step = result.steps[-1]
    assert result.verdict == step.verdict == "refuted"
    assert step.counterexample is not None and step.shown.startswith("at ")
    assert step.diagnosis is None


def test_the_diagnosis_tries_at_most_max_candidates(monkeypatch):
    tried = []

    def counted(generate):
        def run(tree, context):
            for candidate in generate(tree, context):
                tried.append(candidate)
                yield candidate

        return run

    monkeypatch.setattr(search, "MAX_CANDIDATES", 3)
    monkeypatch.setattr(search, "CATALOGUE", {k: counted(g) for k, g in search.CATALOGUE.items()})
    text = (ROOT / "examples" / "sign_slip.toml").read_text().replace("U.T @ (y - yhat)", "U.T @ (y - yhat) * 7")
    (result,) = checker.check_derivation(loads(text, "<test>"))
    assert result.steps[-1].verdict == "refuted" and result.steps[-1].diagnosis
    assert len(tried) <= 3


# ---- derive ----------------------------------------------------------------------------------


def test_derive_out_of_budget_exits_one_with_a_message_in_time(tmp_path: Path):
    out, seconds = cli("derive", write(tmp_path, "slow.toml", SOFTMAXES), "--wrt", "v_c", "--budget", "1")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and "budget of 1 s exhausted" in out.stderr
    assert seconds < 1 + SLACK


def test_derive_by_a_row_named_like_a_declared_index_prints_the_index_form(tmp_path: Path):
    out, _ = cli("derive", write(tmp_path, "glove.toml", GLOVE), "--wrt", "W[i]")
    assert out.returncode == 0, out.stderr
    assert "# component ['j']" in out.stdout  # the component index is not a second i
    assert 'steps = ["2 * sum(k in V, Wt[k] * (W[i] @ Wt[k])) - 2 * sum(n in V, L[i, n] * Wt[n])"]' in out.stdout


def test_derive_without_a_formula_form_prints_the_component_and_exits_one(tmp_path: Path):
    out, _ = cli("derive", write(tmp_path, "glove.toml", GLOVE), "--wrt", "W")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stdout.startswith("# component ['j', 'k']") and "no formula form found" in out.stderr


def test_derive_out_of_budget_in_the_matrix_form_prints_the_verified_index_form(monkeypatch):
    real = regenerate.verifies

    def slow_matrix(derivation, of, wrt, text, assume=()):
        if "U.T @" in text:
            time.sleep(30)
        return real(derivation, of, wrt, text, assume)

    monkeypatch.setattr(regenerate, "verifies", slow_matrix)
    out = CliRunner().invoke(main, ["derive", str(DERIVATIONS / "b_grad_center.toml"), "--wrt", "v_c", "--budget", "5"])
    assert out.exit_code == 1, out.output
    assert 'result = "sum(k in V, U[k] * ' in out.stdout
    assert "budget of 5 s exhausted; printed the index form" in out.stderr
