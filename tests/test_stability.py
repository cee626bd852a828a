"""The stability rewrites are proved claims, and the generated functions are finite and correct
(against mpmath at 50 digits) when scores reach |1000|, in float64 and float32."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symw2v import kernels
from symw2v.kernels.spec import REWRITE_PHASES
from symw2v.verify.checker import check_paths
from tests.helpers import DERIVATIONS

mpmath.mp.dps = 50


def test_every_stability_rewrite_is_proved():
    results = check_paths([DERIVATIONS / "stability.toml"])
    verdicts = {r.claim: r.verdict for r in results}
    assert verdicts and set(verdicts.values()) == {"proved"}, verdicts
    assert {r for phases in REWRITE_PHASES.values() for phase in phases for r in phase} <= verdicts.keys()


def _sigma(x):
    return 1 / (1 + mpmath.exp(-x))


def _close(got, want, rtol, atol):
    got = np.asarray(got, dtype=float)
    assert np.all(np.isfinite(got)), got
    want = np.array([[float(w) for w in row] for row in want]) if np.ndim(want) == 2 else np.array(
        [float(w) for w in np.atleast_1d(want)]
    )
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=rtol, atol=atol)


TOL = {np.float64: (1e-10, 1e-9), np.float32: (1e-4, 1e-2)}
scores = st.lists(st.sampled_from([-1000.0, 1000.0, -999.5, 0.0, 3.0, 999.0]), min_size=2, max_size=5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(s=scores, o=st.integers(0, 4))
def test_naive_softmax_at_score_1000(dtype, s, o):
    V = len(s)
    o %= V
    U = np.array([[x / 1000, 0.5] for x in s], dtype=dtype)  # scores U @ v_c = s exactly
    v_c = np.array([[1000.0, 0.0]], dtype=dtype)
    loss, g_vc, g_U = kernels.naive_softmax(v_c, np.array([o]), U)
    sm = [mpmath.mpf(float(x)) for x in np.asarray(U, float) @ np.asarray(v_c[0], float)]
    lse = mpmath.log(mpmath.fsum(mpmath.exp(x) for x in sm))
    yhat = [mpmath.exp(x - lse) for x in sm]
    r = [yhat[w] - (1 if w == o else 0) for w in range(V)]
    rtol, atol = TOL[dtype]
    _close(loss, [lse - sm[o]], rtol, atol)
    _close(g_vc[0], [mpmath.fsum(r[w] * float(U[w, i]) for w in range(V)) for i in range(2)], rtol, atol)
    _close(g_U, [[r[w] * float(v_c[0, i]) for i in range(2)] for w in range(V)], rtol, atol * 1000)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(so=st.sampled_from([-1000.0, 1000.0, 0.0, -30.0]), sn=scores)
def test_neg_sampling_at_score_1000(dtype, so, sn):
    K = len(sn)
    v_c = np.array([[1000.0, 0.0]], dtype=dtype)
    u_o = np.array([[so / 1000, 0.25]], dtype=dtype)
    u_neg = np.array([[[x / 1000, -0.5] for x in sn]], dtype=dtype)
    loss, g_vc, g_uo, g_uneg = kernels.neg_sampling(v_c, u_o, u_neg)
    so_m = mpmath.mpf(so)
    sn_m = [mpmath.mpf(x) for x in sn]
    want_loss = -mpmath.log(_sigma(so_m)) - mpmath.fsum(mpmath.log(_sigma(-x)) for x in sn_m)
    rtol, atol = TOL[dtype]
    _close(loss, [want_loss], rtol, atol)
    uo, un, vc = np.asarray(u_o[0], float), np.asarray(u_neg[0], float), np.asarray(v_c[0], float)
    want_vc = [
        (_sigma(so_m) - 1) * uo[i] + mpmath.fsum(_sigma(sn_m[k]) * un[k, i] for k in range(K)) for i in range(2)
    ]
    _close(g_vc[0], want_vc, rtol, atol)
    _close(g_uo[0], [(_sigma(so_m) - 1) * vc[i] for i in range(2)], rtol, atol * 1000)
    _close(g_uneg[0], [[_sigma(sn_m[k]) * vc[i] for i in range(2)] for k in range(K)], rtol, atol * 1000)


def test_sigmoid_of_cs224n_is_finite_at_1000():
    from symw2v.cs224n import sigmoid

    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with np.errstate(all="raise"):
        got = sigmoid(x)
    np.testing.assert_allclose(got, [float(_sigma(mpmath.mpf(v))) for v in x], rtol=1e-3, atol=1e-15)
