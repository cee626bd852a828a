"""The known bugs of CS224N word2vec code, each as a test on a wrong output: the output it
would produce (computed from the example) is what the user's function returned.

A table, one row per bug: which (function, output) pairs it can explain, and how to recognise
it. :func:`diagnose` names the first that fits, or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .tolerance import close


@dataclass(frozen=True)
class Example:
    """One drawn example: ``args`` as given to the user's function, ``expected`` the reference
    outputs, ``facts`` what the predictions need (float64)."""

    function: str
    dtype: str
    args: dict
    expected: dict
    facts: dict


@dataclass(frozen=True)
class Bug:
    name: str
    advice: str
    where: frozenset[tuple[str, str]]
    matches: Callable[[Example, str, np.ndarray], bool]


def _predicts(predict: Callable[[Example, str], np.ndarray]) -> Callable[[Example, str, np.ndarray], bool]:
    return lambda ex, out, got: close(got, predict(ex, out), ex.dtype)


def _missing_y(ex: Example, out: str) -> np.ndarray:
    """Naive softmax with y left out of yhat - y."""
    v, U = ex.facts["v"], ex.facts["U"]
    s = U @ v
    yhat = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    return U.T @ yhat if out == "gradCenterVec" else np.outer(yhat, v)


def _repeats_once(ex: Example, out: str) -> np.ndarray:
    """Negative sampling scattered with ``G[idx] += rows``: a repeated sample counts once."""
    v, U, o, neg = ex.facts["v"], ex.facts["U"], ex.facts["o"], np.asarray(ex.facts["neg"], dtype=np.intp)
    sig = 0.5 * (1 + np.tanh(0.5 * (U[neg] @ v)))
    G = np.zeros_like(U)
    G[o] += (0.5 * (1 + np.tanh(0.5 * (U[o] @ v))) - 1) * v
    G[neg] += sig[:, None] * v[None, :]
    return G


def _drops_repeats(ex: Example, out: str, got: np.ndarray) -> bool:
    want = list(ex.expected[out])
    return len(set(want)) < len(want) and len(set(got.tolist())) == len(got)


def _overflows(ex: Example, out: str, got: np.ndarray) -> bool:
    x = np.asarray(ex.facts["x"], dtype=float)
    return got.shape == x.shape and bool(np.any(~np.isfinite(got) & (np.abs(x) >= 30)))


def _pairs(*functions_outputs: str) -> frozenset[tuple[str, str]]:
    return frozenset(tuple(s.split(".")) for s in functions_outputs)  # type: ignore[misc]


GRADIENTS = _pairs(
    "naiveSoftmaxLossAndGradient.gradCenterVec",
    "naiveSoftmaxLossAndGradient.gradOutsideVecs",
    "negSamplingLossAndGradient.gradCenterVec",
    "negSamplingLossAndGradient.gradOutsideVecs",
    "skipgram.gradCenterVecs",
    "skipgram.gradOutsideVectors",
)
MATRICES = frozenset(p for p in GRADIENTS if p[1] != "gradCenterVec")

BUGS = (
    Bug("repeats counted once",
        "G[idx] += rows keeps one row per repeated index; use np.add.at(G, idx, rows) or a loop",
        _pairs("negSamplingLossAndGradient.gradOutsideVecs"), _predicts(_repeats_once)),
    Bug("repeats counted once",
        "getNegativeSamples must keep a word drawn twice: the loss sums over all K draws",
        _pairs("getNegativeSamples.negSampleWordIndices"), _drops_repeats),
    Bug("repeats counted once", "an outside word that occurs twice in the window counts twice: loop over "
        "outsideWords itself, not over a set of it", _pairs("skipgram.loss", "skipgram.gradCenterVecs",
        "skipgram.gradOutsideVectors"), _predicts(lambda ex, out: ex.facts["once"][out])),
    Bug("gradient not computed", "the gradient is all zeros", GRADIENTS,
        lambda ex, out, got: not np.any(got) and close(got, np.zeros_like(ex.expected[out]), ex.dtype)),
    Bug("transposed U", "the (D, V) gradient of the column convention; outsideVectors is (V, D), one row per word",
        MATRICES, _predicts(lambda ex, out: np.asarray(ex.expected[out]).T)),
    Bug("sign", "the whole gradient has the wrong sign", GRADIENTS,
        _predicts(lambda ex, out: -np.asarray(ex.expected[out]))),
    Bug("missing - y", "yhat where yhat - y belongs: the outside word's one-hot y was not subtracted",
        _pairs("naiveSoftmaxLossAndGradient.gradCenterVec", "naiveSoftmaxLossAndGradient.gradOutsideVecs"),
        _predicts(_missing_y)),
    Bug("sigmoid overflow", "not finite at large |x|; use 1 / (1 + exp(-x)) with exp overflow ignored, "
        "or (1 + tanh(x / 2)) / 2, or np.where on the sign of x", _pairs("sigmoid.sigmoid(x)"), _overflows),
)  # fmt: skip


def diagnose(ex: Example, output: str, got: np.ndarray) -> dict | None:
    """The first known bug that explains ``got`` for ``output`` of ``ex``, as {name, advice}."""
    for bug in BUGS:
        if (ex.function, output) in bug.where and bug.matches(ex, output, got):
            return {"name": bug.name, "advice": bug.advice}
    return None
