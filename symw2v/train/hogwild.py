"""Hogwild: the generated Numba driver on several threads at once, without locks.

As word2vec and gensim do: each thread trains its own contiguous chunk of a block's minibatches
with ``neg_sampling_sgd`` (which releases the GIL), and all threads read and update the shared
``W_in`` and ``W_out`` rows as they go. Two threads updating the same row at the same moment may
lose one of the updates; with a vocabulary of thousands of rows this is rare, and it is the price
of using every core. The result then depends on thread timing: a run with more than one thread is
not reproducible bit for bit (one thread is: it is exactly the single-threaded driver).

Chunks start at pairs that are multiples of ``loss_every``, so the pairs whose loss is sampled are
those of one thread.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no sched_getaffinity (macOS, Windows)
        return os.cpu_count() or 1


def chunk_starts(n_minibatches: int, batch: int, every: int, threads: int) -> np.ndarray:
    """The first minibatch of each thread's chunk, and ``n_minibatches`` at the end (``threads + 1``
    entries, non-decreasing): about equal chunks of minibatches of ``batch`` pairs, each starting at a
    pair index that is a multiple of ``every``."""
    align = every // math.gcd(batch, every)
    starts = [(n_minibatches * t // threads) // align * align for t in range(threads)]
    return np.array([*starts, n_minibatches], dtype=np.int64)


class Hogwild:
    """Runs ``driver`` (the generated ``neg_sampling_sgd``) on ``threads`` threads: the calling one and
    ``threads - 1`` workers kept for the whole run (:meth:`close` stops them)."""

    def __init__(self, driver, threads: int):
        self.driver = driver
        self.threads = threads
        self.pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="symw2v-hogwild")

    def __call__(self, W_in, W_out, centre, context, negs, bounds, steps, batch: int, every: int, losses) -> int:
        """The driver's contract on all minibatches (``bounds``, ``steps``, ``losses`` as it takes them):
        returns the number of minibatches if all were applied, else the index of the first one found
        not finite (each thread stops at its own)."""
        cuts = chunk_starts(len(bounds) - 1, batch, every, self.threads)

        def chunk(t: int) -> int:
            m0, m1 = int(cuts[t]), int(cuts[t + 1])
            lo, hi = int(bounds[m0]), int(bounds[m1])
            done = self.driver(W_in, W_out, centre[lo:hi], context[lo:hi], negs[lo:hi], bounds[m0 : m1 + 1] - lo,
                               steps[m0:m1], every, losses[m0:m1])
            return m0 + done if done < m1 - m0 else len(bounds) - 1

        futures = [self.pool.submit(chunk, t) for t in range(1, self.threads)]
        return min([chunk(0), *(f.result() for f in futures)])

    def close(self) -> None:
        self.pool.shutdown(wait=True)
