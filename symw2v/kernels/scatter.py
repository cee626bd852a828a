"""Scatter-add of per-sample rows into a gradient matrix, counting every occurrence.

``G[idx] += rows`` is wrong when idx repeats (NumPy buffers the fancy assignment, so only one
of the repeated rows lands). The correct variants measured in ``benchmarks/kernels_bench.py``:
``np.add.at``, sort + ``np.add.reduceat``, ``np.bincount`` per column, a flattened
``np.bincount`` over (row, column) pairs, and a one-hot product. :func:`scatter_rows` picks between the
two bincount variants by N and V (see :data:`USED`).
"""

from __future__ import annotations

import numpy as np


def _check(G: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(idx).reshape(-1)
    rows = np.asarray(rows)
    if G.ndim != 2 or rows.shape != (idx.shape[0], G.shape[1]):
        raise ValueError(f"scatter_rows: G {G.shape}, idx {idx.shape}, rows {rows.shape} do not fit")
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError("scatter_rows: idx must be integers")
    return idx, rows


def scatter_add_at(G, idx, rows) -> None:
    idx, rows = _check(G, idx, rows)
    np.add.at(G, idx, rows)


def scatter_reduceat(G, idx, rows) -> None:
    idx, rows = _check(G, idx, rows)
    if idx.size == 0:
        return
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    G[s[starts]] += np.add.reduceat(rows[order], starts, axis=0)


def scatter_bincount_columns(G, idx, rows) -> None:
    idx, rows = _check(G, idx, rows)
    for j in range(G.shape[1]):
        G[:, j] += np.bincount(idx, weights=rows[:, j], minlength=G.shape[0]).astype(G.dtype, copy=False)


def scatter_bincount_flat(G, idx, rows) -> None:
    """Flattened bincount over the distinct rows: np.unique compacts idx to 0..u-1 first."""
    idx, rows = _check(G, idx, rows)
    if idx.size == 0:
        return
    uniq, inverse = np.unique(idx, return_inverse=True)
    d = G.shape[1]
    flat = (inverse[:, None] * d + np.arange(d)).ravel()
    sums = np.bincount(flat, weights=rows.ravel(), minlength=uniq.size * d).reshape(uniq.size, d)
    G[uniq] += sums.astype(G.dtype, copy=False)  # uniq has no repeats: the fancy += is exact


def scatter_onehot(G, idx, rows) -> None:
    """One-hot (u x N) product over the distinct rows; memory u*N, so only for small N."""
    idx, rows = _check(G, idx, rows)
    if idx.size == 0:
        return
    uniq, inverse = np.unique(idx, return_inverse=True)
    onehot = (inverse[None, :] == np.arange(uniq.size)[:, None]).astype(rows.dtype)
    G[uniq] += (onehot @ rows).astype(G.dtype, copy=False)


VARIANTS = {
    "np.add.at": scatter_add_at,
    "sort + np.add.reduceat": scatter_reduceat,
    "np.bincount per column": scatter_bincount_columns,
    "np.bincount flattened (unique rows)": scatter_bincount_flat,
    "one-hot product (unique rows)": scatter_onehot,
}
# Measured (benchmarks/kernels_bench.py): bincount per column wins when N is at least about V
# (one pass over G per column), the flattened bincount over distinct rows otherwise (cost
# independent of V); np.add.at and reduceat are 2-3x slower, the one-hot product far slower.
USED = "np.bincount per column when N >= V, else np.bincount flattened (unique rows)"


def scatter_rows(G: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> None:
    """``G[idx[n]] += rows[n]`` for every n, repeats counted; G is modified in place."""
    if np.size(idx) >= G.shape[0]:
        scatter_bincount_columns(G, idx, rows)
    else:
        scatter_bincount_flat(G, idx, rows)
