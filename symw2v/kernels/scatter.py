"""Scatter-add of per-sample rows into a gradient matrix, counting every occurrence.

``G[idx] += rows`` is wrong when idx repeats (NumPy buffers the fancy assignment, so only one
of the repeated rows lands). The correct variants measured in ``benchmarks/kernels_bench.py``:
``np.add.at`` on the 2-D array and on the flattened 1-D array (``idx * d + column``), sort +
``np.add.reduceat``, ``np.bincount`` per column, a flattened ``np.bincount`` over (row, column)
pairs, a dense one-hot product, and a sparse (CSR) one-hot product when SciPy is installed.
:func:`scatter_rows` uses the one :data:`USED` names, chosen by measurement at the sizes training
uses (N = B or B*K rows of d = 100, B = 256..1024, K = 5, V about 5k..12k).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

try:  # optional: SciPy's CSR product is the fastest correct scatter from a few hundred rows on
    from scipy.sparse import csr_array as _csr_array
except ImportError:  # pragma: no cover - exercised only where SciPy is missing
    _csr_array = None


def _check(G: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(idx).reshape(-1)
    rows = np.asarray(rows)
    if G.ndim != 2 or rows.shape != (idx.shape[0], G.shape[1]):
        raise ValueError(f"scatter_rows: G {G.shape}, idx {idx.shape}, rows {rows.shape} do not fit")
    if idx.dtype.kind not in "iu":
        raise TypeError("scatter_rows: idx must be integers")
    return idx, rows


def scatter_add_at(G, idx, rows) -> None:
    idx, rows = _check(G, idx, rows)
    np.add.at(G, idx, rows)


_COLUMNS: dict[int, np.ndarray] = {}


def scatter_add_at_flat(G, idx, rows) -> None:
    """``np.add.at`` on the flattened G with flat indices ``idx * d + column`` (NumPy's 1-D fast path)."""
    idx, rows = _check(G, idx, rows)
    d = G.shape[1]
    if not G.flags.c_contiguous:
        np.add.at(G, idx, rows)
        return
    cols = _COLUMNS.get(d)
    if cols is None:
        cols = _COLUMNS[d] = np.arange(d, dtype=np.intp)
    flat = idx.astype(np.intp, copy=False)[:, None] * d + cols
    np.add.at(G.reshape(-1), flat.reshape(-1), np.ascontiguousarray(rows, dtype=G.dtype).reshape(-1))


def _groups(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(order, starts, distinct)``: idx[order] is sorted, its runs of equal values begin at starts.
    Indices below 2**16 are sorted as uint16, where NumPy's stable sort is a radix sort: 49 µs
    instead of 126 µs (quicksort on int64) for 6,144 indices (benchmarks/kernels_bench.py)."""
    small = idx.size and 0 <= idx.min() and idx.max() < 1 << 16
    order = np.argsort(idx.astype(np.uint16), kind="stable") if small else np.argsort(idx)
    s = idx[order]
    first = np.empty(s.shape[0], dtype=bool)
    first[:1] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return order, starts, s[starts]


def scatter_reduceat(G, idx, rows) -> None:
    idx, rows = _check(G, idx, rows)
    if idx.size == 0:
        return
    order, starts, distinct = _groups(idx)
    G[distinct] += np.add.reduceat(rows[order], starts, axis=0)  # distinct: the fancy += is exact


def scatter_bincount_columns(G, idx, rows) -> None:
    idx, rows = _check(G, idx, rows)
    for j in range(G.shape[1]):
        G[:, j] += np.bincount(idx, weights=rows[:, j], minlength=G.shape[0]).astype(G.dtype, copy=False)


def scatter_bincount_flat(G, idx, rows) -> None:
    """Flattened bincount over the distinct rows: np.unique compacts idx to 0..u-1 first (sums in float64)."""
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


def _csr_add(G: np.ndarray, idx: np.ndarray, X: np.ndarray, data=None, cols=None) -> None:
    """``G[idx[n]] += data[n] * X[cols[n]]`` (data 1 and cols n where omitted) as one sparse product
    S (u x len(X)) @ X over the u distinct indices, S built directly in CSR form from one sort."""
    n = idx.size
    order, starts, distinct = _groups(idx)
    indptr = np.empty(starts.size + 1, dtype=np.int64)
    indptr[:-1] = starts
    indptr[-1] = n
    data = np.ones(n, dtype=G.dtype) if data is None else np.asarray(data, dtype=G.dtype)[order]
    S = _csr_array((data, order if cols is None else cols[order], indptr), shape=(starts.size, X.shape[0]))
    G[distinct] += S @ np.asarray(X, dtype=G.dtype)  # distinct: the fancy += is exact


def scatter_csr(G, idx, rows) -> None:
    """Sparse one-hot product: S (u x N, S[g, n] = 1 where idx[n] is the g-th distinct index) @ rows
    (needs SciPy)."""
    idx, rows = _check(G, idx, rows)
    if idx.size:
        _csr_add(G, idx, rows)


VARIANTS = {
    "np.add.at": scatter_add_at,
    "np.add.at flattened (1-D)": scatter_add_at_flat,
    "sort + np.add.reduceat": scatter_reduceat,
    "np.bincount per column": scatter_bincount_columns,
    "np.bincount flattened (unique rows)": scatter_bincount_flat,
    "one-hot product (unique rows)": scatter_onehot,
}
if _csr_array is not None:
    VARIANTS["SciPy CSR one-hot product"] = scatter_csr

# Measured (benchmarks/kernels_bench.py, float32, d = 100, Zipf^0.75 indices into V = 12,000):
# from N = CSR_FROM rows on, the CSR product is the fastest (one argsort, one sparse product, one
# fancy add over distinct rows); below it, and wherever SciPy is missing, the flattened 1-D np.add.at.
CSR_FROM = 512
if _csr_array is not None:
    USED = f"SciPy CSR one-hot product for N >= {CSR_FROM} rows, else np.add.at flattened (1-D)"
else:
    USED = "np.add.at flattened (1-D) (SciPy not installed)"


def scatter_rows(G: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> None:
    """``G[idx[n]] += rows[n]`` for every n, repeats counted; G is modified in place."""
    if _csr_array is not None and np.size(idx) >= CSR_FROM:
        scatter_csr(G, idx, rows)
    else:
        scatter_add_at_flat(G, idx, rows)


def scatter_scaled_rows(G: np.ndarray, idx: np.ndarray, coef: np.ndarray, X: np.ndarray, rows_of: np.ndarray) -> None:
    """``G[idx[n]] += coef[n] * X[rows_of[n]]`` for every n, repeats counted; G is modified in place.

    The scatter of a gradient returned as factors (``g_uneg[b, k] = c_uneg[b, k] * v_c[b]``): with
    SciPy the rows ``coef[n] * X[rows_of[n]]`` are never stored (the coefficients are the sparse
    product's entries); without it, or below CSR_FROM rows, they are, and go through np.add.at."""
    idx, coef, rows_of = (np.asarray(a).reshape(-1) for a in (idx, coef, rows_of))
    if G.ndim != 2 or X.ndim != 2 or X.shape[1] != G.shape[1] or not idx.shape == coef.shape == rows_of.shape:
        raise ValueError(f"scatter_scaled_rows: G {G.shape}, idx {idx.shape}, coef {coef.shape}, "
                         f"X {X.shape}, rows_of {rows_of.shape} do not fit")
    if _csr_array is not None and idx.size >= CSR_FROM:
        _csr_add(G, idx, X, coef, rows_of)
    else:
        scatter_add_at_flat(G, idx, coef[:, None] * X[rows_of])


def fold_window_rows(coef: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Rows ``coef[b, j] * X[b]`` of windows that slide by one position over a stream, summed per
    position: window b's slot j is position ``b + j``, so ``out[p] = sum over b + j = p of
    coef[b, j] * X[b]``; coef (B, M), X (B, d) -> (B + M - 1, d).

    The per-slot gradients ``g_uctx[b, j] = c_uctx[b, j] * v_c[b]`` of consecutive windows, folded
    onto the stream positions they belong to, so each position's row is scattered once instead of
    once per window that sees it (the sum of a row's occurrences is what the repeats claims ask
    for). One product over a strided view of X: no (B, M, d) array is ever stored."""
    B, M = coef.shape
    if X.ndim != 2 or X.shape[0] != B:
        raise ValueError(f"fold_window_rows: coef {coef.shape} and X {X.shape} do not fit")
    padded = np.zeros((B + 2 * (M - 1), X.shape[1]), dtype=np.result_type(coef, X))
    padded[M - 1 : M - 1 + B] = X
    # skew[p, M - 1 - j] = coef[p - j, j], so that out[p] = sum_i skew[p, i] * padded[p + i]
    skew = np.zeros((B + M - 1, M), dtype=padded.dtype)
    for j in range(M):
        skew[j : j + B, M - 1 - j] = coef[:, j]
    return np.einsum("pdi,pi->pd", sliding_window_view(padded, M, axis=0), skew)
