"""Budgets that bound a claim (or a derived gradient) however hostile its formulas are.

Two kinds, both raising :class:`BudgetExceeded` (a ``BaseException``, so no ``except
Exception`` of ours or of a library turns it into an ordinary failure):

* a wall-clock deadline, :func:`budget`, enforced by SIGALRM between Python bytecodes (SymPy
  here runs on Python integers, whose long multiplications also check for signals);
* work caps, :func:`refuse`, checked *before* a computation whose size is known in advance
  (the terms of an unrolled sum, of an expanded power): they raise :class:`WorkExceeded` at
  the same point on any machine under any load.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class BudgetExceeded(BaseException):
    """The budget ran out; the message (if any) says what was refused or where."""


class WorkExceeded(BudgetExceeded):
    """A work cap refused a computation before it started."""


_deadlines: list[float] = []  # monotonic deadlines of the active budgets, innermost last


def _arm(deadline: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-4))


def _expire(signum, frame) -> None:
    # re-armed first: an exception raised while a gc callback runs is swallowed by Python
    # ("Exception ignored in ..."), and the block would then run unbounded
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    raise BudgetExceeded


@contextmanager
def budget(seconds: float | None) -> Iterator[None]:
    """Raise :class:`BudgetExceeded` inside the block after ``seconds`` (main thread only;
    elsewhere, or with ``seconds`` None or 0, the block runs unbounded). Budgets nest: an inner
    block ends no later than the enclosing one, and on leaving it the enclosing deadline is
    re-armed, firing at once if it has passed (even if the inner block swallowed the signal)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    outermost = not _deadlines
    deadline = min(time.monotonic() + seconds, _deadlines[-1] if _deadlines else float("inf"))
    previous = signal.signal(signal.SIGALRM, _expire) if outermost else None
    _deadlines.append(deadline)
    _arm(deadline)
    try:
        yield
    finally:
        _deadlines.pop()
        if outermost:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        else:
            _arm(_deadlines[-1])


def remaining() -> float | None:
    """Seconds left in the innermost active budget (None when unbounded)."""
    return max(_deadlines[-1] - time.monotonic(), 0.0) if _deadlines else None


def refuse(work: int, cap: int, what: str, unit: str = "terms") -> None:
    """Raise :class:`WorkExceeded` when ``work`` (a count known before computing) exceeds
    ``cap``; ``what`` names the computation, as in "unrolling the sums at V=3"."""
    if work > cap:
        raise WorkExceeded(f"refused {what}: {work:,} {unit}, over the cap of {cap:,}")


def exhausted_text(out: BudgetExceeded, seconds: float) -> str:
    """What a step left undecided by ``out`` says: the refusal of a work cap, or the time."""
    if isinstance(out, WorkExceeded):
        return f"work budget exhausted: {out}"
    return f"budget of {seconds:g} s exhausted"
