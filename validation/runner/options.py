"""What `stackcheck run` is asked to do: the groups, the backend, the time-scale cap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validation.checks import ALL_GROUPS
from validation.core.settings import Settings
from validation.pipeline.grouping import DEFAULT_BUDGET_S, DEFAULT_FLOOR_S
from validation.runner.progress import NULL_PROGRESS, Progress

DEFAULT_TIME_SCALE_CAP = 600.0
"""`run --time-scale` is a cap: no group compresses time more than this (README, "speed")."""


@dataclass(frozen=True)
class RunOptions(Settings):
    """The shared ``Settings`` (backend, time scale — here the cap on every group's K —, report
    dir) and what only `run` chooses."""

    only: tuple[str, ...] = ALL_GROUPS
    keep_run_dir: bool = False
    scenarios: str = ""  # fnmatch pattern over scenario names; a subset disables the coverage gate
    scenario_names: frozenset[str] | None = None  # `--changed-since`: only these scenarios
    selection: dict[str, Any] | None = None  # `--changed-since`: recorded in results.json
    interval_floor: float = DEFAULT_FLOOR_S  # wall seconds: no scrape/evaluation interval below it
    group_budget: float = DEFAULT_BUDGET_S  # wall seconds a scenario group aims for
    progress: Progress = NULL_PROGRESS  # the console display (runner/progress.py)
