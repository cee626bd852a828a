"""Small helpers the generated module calls (hand-written, each a few lines of NumPy).

No helper modifies its arguments, except an ``out`` it is given.
"""

from __future__ import annotations

import numpy as np


def pick(x: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Per example b, ``x[b, i[b]]``: a batch of vectors (B, n) indexed by a batch of indices (B,)."""
    return x[np.arange(x.shape[0]), i]


def minus_onehot(x: np.ndarray, i, out: np.ndarray | None = None) -> np.ndarray:
    """``x - onehot(i, n)`` without building the one-hot: a copy of x with 1 taken from entry i
    (per example when x is a batch (B, n) and i a batch of indices (B,)); into ``out`` if given
    (the generated code passes ``out=x`` when x is a temporary read nowhere after)."""
    if out is None:
        out = np.array(x, copy=True)
    elif out is not x:
        out[...] = x
    if out.ndim == 2:
        out[np.arange(out.shape[0]), i] -= 1
    else:
        out[i] -= 1
    return out


# np.matmul's stacked loop against einsum for a batch of (M, n) matrices times a batch of vectors
# (benchmarks/kernels_bench.py sizes and training's, n = 100): matmul is faster in float32 (82 vs
# 107 µs at B=512, M=11; 822 vs 868 at B=4096, M=10, and on the strided window views) and in
# float64 up to about a thousand examples (147 vs 213 µs at B=512); einsum from there on in float64
# (2.2 vs 3.2 ms at B=4096, M=10).
MATMUL_F64_UP_TO = 1024


def _matmul_wins(A: np.ndarray) -> bool:
    return A.dtype == np.float32 or A.shape[0] <= MATMUL_F64_UP_TO


def matvec(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per example b, ``A[b] @ x[b]``: (B, M, n) matrices times (B, n) vectors -> (B, M)."""
    return (A @ x[..., None])[..., 0] if _matmul_wins(A) else np.einsum("bij,bj->bi", A, x)


def vecmat(x: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Per example b, ``x[b] @ A[b]``: (B, M) vectors times (B, M, n) matrices -> (B, n)."""
    return (x[..., None, :] @ A)[..., 0, :] if _matmul_wins(A) else np.einsum("bi,bij->bj", x, A)
