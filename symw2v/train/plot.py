"""A 2-D picture of chosen words: their vectors projected on the two leading principal axes.

As the CS224N starter's ``word_vectors.png``: centre the chosen vectors, take the SVD, plot the
coordinates on the first two right singular vectors, label each point. Written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .checkpoint import atomic_write


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """(n, d) -> (n, 2): coordinates on the two leading principal axes of the rows."""
    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    coords = x @ vt[:2].T
    if coords.shape[1] < 2:
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    return coords


def plot_words(words: list[str], vectors: np.ndarray, path: str | Path, title: str = "") -> np.ndarray:
    """Write a PNG of ``words`` at ``project_2d(vectors)``; returns the coordinates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    coords = project_2d(vectors)
    fig, ax = plt.subplots(figsize=(7, 6), dpi=110)
    ax.scatter(coords[:, 0], coords[:, 1], s=14, color="tab:red")
    for w, (x, y) in zip(words, coords, strict=True):
        ax.annotate(w, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=10)
    ax.set_xlabel("principal axis 1")
    ax.set_ylabel("principal axis 2")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    try:
        atomic_write(path, lambda f: fig.savefig(f, format="png"))
    finally:
        plt.close(fig)
    return coords
