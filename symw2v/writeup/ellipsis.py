"""A sum written out with dots: ``t_1 + \\dots + t_o + \\dots + t_w``.

Read only when nothing is left to guess:

* every explicit term is one template with one index hole (``y_1 \\log \\hat y_1``, ``y_o \\log
  \\hat y_o``: the template ``y_□ \\log \\hat y_□``), the same in every term, and the dots stand
  between explicit terms;
* the first term is at the first index (``1``), the last at the last: the size of a range of
  the notation (``V``, ``|V|``), or the letter of a ``\\sum`` over that range written in the same
  row (``-\\sum_{w \\in V} y_w \\log \\hat y_w = -y_1 \\log \\hat y_1 + \\dots + -y_w \\log \\hat
  y_w``: the sum on the left, written out on the right, its last term at its own letter);
* the terms between are at indices of that range.

It is then ``\\sum`` of the template over the range. Anything else (terms that differ in more
than the index, ``-(0) \\log \\hat y_1 + \\dots + -(1) \\log \\hat y_o``, a last term at an
index that is not the last) is refused with its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUBSCRIPT = re.compile(r"_\s*(?:\{\s*([A-Za-z0-9]|\|[A-Za-z]\|)\s*\}|([A-Za-z0-9]))")  # y_1, y_{o}, y_{|V|}
HOLE = "\x00"  # where the index goes in a template


@dataclass(frozen=True)
class Written:
    """The explicit terms' template (LaTeX with HOLE at the index) and each term's index."""

    template: str
    holes: tuple[str, ...]


def template(term: str, hole: str) -> str:
    """``term`` with every subscript equal to ``hole`` replaced by ``_{HOLE}``."""
    return SUBSCRIPT.sub(lambda m: "_{" + HOLE + "}" if (m.group(1) or m.group(2)) == hole else m.group(0), term)


def written(terms: list[str]) -> Written | None:
    """The one template all ``terms`` share with one index hole each, or None."""

    def canon(text: str) -> str:  # typography aside: \hat{y}_{1} and \hat y_1 are one term
        return re.sub(r"[\s{}]+", "", text)

    options = []
    for term in terms:
        values = {m.group(1) or m.group(2) for m in SUBSCRIPT.finditer(term)}
        options.append({value: canon(template(term, value)) for value in values})
    for first_hole, shared in options[0].items():
        holes = [first_hole]
        for other in options[1:]:
            match = [h for h, t in other.items() if t == shared]
            if len(match) != 1:
                break
            holes.append(match[0])
        else:
            if len(set(holes)) == len(holes):
                return Written(template(terms[0], first_hole), tuple(holes))
    return None


def summed_range(row: str, letter: str) -> str | None:
    """The range written for ``letter`` by a ``\\sum`` of ``row`` (``\\sum_{w \\in \\text{Vocab}}``
    -> ``\\text{Vocab}``, ``\\sum_{w=1}^{V}`` -> ``V``), as written; None when no sum binds it."""
    member = re.search(r"\\sum\s*_\s*\{\s*" + letter + r"\s*\\in\s*((?:[^{}]|\{[^{}]*\})+)\}", row)
    if member:
        return member.group(1)
    limits = re.search(r"\\sum\s*_\s*\{\s*" + letter + r"\s*=\s*1\s*\}\s*\^\s*(\{[^{}]*\}|\\?[A-Za-z])", row)
    return limits.group(1).strip("{}") if limits else None
