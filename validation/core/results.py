"""The results.json contract of design.md: checks, summary, environment and coverage."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
# error: the stack will misbehave (fails the run); warning: reported, never fails the run
Severity = Literal["error", "warning"]


@dataclass
class CheckResult:
    """One check. ``id`` is stable across runs (it keys baselines and diffs)."""

    id: str
    kind: Kind
    status: Status
    seconds: float = 0.0
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "error"

    @property
    def failed(self) -> bool:
        """A failure that fails the run (a warning never does)."""
        return self.status == "failed" and self.severity == "error"

    @property
    def warned(self) -> bool:
        return self.status == "failed" and self.severity == "warning"


@dataclass
class Report:
    """Everything one ``run`` or ``check`` produced; ``write`` renders results.json."""

    environment: dict[str, Any] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    coverage: dict[str, Any] = field(default_factory=dict)
    measurements: dict[str, Any] = field(default_factory=dict)
    # earlier attempts of re-run scenarios (their checks replaced in ``checks``), oldest first
    attempts: list[dict[str, Any]] = field(default_factory=list)
    # why the harness could not produce a trustworthy verdict (exit 2), with what to do
    untrusted: str = ""

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

    def warning(self, id: str, kind: Kind, message: str, **details: Any) -> CheckResult:
        """A finding reported in results.json and the summary that does not fail the run."""
        return self.add(CheckResult(id, kind, "failed", 0.0, message, details, severity="warning"))

    @contextmanager
    def timed(self) -> Iterator[list[float]]:
        """``with report.timed() as t: ...`` then ``t[0]`` holds the elapsed seconds."""
        holder: list[float] = [0.0]
        start = time.monotonic()
        try:
            yield holder
        finally:
            holder[0] = time.monotonic() - start

    @property
    def summary(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "skipped": 0, "warnings": 0}
        for check in self.checks:
            if check.failed and check.details.get("untrusted"):
                counts["untrusted"] = counts.get("untrusted", 0) + 1
            else:
                counts["warnings" if check.warned else check.status] += 1
        return counts

    @property
    def warnings(self) -> list[CheckResult]:
        return [check for check in self.checks if check.warned]

    @property
    def ok(self) -> bool:
        """No check failed — but for those the harness could not judge (see ``untrusted``)."""
        return not any(check.failed and not check.details.get("untrusted") for check in self.checks)

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
        if self.attempts:
            data["attempts"] = self.attempts
        if self.untrusted:
            data["untrusted"] = self.untrusted
        return data

    def write(self, report_dir: Path) -> Path:
        report_dir.mkdir(parents=True, exist_ok=True)
        path = report_dir / "results.json"
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
        return path


def _check_json(check: CheckResult) -> dict[str, Any]:
    data = asdict(check)
    if not data["details"]:
        del data["details"]
    return data
