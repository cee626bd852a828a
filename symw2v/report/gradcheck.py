"""``symw2v gradcheck`` findings -> plain text: a mark per function and, beneath a wrong one,
each wrong output, the known bug it looks like, and the smallest example."""

from __future__ import annotations

import json

from ..gradcheck import Outcome

MARK = {"passed": "✓", "wrong": "✗", "missing": "!"}
LABELS = {"draws": "dataset draws", "seed": "dataset seed"}  # example fields that are not arguments


def _state(result: dict | str | None) -> str:
    return "passed" if result is None else "missing" if result == "missing" else "wrong"


def _example(example: dict) -> str:
    shown = ", ".join(
        f"{LABELS.get(k, k)}={json.dumps(v)}" for k, v in example.items() if k != "dtype"
    )
    return f"{example.get('dtype', '')}: {shown}"


def render(outcome: Outcome) -> str:
    lines = [outcome.path]
    if outcome.problem:
        return "\n".join([*lines, f"  cannot run: {outcome.problem}", "exit 2: the file cannot be loaded or run"])
    for function, result in outcome.results.items():
        state = _state(result)
        if not isinstance(result, dict):
            lines.append(f"  {MARK[state]} {function}" + (": not defined in the file" if state == "missing" else ""))
            continue
        lines.append(f"  {MARK[state]} {function}")
        if result["error"]:
            lines.append(f"      {result['error']}")
        for wrong in result["wrong"]:
            lines.append(f"      {wrong['output']} is wrong: {wrong['message']}")
            if wrong["bug"]:
                lines.append(f"        looks like: {wrong['bug']['name']} ({wrong['bug']['advice']})")
        lines.append(f"      smallest example, {_example(result['example'])}")
    counts = {s: sum(_state(r) == s for r in outcome.results.values()) for s in MARK}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n))
    return "\n".join(lines)
