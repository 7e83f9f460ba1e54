"""What `stackcheck run` is asked to do: the groups, the backend, the time-scale cap."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from validation.pipeline.grouping import DEFAULT_BUDGET_S, DEFAULT_FLOOR_S

ALL_GROUPS = ("static", "health", "scrape", "alerts", "notifications", "dashboards")

DEFAULT_TIME_SCALE_CAP = 600.0
"""`run --time-scale` is a cap: no group compresses time more than this (see README, "time")."""


@dataclass
class RunOptions:
    backend: str = "process"
    time_scale: float = 1.0  # the cap on every group's K
    only: tuple[str, ...] = ALL_GROUPS
    report_dir: Path = Path("reports")
    keep_run_dir: bool = False
    scenarios: str = ""  # fnmatch pattern over scenario names; a subset disables the coverage gate
    interval_floor: float = DEFAULT_FLOOR_S  # wall seconds: no scrape/evaluation interval below it
    group_budget: float = DEFAULT_BUDGET_S  # wall seconds a scenario group aims for
    extra: dict[str, object] = field(default_factory=dict)
