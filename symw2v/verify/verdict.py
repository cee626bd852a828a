"""What the checker says about each step and each claim, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .concrete import Counterexample

PROVED, CHECKED, REFUTED, UNDECIDED, MALFORMED = (
    "proved",
    "checked",
    "refuted",
    "undecided",
    "malformed",
)
# Worst first: a claim takes the worst verdict of its steps.
SEVERITY = (MALFORMED, REFUTED, UNDECIDED, CHECKED, PROVED)


def worst(verdicts: list[str]) -> str:
    return min(verdicts, key=SEVERITY.index) if verdicts else PROVED


@dataclass
class StepResult:
    """Verdict of step n of a chain: ``chain[n]`` (``right``) compared with the last correct
    expression before it, ``chain[compared_with]`` (``left``; chain[0] is the left-hand side)."""

    number: int
    left: str
    right: str
    verdict: str
    shown: str
    shapes: list[str] = field(default_factory=list)
    counterexample: Counterexample | None = None
    residual: str | None = None
    seconds: float = 0.0
    compared_with: int = 0
    note: str | None = None
    diagnosis: str | None = None
    residual_expr: sp.Expr | None = None  # ``residual`` as SymPy, for typesetting; not in the JSON

    def to_json(self) -> dict:
        return {
            "step": self.number,
            "compared_with": self.compared_with,
            "note": self.note,
            "diagnosis": self.diagnosis,
            "left": self.left,
            "right": self.right,
            "verdict": self.verdict,
            "shown": self.shown,
            "shapes": self.shapes,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
            "residual": self.residual,
            "seconds": round(self.seconds, 4),
        }


@dataclass
class ClaimResult:
    file: str
    claim: str
    says: str
    verdict: str
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    when: list[str] = field(default_factory=list)  # the claim holds where these conditions do

    @property
    def shapes(self) -> list[str]:
        return sorted({s for step in self.steps for s in step.shapes})

    @property
    def counterexample(self) -> Counterexample | None:
        return next((s.counterexample for s in self.steps if s.counterexample), None)

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "claim": self.claim,
            "says": self.says,
            "when": self.when,
            "verdict": self.verdict,
            "shapes": self.shapes,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
            "error": self.error,
            "steps": [s.to_json() for s in self.steps],
            "seconds": round(self.seconds, 4),
        }
