"""``symw2v latex`` and ``symw2v derive``: write documents and skeletons to a folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..derivation.document import Derivation
from ..derivation.errors import DerivationError
from ..derivation.loader import load
from ..language.parser import parse
from ..report.latex import ClaimView, FormulaLatex, LatexReport, component_of, index_latex
from ..report.markdown import MarkdownReport
from ..verify.checker import DEFAULT_BUDGET, check_derivation, expand_paths
from ..verify.verdict import MALFORMED, ClaimResult
from .regenerate import COMPONENT, MATRIX, Derived, DeriveError, derive, no_form, skeleton, targets

COMBINED = "derivations"


def views_for(
    derivation: Derivation, with_derive: bool = True, seconds: float | None = DEFAULT_BUDGET
) -> dict[str, ClaimView]:
    """The derived gradient for each claim with ``wrt``, computed once per (loss, wrt) within
    ``seconds``; one out of budget shows the forms verified in time, or none."""
    cache: dict[tuple[str, str], Derived | None] = {}
    views = {}
    for claim in derivation.claims:
        if claim.wrt is None:
            continue
        of = claim.lhs.tree.args[0].id  # type: ignore[attr-defined]
        key = (of, claim.wrt.text)
        if key not in cache:
            try:
                cache[key] = derive(derivation, claim.wrt.text, of, forms=with_derive, seconds=seconds)
            except Exception:  # a view is an extra; the chain and verdicts are shown regardless
                cache[key] = None
        d = cache[key]
        if d is None:
            continue
        view = ClaimView(index_latex(d.component), ",".join(str(i) for i in d.indices))
        if with_derive and d.best is not None:
            view.regenerated, view.regenerated_kind = parse(d.best), d.kind
        views[claim.id] = view
    return views


@dataclass
class Exported:
    files: list[Path]
    combined_tex: Path
    combined_md: Path
    results: list[ClaimResult]


def export(paths: list[str], out_dir: str | Path, budget: float = DEFAULT_BUDGET, with_derive: bool = True) -> Exported:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    reports = (LatexReport(), MarkdownReport())
    sections: dict[int, list[str]] = {0: [], 1: []}
    files: list[Path] = []
    all_results: list[ClaimResult] = []
    files_in = expand_paths(paths)
    slugs = _slugs(files_in)
    for path in files_in:
        try:
            derivation = load(path)
        except DerivationError as err:
            all_results.append(ClaimResult(str(path), "(file)", "", MALFORMED, error=str(err)))
            for n, report in enumerate(reports):
                sections[n].append(report.malformed_file(path.name, str(err)))
            continue
        results = check_derivation(derivation, budget)
        all_results.extend(results)
        views = views_for(derivation, with_derive, budget)
        for n, report in enumerate(reports):
            body = report.section(derivation, results, views)
            sections[n].append(body)
            target = out / (slugs[path] + report.extension)
            target.write_text(report.document(body, derivation.title))
            files.append(target)
    tex, md = out / f"{COMBINED}.tex", out / f"{COMBINED}.md"
    tex.write_text(reports[0].combined(sections[0]))
    md.write_text(reports[1].combined(sections[1]))
    return Exported(files, tex, md, all_results)


def _slug(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem)


def _slugs(paths: list[Path]) -> dict[Path, str]:
    """One output name per file: its stem, or, for files whose stems are the same
    (``derivations/b.toml`` and its columns twin ``derivations/columns/b.toml``), the path below the
    folder they share (``b``, ``columns_b``), so that no file's output overwrites another's."""
    stems: dict[str, list[Path]] = {}
    for path in paths:
        stems.setdefault(_slug(path), []).append(path)
    out = {}
    for stem, same in stems.items():
        if len(same) == 1:
            out[same[0]] = stem
            continue
        shared = Path(os.path.commonpath([p.resolve().parent for p in same]))
        for path in same:
            below = path.resolve().relative_to(shared).with_suffix("")
            out[path] = re.sub(r"[^A-Za-z0-9_.-]+", "_", "_".join(below.parts))
    return out


def latex_engine() -> str | None:
    return shutil.which("pdflatex")


def compile_pdf(tex: Path, engine: str | None = None) -> tuple[bool, str]:
    """Run pdflatex twice (for the table of contents) in a scratch folder; the PDF is copied
    next to the .tex. Returns (success, log): success means no error and no undefined control
    sequence."""
    engine = engine or latex_engine()
    if engine is None:
        return False, "no LaTeX engine (pdflatex) on PATH"
    with tempfile.TemporaryDirectory() as tmp:
        log = ""
        for _ in range(2):
            run = subprocess.run(
                [engine, "-interaction=nonstopmode", "-halt-on-error", f"-output-directory={tmp}", str(tex)],
                capture_output=True, text=True, timeout=300,
            )
            logfile = Path(tmp, tex.stem + ".log")
            log = logfile.read_text(errors="replace") if logfile.exists() else run.stdout
            if run.returncode != 0:
                return False, log
        pdf = Path(tmp, tex.stem + ".pdf")
        made = pdf.exists()
        if made:
            shutil.copy(pdf, tex.with_suffix(".pdf"))
    bad = [line for line in log.splitlines() if line.startswith("!") or "Undefined control sequence" in line]
    return (not bad and made), log


def derive_all(
    paths: list[str], out_dir: str | Path, seconds: float | None = DEFAULT_BUDGET
) -> list[tuple[Path, Derived] | DeriveError]:
    """A skeleton (.toml) and LaTeX (.tex) for every (loss, wrt) that a claim differentiates,
    each within ``seconds``; a gradient out of budget before it was normalised is its error."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Derived] | DeriveError] = []
    files = expand_paths(paths)
    slugs = _slugs(files)
    for path in files:
        derivation = load(path)
        for of, wrt in targets(derivation):
            try:
                d = derive(derivation, wrt, of, seconds=seconds)
            except DeriveError as err:
                written.append(err)
                continue
            written.append((write_derived(d, out, slugs[path]), d))
    return written


def wrt_slug(of: str, wrt: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{of}_{wrt}").strip("_")


def write_derived(d: Derived, out: Path, file_slug: str | None = None) -> Path:
    stem = f"{file_slug or _slug(Path(d.derivation.path))}.{wrt_slug(d.of, d.wrt)}"
    target = out / f"{stem}.toml"
    target.write_text(skeleton(d) if d.kind != COMPONENT else no_form(d))
    (out / f"{stem}.tex").write_text(derived_latex(d))
    return target


def derived_latex(d: Derived, report: LatexReport | None = None) -> str:
    """A LaTeX fragment (amsmath): the gradient in components, and in matrix or index form;
    with a :class:`MarkdownReport`, the same in Markdown."""
    report = report or LatexReport()
    p = FormulaLatex(d.derivation)
    lhs = p.latex(parse(f"grad({d.of}, {d.wrt})"))
    idx = ",".join(str(i) for i in d.indices)
    out = [report.comment(f"symw2v derive {d.derivation.path} --of {d.of} --wrt '{d.wrt}' ({d.kind} form)")]
    if d.exhausted:
        out.append(report.comment(d.exhausted))
    out.append(report.display(f"{component_of(lhs, idx)} = {index_latex(d.component)}"))
    for kind, text in sorted(d.forms.items(), key=lambda f: f[0] != MATRIX):
        out.append(report.comment(f"{kind} form: {text}"))
        out.append(report.display(f"{lhs} = {p.latex(parse(text))}"))
    return "".join(out)
