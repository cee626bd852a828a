"""The parsed content of one derivation file, as plain data classes."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..language.syntax import Node

KINDS = ("scalar", "vector", "matrix", "index", "indices")


@dataclass(frozen=True)
class Declaration:
    """A declared name. ``sizes`` names the dimensions: ``vector[d]`` -> ("d",),
    ``matrix[V, d]`` -> ("V", "d"), ``index[V]`` (0 <= o < V) -> ("V",),
    ``indices[K, V]`` (K entries, each an index into V, repeats allowed) -> ("K", "V"), and
    ``indices[M, K, V]`` (M lists of K such entries) -> ("M", "K", "V")."""

    name: str
    kind: str
    sizes: tuple[str, ...]


@dataclass(frozen=True)
class Formula:
    """One formula string of the file, its syntax tree, and where it stands (for errors)."""

    text: str
    tree: Node = field(repr=False)
    where: str
    line: int | None = None


@dataclass(frozen=True)
class Definition:
    """``name = formula`` or, with parameters, ``name(p, q) = formula`` (a macro); from the
    ``[let]`` table, an ``intermediate``: also a variable that ``grad`` may differentiate by."""

    name: str
    params: tuple[str, ...]
    formula: Formula
    intermediate: bool = False


@dataclass(frozen=True)
class Claim:
    """A chain ``lhs = steps[0] = ... = result``; with ``wrt`` the lhs is grad(loss, wrt). With
    ``when``, the chain is claimed only where every condition holds."""

    id: str
    says: str
    lhs: Formula
    steps: tuple[Formula, ...]
    result: Formula
    assume: tuple[Formula, ...]
    wrt: Formula | None
    line: int | None
    when: tuple[Formula, ...] = ()

    @property
    def chain(self) -> tuple[Formula, ...]:
        return (self.lhs, *self.steps, self.result)


@dataclass(frozen=True)
class Derivation:
    path: str
    title: str
    source: str
    convention: str
    symbols: dict[str, Declaration]
    definitions: dict[str, Definition]
    assume: tuple[Formula, ...]
    claims: tuple[Claim, ...]
    losses: tuple[str, ...] = ()  # names defined in the [loss] table, in order
