"""What was read -> a derivation file (TOML text), loaded by the derivation loader itself, so that
the verdicts come from exactly the pipeline that checks a hand-written file.

Each chain becomes a ``[[claim]]`` named after its first line (``L86``), with a comment giving
the line of every step; a chain whose left-hand side is the derivative of a loss is written with
``wrt`` and ``of``, as by hand. A chain read once per pair loss (:mod:`.pairloss`) is a claim
per loss (``L154.naive_softmax``, ``L154.neg_sample``), its ``says`` naming the loss. The
notation's sections come first, then the write-up's own definitions (losses in ``[loss]``). A
claim the loader refuses is left out and reported as not read, with the loader's message; the
rest is still checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..derivation.document import Derivation
from ..derivation.errors import DerivationError
from ..derivation.loader import loads
from ..language.printer import to_text
from ..language.syntax import Call, Name
from .chains import Chain, Reading, Unread, is_loss_name
from .notation import Notation, toml_string

MAX_SAYS = 90


@dataclass
class Transcript:
    reading: Reading
    notation: Notation
    toml: str
    derivation: Derivation | None
    claims: dict[str, Chain] = field(default_factory=dict)  # claim id -> the chain it was read from
    dropped: list[Unread] = field(default_factory=list)
    toml_offsets: dict[int, int] = field(default_factory=dict)  # line of the TOML -> offset in the write-up
    alternatives: dict[str, int] = field(default_factory=dict)  # shipped notation -> steps it read
    parts: list[Transcript] = field(default_factory=list)  # with sections: one transcript each, this first
    lines: tuple[int, int] | None = None  # the lines of the section this one reads

    @property
    def all_parts(self) -> list[Transcript]:
        return self.parts or [self]

    @property
    def path(self) -> str:
        return self.reading.source.path

    def line_of(self, claim: str, element: int) -> int:
        """The source line of element ``element`` of a claim's chain (0 is the left-hand side)."""
        chain = self.claims[claim]
        side = chain.sides[min(element, len(chain.sides) - 1)]
        return self.reading.source.line(side.start)


def transcribe(reading: Reading, notation: Notation) -> Transcript:
    chains = list(reading.chains)
    dropped: list[Unread] = []
    while True:
        toml, ids, claim_lines, offsets = _write(reading, notation, chains)
        try:
            derivation = loads(toml, reading.source.path) if ids else None
        except DerivationError as err:
            at = _claim_at(claim_lines, err.line)
            if at is None:
                raise  # the notation or a definition: a bug of the reader, not of the write-up
            chain = chains.pop(at)
            start, side = chain.start, chain.sides[0]
            dropped.append(Unread(reading.source, start, side.end, err.message, "", side.latex, "chain", (0, 1)))
            continue
        return Transcript(reading, notation, toml, derivation, dict(zip(ids, chains, strict=True)), dropped, offsets)


def _claim_at(claim_lines: list[int], line: int | None) -> int | None:
    if line is None:
        return None
    found = [n for n, first in enumerate(claim_lines) if first <= line]
    return found[-1] if found else None


def _write(
    reading: Reading, notation: Notation, chains: list[Chain]
) -> tuple[str, list[str], list[int], dict[int, int]]:
    source = reading.source
    out = [
        f"# Read by symw2v from {source.path} with the notation {notation.name!r}: one claim per chain,",
        "# each formula with the line it was read from. Check it with: symw2v check THIS_FILE",
        f"title = {toml_string(f'{source.path}, as read')}",
        f"source = {toml_string(source.path)}",
        f"convention = {toml_string(notation.convention)}",
        f"assume = [{', '.join(map(toml_string, notation.assume))}]",
        "",
    ]
    defined = [d for d in reading.defined.values() if d.value is not None]
    for table in ("symbols", "define", "loss"):
        out.append(f"[{table}]")
        out.extend(f"{toml_string(k)} = {toml_string(v)}" for k, v in notation.tables[table].items())
        for d in defined:
            if (table == "loss") == is_loss_name(d) and table != "symbols":
                out.append(f"{d.name} = {toml_string(to_text(d.value.node))}  # line {d.line}: {_comment(d.key)}")
        out.append("")
    ids: list[str] = []
    taken: list[tuple[str, str]] = []  # (id before its loss, the loss its bare J is read as)
    claim_lines: list[int] = []
    offsets: dict[int, int] = {}
    losses = set(notation.definitions) | {d.name for d in defined}
    for chain in chains:
        line = source.line(chain.start)
        same = [i for i, loss in taken if loss == chain.loss]  # a chain read per pair loss: one id each
        cid = f"L{line}"
        if cid in same or any(i.startswith(f"{cid}:") for i in same):
            cid = f"L{line}:{source.column(chain.start)}"
        if cid in same:  # the cases of one chain start where it starts
            cid = f"{cid}.{sum(i == cid or i.startswith(f'{cid}.') for i in same) + 1}"
        taken.append((cid, chain.loss))
        if chain.loss:
            cid = f"{cid}.{chain.loss.removeprefix('J_')}"
        ids.append(cid)
        claim_lines.append(len(out) + 1)
        lhs, *steps = chain.sides
        offsets[len(out) + 1] = chain.start
        out.append("[[claim]]")
        out.append(f"id = {toml_string(cid)}")
        left_out = f" ({len(chain.skipped)} formula(s) of it not read)" if chain.skipped else ""
        read_as = f" (J read as {chain.loss})" if chain.loss else ""
        out.append(f"says = {toml_string(_says(lhs.latex) + read_as + left_out)}")
        node = lhs.value.node
        of = node.args[0] if isinstance(node, Call) and node.func == "grad" else None
        offsets[len(out) + 1] = lhs.start
        if isinstance(of, Name) and of.id in losses:
            out.append(f"wrt = {toml_string(to_text(node.args[1]))}  # line {line}: {_comment(lhs.latex)}")
            out.append(f"of = {toml_string(of.id)}")
        else:
            out.append(f"lhs = {toml_string(to_text(node))}  # line {line}: {_comment(lhs.latex)}")
        scoped = [a for a in (*notation.assumptions_at(line), *chain.assume) if a not in notation.assume]
        if scoped:
            out.append(f"assume = [{', '.join(map(toml_string, scoped))}]")
        out.append("steps = [")
        for side in steps[:-1]:
            offsets[len(out) + 1] = side.start
            out.append(f"  {toml_string(to_text(side.value.node))},  # line {source.line(side.start)}{_ill(side)}")
        out.append("]")
        last = steps[-1]
        offsets[len(out) + 1] = last.start
        out.append(f"result = {toml_string(to_text(last.value.node))}  # line {source.line(last.start)}{_ill(last)}")
        for skipped in chain.skipped:
            out.append(f"# not read, line {skipped.line}: {_comment(skipped.message)}")
        out.append("")
    return "\n".join(out), ids, claim_lines, offsets


def _ill(side) -> str:
    return f"; as written, {_comment('; '.join(side.ill))}" if side.ill else ""


def _comment(text: str) -> str:
    return " ".join(text.split())[:200]


def _says(latex: str) -> str:
    text = " ".join(latex.split())
    return text if len(text) <= MAX_SAYS else text[: MAX_SAYS - 1] + "…"
