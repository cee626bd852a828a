"""TEST-ONLY stand-in for ``symw2v.kernels`` (issue 4), used only while the generated module is absent.

Never imported by the package. Same contract: rows convention, dtype preserved, inputs untouched."""

from __future__ import annotations

import numpy as np


def _sigma(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def neg_sampling(v_c, u_o, u_neg):
    so = np.einsum("bd,bd->b", u_o, v_c)
    sn = np.einsum("bkd,bd->bk", u_neg, v_c)
    loss = np.logaddexp(0, -so) + np.logaddexp(0, sn).sum(axis=1)
    a = _sigma(so) - 1
    b = _sigma(sn)
    g_vc = a[:, None] * u_o + np.einsum("bk,bkd->bd", b, u_neg)
    g_uo = a[:, None] * v_c
    g_uneg = b[:, :, None] * v_c[:, None, :]
    t = v_c.dtype
    return loss.astype(t), g_vc.astype(t), g_uo.astype(t), g_uneg.astype(t)


def naive_softmax(v_c, o, U):
    s = v_c @ U.T
    s = s - s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=1, keepdims=True)
    b = np.arange(v_c.shape[0])
    loss = -np.log(p[b, o])
    p[b, o] -= 1
    return loss.astype(v_c.dtype), (p @ U).astype(v_c.dtype), (p.T @ v_c).astype(U.dtype)


def scatter_rows(G, idx, rows):
    np.add.at(G, idx, rows)
