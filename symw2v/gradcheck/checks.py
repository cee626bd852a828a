"""One property per CS224N function: on every drawn example the user's function returns what
:mod:`symw2v.cs224n` (built on the verified kernels) returns, within the tolerance of the
input precision, and leaves its inputs alone.

Examples come from :mod:`symw2v.testing`: random sizes, float32 and float64, negative samples
and outside words with a repeat forced, windows of 1..5, sigmoid at |x| = 1000. Hypothesis
shrinks a failure to its smallest example; :func:`run` returns that example with each wrong
output, by how much, and the known bug it looks like (:mod:`.bugs`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import cs224n, testing
from .bugs import Example, diagnose
from .tolerance import errors

DEFAULT_EXAMPLES = 200
PAIR_OUTPUTS = ("loss", "gradCenterVec", "gradOutsideVecs")
SKIPGRAM_OUTPUTS = ("loss", "gradCenterVecs", "gradOutsideVectors")


@dataclass(frozen=True)
class Check:
    """``draw`` gives the arguments (and ``dtype``, sizes, ``draws`` for the dataset);
    ``call`` calls one function with them; ``reference`` gives the expected outputs and the
    facts the bug predictions need."""

    function: str
    outputs: tuple[str, ...]
    draw: st.SearchStrategy[dict]
    call: Callable[[Callable, dict], object]
    reference: Callable[[dict], tuple[tuple, dict]]


# ---- examples -----------------------------------------------------------------------------


@st.composite
def _sigmoid_args(draw) -> dict:
    dtype = draw(testing.dtypes())
    shape = draw(st.sampled_from([(), (3,), (2, 3)]))
    width = np.dtype(dtype).itemsize * 8
    big = st.sampled_from([1000.0, -1000.0])
    x = draw(hnp.arrays(dtype, shape, elements=st.one_of(big, st.floats(-50, 50, width=width))))
    return {"dtype": np.dtype(dtype).name, "x": x}


@st.composite
def _pair_args(draw, negative: bool) -> dict:
    dtype = draw(testing.dtypes())
    V, D = draw(testing.shapes())  # noqa: N806
    o = draw(st.integers(0, V - 1))
    args = {
        "dtype": np.dtype(dtype).name,
        "centerWordVec": draw(testing.arrays(dtype, (D,))),
        "outsideWordIdx": o,
        "outsideVectors": draw(testing.arrays(dtype, (V, D))),
    }
    if negative:
        args["K"] = draw(st.integers(1, 6))
        args["draws"] = draw(testing.negative_draws(o, V, args["K"]))
    return args


@st.composite
def _negative_args(draw) -> dict:
    V = draw(st.integers(2, 6))  # noqa: N806
    o, K = draw(st.integers(0, V - 1)), draw(st.integers(1, 8))  # noqa: N806
    return {"dtype": "float64", "outsideWordIdx": o, "K": K, "V": V, "draws": draw(testing.negative_draws(o, V, K))}


@st.composite
def _skipgram_args(draw) -> dict:
    dtype = draw(testing.dtypes())
    V, D = draw(testing.shapes())  # noqa: N806
    window = draw(st.integers(1, 5))
    ctx = draw(testing.index_lists(draw(st.integers(1, 2 * window)), V))
    return {
        "dtype": np.dtype(dtype).name,
        "word2vecLossAndGradient": draw(st.sampled_from(["naiveSoftmaxLossAndGradient", "negSamplingLossAndGradient"])),
        "currentCenterWord": f"w{draw(st.integers(0, V - 1))}",
        "windowSize": window,
        "outsideWords": [f"w{i}" for i in ctx],
        "centerWordVectors": draw(testing.arrays(dtype, (V, D))),
        "outsideVectors": draw(testing.arrays(dtype, (V, D))),
        "seed": draw(st.integers(0, 2**16)),
    }


# ---- calls and references -----------------------------------------------------------------


def _dataset(a: dict) -> testing.FakeDataset:
    vocab = a["V"] if "V" in a else len(a.get("outsideVectors", ()))
    return testing.FakeDataset(a.get("draws", []), vocab, a.get("seed", 0))


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _negatives(a: dict) -> list[int]:
    return cs224n.getNegativeSamples(a["outsideWordIdx"], _dataset(a), a["K"])


def _pair_call(fn: Callable, a: dict):
    extra = (a["K"],) if "K" in a else ()
    return fn(a["centerWordVec"], a["outsideWordIdx"], a["outsideVectors"], _dataset(a), *extra)


def _pair_reference(negative: bool) -> Callable[[dict], tuple[tuple, dict]]:
    def reference(a: dict) -> tuple[tuple, dict]:
        v, U = _f64(a["centerWordVec"]), _f64(a["outsideVectors"])  # noqa: N806
        facts = {"v": v, "U": U, "o": a["outsideWordIdx"]}
        if negative:
            facts["neg"] = _negatives(a)
            out = cs224n.negSamplingLossAndGradient(v, a["outsideWordIdx"], U, _dataset(a), a["K"])
        else:
            out = cs224n.naiveSoftmaxLossAndGradient(v, a["outsideWordIdx"], U, _dataset(a))
        return out, facts

    return reference


def _skipgram_call(fn: Callable, a: dict, cast: Callable = lambda x: x):
    V = len(a["outsideVectors"])  # noqa: N806
    pair = getattr(cs224n, a["word2vecLossAndGradient"])  # ours, so that skipgram is judged on its own
    return fn(
        a["currentCenterWord"], a["windowSize"], a["outsideWords"], {f"w{i}": i for i in range(V)},
        cast(a["centerWordVectors"]), cast(a["outsideVectors"]), _dataset(a), pair,
    )  # fmt: skip


def _skipgram_reference(a: dict) -> tuple[tuple, dict]:
    """The window's outputs, and (fact ``once``) those with each outside word counted once."""
    once = _skipgram_call(cs224n.skipgram, {**a, "outsideWords": list(dict.fromkeys(a["outsideWords"]))}, _f64)
    return _skipgram_call(cs224n.skipgram, a, _f64), {"once": dict(zip(SKIPGRAM_OUTPUTS, once, strict=True))}


