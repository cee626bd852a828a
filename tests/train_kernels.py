"""The kernels the training tests run on: the generated ``symw2v.kernels`` when it is present,
else the test-only stand-in (``tests/train_standin_kernels.py``)."""

from __future__ import annotations

try:
    import symw2v.kernels as KERNELS

    KERNELS.neg_sampling  # noqa: B018  (loads or regenerates the generated module)
except (ImportError, AttributeError):  # pragma: no cover - only before issue 4 lands
    from tests import train_standin_kernels as KERNELS  # noqa: F401
