"""The Python API, for notebooks: ``check`` and ``derive`` on a file, a folder or a TOML string.

A result renders itself in Jupyter: ``_repr_markdown_`` (what Jupyter shows: each chain with a
verdict per step, the counterexample and the diagnosis, formulas in ``$$`` math) and
``_repr_latex_`` (the same as a LaTeX fragment, for nbconvert and documents); both are the
reports of ``symw2v latex``. ``to_json()`` is the output of ``symw2v check --json``::

    from symw2v import check, derive
    check("derivations/b_grad_center.toml")           # renders the chains
    check(TOML_TEXT).verdict                           # "proved", "refuted", ...
    derive("derivations/b_grad_center.toml", wrt="v_c")
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .derivation.document import Derivation
from .derivation.loader import load, loads
from .derive.export import derived_latex
from .derive.regenerate import COMPONENT, Derived, no_form, skeleton
from .derive.regenerate import derive as derive_gradient
from .report.json_report import JsonPrinter
from .report.latex import LatexReport
from .report.markdown import MarkdownReport
from .verify.checker import DEFAULT_BUDGET, check_derivation, check_files
from .verify.verdict import ClaimResult, worst

Source = str | Path
# \verdict is defined by the document preamble; a fragment shown on its own gets a plain one.
VERDICT_MACRO = "\\providecommand{\\verdict}[1]{\\textbf{#1}}\n"


def _is_text(source: Source) -> bool:
    """A string with a line break is TOML text; anything else names a file or folder."""
    return isinstance(source, str) and "\n" in source


def _derivation(source: Source) -> Derivation:
    return loads(source) if _is_text(source) else load(source)  # type: ignore[arg-type]


@dataclass
class Checked:
    """The verdicts of ``check``, file by file (a file that cannot be read has no derivation);
    iterates over its :class:`ClaimResult` records."""

    files: list[tuple[Derivation | None, list[ClaimResult]]]

    @property
    def results(self) -> list[ClaimResult]:
        return [r for _, results in self.files for r in results]

    @property
    def verdict(self) -> str:
        """The worst verdict of all claims."""
        return worst([r.verdict for r in self.results])

    def __iter__(self) -> Iterator[ClaimResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, n: int) -> ClaimResult:
        return self.results[n]

    def to_json(self) -> str:
        return JsonPrinter().render(self.results)

    def render(self, report: LatexReport) -> str:
        return "".join(
            report.section(d, rs) if d is not None else report.malformed_file(rs[0].file, rs[0].error or "")
            for d, rs in self.files
        )

    def _repr_latex_(self) -> str:
        return VERDICT_MACRO + self.render(LatexReport())

    def _repr_markdown_(self) -> str:
        return self.render(MarkdownReport())

    def __repr__(self) -> str:
        counts = {v: sum(r.verdict == v for r in self.results) for v in dict.fromkeys(r.verdict for r in self)}
        return f"<symw2v.Checked {self.verdict}: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + ">"


def check(source: Source, budget: float = DEFAULT_BUDGET) -> Checked:
    """Check every claim of ``source``: a derivation file, a folder of them, or TOML text;
    ``budget`` seconds per claim, as ``symw2v check --budget``."""
    if _is_text(source):
        derivation = loads(source)  # type: ignore[arg-type]
        return Checked([(derivation, check_derivation(derivation, budget))])
    if not Path(source).exists():
        raise FileNotFoundError(f"no such file or folder: {source}")
    return Checked(check_files([source], budget))


@dataclass
class Derivative:
    """A gradient from ``derive``: ``str()`` is the derivation-file skeleton that
    ``symw2v derive`` prints; it renders as LaTeX (components and matrix form) in Jupyter."""

    derived: Derived

    @property
    def formula(self) -> str | None:
        """The best verified form (matrix, else index), in our formula language."""
        return self.derived.best

    def __str__(self) -> str:
        return no_form(self.derived) if self.derived.kind == COMPONENT else skeleton(self.derived)

    def _repr_latex_(self) -> str:
        return derived_latex(self.derived)

    def _repr_markdown_(self) -> str:
        return derived_latex(self.derived, MarkdownReport())

    def __repr__(self) -> str:
        d = self.derived
        return f"<symw2v.Derivative grad({d.of}, {d.wrt}) = {d.best or d.component} ({d.kind} form)>"


def derive(source: Source, wrt: str, of: str | None = None, budget: float = DEFAULT_BUDGET) -> Derivative:
    """grad(of, wrt) of the loss ``of`` (default: the only loss) of ``source`` (a derivation
    file or TOML text), each form verified, as ``symw2v derive``; raises DerivationError for
    malformed input, DeriveError when there is no gradient to show."""
    return Derivative(derive_gradient(_derivation(source), wrt, of, seconds=budget))