CHECKS = (
    Check("sigmoid", ("sigmoid(x)",), _sigmoid_args(), lambda fn, a: (fn(a["x"]),),
          lambda a: ((cs224n.sigmoid(_f64(a["x"])),), {"x": a["x"]})),
    Check("getNegativeSamples", ("negSampleWordIndices",), _negative_args(),
          lambda fn, a: (fn(a["outsideWordIdx"], _dataset(a), a["K"]),),
          lambda a: ((_negatives(a),), {})),
    Check("naiveSoftmaxLossAndGradient", PAIR_OUTPUTS, _pair_args(False), _pair_call, _pair_reference(False)),
    Check("negSamplingLossAndGradient", PAIR_OUTPUTS, _pair_args(True), _pair_call, _pair_reference(True)),
    Check("skipgram", SKIPGRAM_OUTPUTS, _skipgram_args(), _skipgram_call, _skipgram_reference),
)  # fmt: skip
FUNCTIONS = tuple(c.function for c in CHECKS)


# ---- comparing ----------------------------------------------------------------------------


def _wrong_output(ex: Example, name: str, got, want) -> dict | None:
    """What is wrong with one returned value, or None."""
    if ex.function == "getNegativeSamples":
        return _wrong_samples(ex, name, got, want)
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return {"output": name, "message": f"returned {type(got).__name__}, not numbers", "bug": None}
    want = np.asarray(want, dtype=np.float64)
    if name == "loss" and got.size == 1:
        got = got.reshape(())
    if got.shape != want.shape:
        return {"output": name, "message": f"shape {got.shape} where {want.shape} is expected",
                "bug": diagnose(ex, name, got)}  # fmt: skip
    err = errors(got, want, ex.dtype)
    if np.all(err <= 1):
        return None
    at = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    where = f" at {list(map(int, at))}" if at else ""
    off = np.abs(got - want)
    how = f"off by {off[at]:.4g}" if np.isfinite(got[at]) else "not finite"
    return {
        "output": name,
        "message": f"{how}{where}: expected {want[at]:.6g}, got {got[at]:.6g}",
        "max_error": float(off.max()) if np.all(np.isfinite(off)) else None,  # None: not finite
        "bug": diagnose(ex, name, got),
    }


