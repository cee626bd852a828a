"""Generated NumPy functions for word2vec, from verified closed forms (rows convention).

The contract (float32 and float64 preserved; no input is ever modified)::

    neg_sampling(v_c: (B, d), u_o: (B, d), u_neg: (B, K, d))
        -> loss: (B,), g_vc: (B, d), g_uo: (B, d), g_uneg: (B, K, d)
    naive_softmax(v_c: (B, d), o: (B,) int, U: (V, d))
        -> loss: (B,), g_vc: (B, d), g_U: (V, d) summed over the batch
    scatter_rows(G: (V, d) modified in place, idx: (N,) int, rows: (N, d)) -> None
        adds rows[n] to G[idx[n]] for every n, counting every occurrence of a repeated index
    neg_sampling_factored(v_c, u_o, u_neg, with_loss=True) -> loss or None, g_vc, c_uo: (B,), c_uneg: (B, K)
        the same, with g_uo = c_uo * v_c and g_uneg[b, k] = c_uneg[b, k] * v_c[b] left as factors
    scatter_scaled_rows(G, idx: (N,) int, coef: (N,), X: (M, d), rows_of: (N,) int) -> None
        adds coef[n] * X[rows_of[n]] to G[idx[n]] for every n (the factored rows, never stored)
    neg_sampling_shared(v_c: (B, d), u_ctx: (B, M, d), u_neg: (B, K, d), m: (B, M))
        -> loss: (B,), g_vc: (B, d), g_uctx: (B, M, d), g_uneg: (B, K, d)
        B windows of M slots weighted by m whose pairs share the K samples (j_window_shared.toml);
        neg_sampling_shared_factored(..., with_loss=True) leaves g_uctx, g_uneg as factors of v_c
    fold_window_rows(coef: (B, M), X: (B, d)) -> (B + M - 1, d)
        the rows coef[b, j] * X[b] of windows sliding by one position, summed per position b + j

``loss[b]`` and the gradients are those of example b: in negative sampling ``u_o = U[o]`` and
``u_neg = U[ws]`` are gathered by the caller, and ``g_uo`` / ``g_uneg`` are the per-row
gradients to scatter back with :func:`scatter_rows` (repeated samples counted, claim h). Also
``skipgram_naive_softmax(v_c (B, d), ctx (B, M), U)`` and
``skipgram_neg_sampling(v_c (B, d), u_ctx (B, M, d), u_neg (B, M, K, d))`` sum the pair
functions over a window.

The functions live in ``_generated.py`` (committed, readable), printed by
:mod:`symw2v.kernels.generate` from proved or checked claims of ``derivations/``; if those
files (or the generator) changed since, a fresh module is generated into a cache directory at
import, so a stale module is never used.
"""

from __future__ import annotations

from . import runtime  # noqa: F401  (imported by the generated module)
from .scatter import fold_window_rows, scatter_rows, scatter_scaled_rows

_NAMES = (
    "naive_softmax",
    "neg_sampling",
    "neg_sampling_factored",
    "neg_sampling_shared",
    "neg_sampling_shared_factored",
    "skipgram_naive_softmax",
    "skipgram_neg_sampling",
)
_module = None


def generated_module():
    """The generated module (loaded, or regenerated if stale, on first use)."""
    global _module
    if _module is None:
        from .generate import load

        _module = load()
    return _module


_numba = None


def numba_module():
    """The generated Numba module (``neg_sampling_pair``, ``neg_sampling``, ``neg_sampling_sgd``), printed
    from the same verified claims under the same key; needs numba (``pip install 'symw2v[fast]'``)."""
    global _numba
    if _numba is None:
        from .generate import load

        _numba = load(target="numba")
    return _numba


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(generated_module(), name)
    if name == "GENERATED_FILE":
        return generated_module().__file__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "fold_window_rows",
    "naive_softmax",
    "neg_sampling",
    "neg_sampling_factored",
    "neg_sampling_shared",
    "neg_sampling_shared_factored",
    "scatter_rows",
    "scatter_scaled_rows",
    "skipgram_naive_softmax",
    "skipgram_neg_sampling",
]
