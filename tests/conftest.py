"""Shared test configuration: hypothesis profiles, and a terminal width for reports.

``ci`` is small and derandomised (reproducible in CI), ``dev`` explores a bit more. The profile
is chosen by ``HYPOTHESIS_PROFILE``; without it, ``ci`` when ``CI`` is set, else ``dev``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)

DEFAULT_PROFILE = "ci" if "CI" in os.environ else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", DEFAULT_PROFILE))

# Reports printed by the command line wrap at the terminal's width; the tests read file names and
# lines out of them, whose length depends on where pytest puts its temporary files (longer under
# pytest-xdist's workers). A wide terminal keeps them on one line, for the CLI run in subprocesses too.
os.environ["COLUMNS"] = "200"