def _wrong_samples(ex: Example, name: str, got, want: list[int]) -> dict | None:
    try:
        got = np.asarray(got).astype(np.intp).reshape(-1)
    except (TypeError, ValueError):
        return {"output": name, "message": f"returned {got!r}, not indices", "bug": None}
    o = ex.args["outsideWordIdx"]
    if sorted(got.tolist()) == sorted(want):
        return None
    why = "the outside word was not rejected" if o in got.tolist() else "not the K samples drawn"
    message = f"{why}: expected {sorted(want)} (sorted), got {sorted(got.tolist())}"
    return {"output": name, "message": message, "bug": diagnose(ex, name, got)}


def _jsonable(a: dict) -> dict:
    return {k: np.asarray(v).tolist() if isinstance(v, np.ndarray) else v for k, v in a.items()}


def failure(check: Check, fn: Callable, a: dict) -> dict | None:
    """The user's ``fn`` on arguments ``a``: None when right, else what is wrong."""
    given_args = copy.deepcopy(a)
    report = {"function": check.function, "example": _jsonable(a), "wrong": [], "error": None}
    try:
        with np.errstate(all="ignore"):
            got = check.call(fn, given_args)
    except (Exception, SystemExit) as err:  # the user's code failing is a finding, never ours
        report["error"] = f"raised {type(err).__name__}: {err}"
        return report
    expected, facts = check.reference(a)
    ex = Example(check.function, a["dtype"], a, dict(zip(check.outputs, expected, strict=True)), facts)
    if not isinstance(got, tuple | list) or len(got) != len(check.outputs):
        report["error"] = f"returned {type(got).__name__}, expected a tuple ({', '.join(check.outputs)})"
        return report
    report["wrong"] = [w for n, g, e in zip(check.outputs, got, expected, strict=True)
                       if (w := _wrong_output(ex, n, g, e))]  # fmt: skip
    changed = [k for k, v in a.items() if isinstance(v, np.ndarray) and not np.array_equal(v, given_args[k])]
    if changed:
        report["error"] = f"modified its input {', '.join(changed)} in place"
    return report if report["wrong"] or report["error"] else None


def run(check: Check, fn: Callable, examples: int = DEFAULT_EXAMPLES) -> dict | None:
    """Search for an example where ``fn`` is wrong; the smallest one found, shrunk, or None."""
    last: list[dict] = []

    class Wrong(Exception):
        pass

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True, print_blob=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])  # fmt: skip
    @given(check.draw)
    def prop(a: dict) -> None:
        found = failure(check, fn, a)
        if found is not None:
            last.append(found)
            raise Wrong

    try:
        prop()
    except Wrong:
        return last[-1]
    return None


def check_module(
    module: ModuleType, examples: int = DEFAULT_EXAMPLES, on_start: Callable[[str], object] = lambda f: None
) -> dict[str, dict | None | str]:
    """Each function of the course's interface: None when it passes, the failure, or
    ``"missing"`` when the module does not define it; ``on_start(function)`` before each."""
    results: dict[str, dict | None | str] = {}
    for c in CHECKS:
        on_start(c.function)
        fn = getattr(module, c.function, None)
        results[c.function] = "missing" if fn is None else run(c, fn, examples)
    return results
