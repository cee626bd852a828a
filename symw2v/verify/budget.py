"""A wall-clock budget that interrupts long SymPy computations, so a claim never hangs."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class BudgetExceeded(Exception):
    pass


@contextmanager
def budget(seconds: float | None):
    """Raise :class:`BudgetExceeded` inside the block after ``seconds`` (main thread only;
    elsewhere the block runs unbounded)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        # re-armed first: an exception raised while a gc callback runs is swallowed by Python
        # ("Exception ignored in ..."), and the block would then run unbounded
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        raise BudgetExceeded

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
