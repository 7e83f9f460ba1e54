"""The results.json contract (README, "results.json"): checks, summary, environment and coverage."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Kind = Literal[
    "static",
    "health",
    "scrape",
    "alert",
    "notification",
    "dashboard",
    "reliability",
    "security",
    "performance",
]
Status = Literal["passed", "failed", "skipped"]


@dataclass
class CheckResult:
    """One check. ``id`` is stable across runs (it keys baselines and diffs)."""

    id: str
    kind: Kind
    status: Status
    seconds: float = 0.0
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class Report:
    """Everything one ``run`` or ``check`` produced; ``write`` renders results.json."""

    environment: dict[str, Any] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    coverage: dict[str, Any] = field(default_factory=dict)
    measurements: dict[str, Any] = field(default_factory=dict)

    def add(self, result: CheckResult) -> CheckResult:
        self.checks.append(result)
        return result

    def passed(
        self, id: str, kind: Kind, message: str = "", seconds: float = 0.0, **details: Any
    ) -> CheckResult:
        return self.add(CheckResult(id, kind, "passed", round(seconds, 3), message, details))

    def failed(self, id: str, kind: Kind, message: str, seconds: float = 0.0, **details: Any) -> CheckResult:
        return self.add(CheckResult(id, kind, "failed", round(seconds, 3), message, details))

    def skipped(self, id: str, kind: Kind, message: str, **details: Any) -> CheckResult:
        return self.add(CheckResult(id, kind, "skipped", 0.0, message, details))

    def timed(self, id: str, kind: Kind) -> TimedCheck:
        """Start timing check ``id``: its ``passed`` / ``failed`` record the seconds since now."""
        return TimedCheck(self, id, kind)

    @property
    def summary(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        for check in self.checks:
            counts[check.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        return not any(check.failed for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        coverage = {
            "alert_rules": {"total": 0, "covered": 0, "uncovered": []},
            "receivers": {"total": 0, "covered": 0, "uncovered": []},
            "panels": {"total": 0, "with_data": 0, "without_data": []},
        }
        coverage.update(self.coverage)
        data: dict[str, Any] = {
            "summary": self.summary,
            "environment": self.environment,
            "checks": [_check_json(c) for c in self.checks],
            "coverage": coverage,
        }
        if self.measurements:
            data["measurements"] = self.measurements
        return data

    def write(self, report_dir: Path) -> Path:
        report_dir.mkdir(parents=True, exist_ok=True)
        path = report_dir / "results.json"
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
        return path


@dataclass
class TimedCheck:
    """One check being timed; ``seconds`` is the time since ``Report.timed``."""

    report: Report
    id: str
    kind: Kind
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def passed(self, message: str = "", **details: Any) -> CheckResult:
        return self.report.passed(self.id, self.kind, message, self.seconds, **details)

    def failed(self, message: str, **details: Any) -> CheckResult:
        return self.report.failed(self.id, self.kind, message, self.seconds, **details)


def _check_json(check: CheckResult) -> dict[str, Any]:
    data = asdict(check)
    if not data["details"]:
        del data["details"]
    return data
