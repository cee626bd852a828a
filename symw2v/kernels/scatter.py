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
    """``(order, starts, distinct)``: idx[order] is sorted, its runs of equal values begin at starts."""
    order = np.argsort(idx)
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


def scatter_csr(G, idx, rows) -> None:
    """Sparse one-hot product: S (u x N, S[g, n] = 1 where idx[n] is the g-th distinct index) @ rows,
    built directly in CSR form from one argsort (needs SciPy)."""
    idx, rows = _check(G, idx, rows)
    n = idx.size
    if n == 0:
        return
    order, starts, distinct = _groups(idx)
    indptr = np.empty(starts.size + 1, dtype=np.int64)
    indptr[:-1] = starts
    indptr[-1] = n
    S = _csr_array((np.ones(n, dtype=G.dtype), order, indptr), shape=(starts.size, n))
    G[distinct] += S @ np.asarray(rows, dtype=G.dtype)  # distinct: the fancy += is exact


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
