"""Verdicts -> a JSON array, one record per claim (see ClaimResult.to_json for the fields)."""

from __future__ import annotations

import json

from ..verify.verdict import ClaimResult


class JsonPrinter:
    def render(self, results: list[ClaimResult]) -> str:
        return json.dumps([r.to_json() for r in results], indent=2)
