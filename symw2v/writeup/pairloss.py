"""A bare J in a chain about the skip-gram window: any pair loss of the course, each checked.

Once the write-up names another loss (``J_{neg-sample}``), a bare ``J`` that nothing else
explains (no scope of the notation, no definition, no statement of its part) is refused as
ambiguous (:class:`~.errors.Ambiguous`). Problem (i) of the course says of the window that
``J(v_c, w_{t+j}, U)`` "represents an arbitrary loss term ... could be J_naive-softmax or
J_neg-sample": there the ambiguity is the question's own, and a chain is right only if it is
right for each pair loss. So:

* a side whose bare J is ambiguous is read once per *pair loss* of the notation (its losses, by
  their full names, whose formula takes the window's outside word: ``J_naive_softmax`` and
  ``J_neg_sample`` in the shipped notations), the J read as that loss each time (the reader sets
  ``Translator.pair_loss``);
* a chain with such a side that is *about the window* (a formula of it, in any of its readings,
  has the window's words ``ctx`` or a sum over its positions ``M``: ``J_{skip-gram}``, the window
  as a loss's arguments, ``\\sum_{-m \\le j \\le m, j \\ne 0}``) becomes one chain per pair loss,
  each a claim of its own (:func:`split`), with the J read as that loss in every formula;
* any other chain with such a side is refused as before, where the J is (:func:`refused`).

Nothing changes where the bare J is not ambiguous (before another loss is named, the notation's J
is the naive softmax), nor for a chain not about the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from .translate import LOSS_LETTERS, Translator
from .window import names_in

if TYPE_CHECKING:
    from .chains import Chain, Unread
    from .notation import Notation

T = TypeVar("T")


def pair_losses(notation: Notation) -> tuple[str, ...]:
    """The losses a bare J may be in a chain about the window: the notation's losses by their full
    names that take its outside word (none without a window)."""
    if notation.window is None:
        return ()
    return tuple(
        name
        for name in notation.losses
        if name not in LOSS_LETTERS and notation.window.outside in names_in(notation.definitions[name].formula.tree)
    )


def each_loss(translator: Translator, read: Callable[[], T | None]) -> dict[str, T] | None:
    """``read()`` once per pair loss, a bare ambiguous J read as that loss; None when any reading
    is None (or there is no pair loss)."""
    losses = pair_losses(translator.notation)
    out: dict[str, T] = {}
    saved = translator.pair_loss
    try:
        for loss in losses:
            translator.pair_loss = loss
            got = read()
            if got is None:
                return None
            out[loss] = got
    finally:
        translator.pair_loss = saved
    return out or None


def about_window(chain: Chain, notation: Notation) -> bool:
    """A formula of the chain, in any of its readings, has the window's words or positions."""
    if notation.window is None:
        return False
    marks = {notation.window.words, notation.window.size}
    sides = [r for s in chain.sides for r in (s, *s.readings.values())]
    return any(names_in(s.value.node) & marks for s in sides)


def split(chain: Chain) -> list[Chain]:
    """One chain per pair loss, every ambiguous side read as that loss (``chain.loss`` names it)."""
    losses = next(s.readings for s in chain.sides if s.readings)
    return [
        replace(chain, sides=[s.readings.get(loss, s) for s in chain.sides], skipped=list(chain.skipped), loss=loss)
        for loss in losses
    ]


def refused(chain: Chain) -> tuple[list[Unread], Chain | None]:
    """A chain with an ambiguous J not about the window, as before: the refusals of its ambiguous
    sides, and what is left of it (None when its left-hand side is one of them)."""
    ambiguous = [s for s in chain.sides if s.readings]
    refusals = [s.refusal for s in ambiguous if s.refusal is not None]
    if chain.sides[0].readings:
        return refusals, None
    kept = [s for s in chain.sides if not s.readings]
    return refusals, replace(chain, sides=kept, skipped=[*chain.skipped, *refusals])
