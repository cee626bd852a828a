"""Small helpers the generated module calls (hand-written, each a few lines of NumPy).

Neither helper modifies its arguments.
"""

from __future__ import annotations

import numpy as np


def pick(x: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Per example b, ``x[b, i[b]]``: a batch of vectors (B, n) indexed by a batch of indices (B,)."""
    return x[np.arange(x.shape[0]), i]


def minus_onehot(x: np.ndarray, i) -> np.ndarray:
    """``x - onehot(i, n)`` without building the one-hot: a copy of x with 1 taken from entry i
    (per example when x is a batch (B, n) and i a batch of indices (B,))."""
    out = np.array(x, copy=True)
    if out.ndim == 2:
        out[np.arange(out.shape[0]), i] -= 1
    else:
        out[i] -= 1
    return out
