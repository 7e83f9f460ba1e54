"""Which scenarios a run takes: the ``--scenarios`` pattern, an explicit name set (a re-run or
``--changed-since``), and the ones that cannot run at this time scale (reported skipped)."""

from __future__ import annotations

import fnmatch
from collections.abc import Collection
from pathlib import Path

from validation.core.errors import HarnessError
from validation.core.results import Report
from validation.scenarios.model import Scenario


def select_scenarios(
    scenarios: list[Scenario], pattern: str, names: Collection[str] | None, scenarios_dir: Path
) -> list[Scenario]:
    """Those matching ``pattern`` (a shell pattern; '' for all) and in ``names`` (None for all).
    A pattern matching nothing is a usage error: the user named scenarios that do not exist."""
    if pattern:
        scenarios = [s for s in scenarios if fnmatch.fnmatchcase(s.name, pattern)]
        if not scenarios:
            raise HarnessError(
                f"no scenario matches {pattern!r}",
                place=str(scenarios_dir),
                hint="scenario names are listed in fixtures/scenarios/*.yaml (name:)",
            )
    if names is not None:
        scenarios = [s for s in scenarios if s.name in names]
    return scenarios


def runnable_at(
    scenarios: list[Scenario], scale: float, uncompressible: Collection[str], report: Report
) -> list[Scenario]:
    """The scenarios that keep their meaning at time scale ``scale``; the others (they ask for
    real time, or name an alert whose rule reads the wall clock) are reported skipped with the
    command that runs them."""
    runnable = []
    for scenario in scenarios:
        blocked = sorted(scenario.named_alerts & set(uncompressible))
        if scale != 1 and (scenario.scale == 1 or blocked):
            why = (
                f"rules {blocked} cannot be time-compressed" if blocked else "the scenario asks for real time"
            )
            report.skipped(f"alerts/{scenario.name}", "alert", f"{why}; run it with --time-scale 1")
            continue
        runnable.append(scenario)
    return runnable
