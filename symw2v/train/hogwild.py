"""Hogwild: whole blocks on several threads at once, all updating the shared rows without locks.

As word2vec does (each of its threads walks its own part of the corpus), every thread draws a block
of the corpus (:meth:`BlockSampler.sample`) and trains it with the generated driver
``neg_sampling_sgd`` (which releases the GIL), reading and updating the shared ``W_in`` and
``W_out`` rows as it goes; then it takes the next block nobody has taken. The threads meet only at
the end of a *round* of ``threads * ROUND_BLOCKS`` blocks: there the blocks' counts and losses are
booked in block order and the trainer's ``on_block`` runs (progress, checkpoints) with no update in
flight, so a checkpoint holds whole blocks. Drawing the blocks in the training threads keeps every
core on the run's own work (a separate sampling thread would take turns with a training thread and
leave the others waiting for it).

Two threads updating the same row at the same moment may lose one of the updates, and which
thread trains which block, and when, depends on the operating system: a run with more than one
thread is not reproducible bit for bit (one thread never comes here: it is the single-threaded
loop, bit-identical run to run and on resume).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# blocks per thread and round: fewer rounds (a round ends when its last block does) against
# progress reports and checkpoints that come often enough
ROUND_BLOCKS = 4


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no sched_getaffinity (macOS, Windows)
        return os.cpu_count() or 1


class Hogwild:
    """Runs ``train_block(g)`` for blocks ``first..last-1`` on ``threads`` threads (the calling one
    and ``threads - 1`` workers kept for the whole run; :meth:`close` stops them), one round at a
    time; ``train_block`` must be safe to call from several threads."""

    def __init__(self, threads: int, round_blocks: int = ROUND_BLOCKS):
        self.threads = threads
        self.round_blocks = round_blocks
        self.pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="symw2v-hogwild")

    def rounds(self, first: int, last: int):
        """The rounds of blocks ``first..last-1``, as ranges."""
        size = self.threads * self.round_blocks
        return (range(g, min(g + size, last)) for g in range(first, last, size))

    def run_round(self, blocks: range, train_block: Callable[[int], object]) -> list:
        """``train_block(g)`` for every block of the round, each block taken by the first thread free;
        returns the results in block order. After an exception no new block is started; the first
        exception is raised once every thread has stopped."""
        results: list = [None] * len(blocks)
        taken = iter(range(len(blocks)))
        lock = threading.Lock()
        failed = threading.Event()

        def worker() -> None:
            while not failed.is_set():
                with lock:
                    i = next(taken, None)
                if i is None:
                    return
                try:
                    results[i] = train_block(blocks[i])
                except BaseException:
                    failed.set()
                    raise

        futures = [self.pool.submit(worker) for _ in range(min(self.threads, len(blocks)) - 1)]
        errors = []
        try:
            worker()
        except BaseException as exc:  # noqa: BLE001 -- re-raised below, once the workers have stopped
            errors.append(exc)
        for f in futures:
            exc = f.exception()
            if exc is not None:
                errors.append(exc)
        if errors:
            raise errors[0]
        return results

    def close(self) -> None:
        self.pool.shutdown(wait=True)
