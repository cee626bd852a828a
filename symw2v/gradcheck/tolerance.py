"""How close a result must be to the reference, per input precision."""

from __future__ import annotations

import numpy as np

# (relative, absolute) tolerance by the dtype of the inputs the user's function was given
TOLERANCE = {"float64": (1e-6, 1e-8), "float32": (2e-3, 2e-4)}


def errors(got: np.ndarray, want: np.ndarray, dtype: str) -> np.ndarray:
    """|got - want| in units of the allowed error (<= 1 is close enough); NaN counts as far."""
    rtol, atol = TOLERANCE[dtype]
    err = np.abs(got - want) / (atol + rtol * np.abs(want))
    return np.where(np.isnan(err) | (np.isfinite(want) & ~np.isfinite(got)), np.inf, err)


def close(got: np.ndarray, want: np.ndarray, dtype: str) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return got.shape == want.shape and bool(np.all(errors(got, want, dtype) <= 1))
