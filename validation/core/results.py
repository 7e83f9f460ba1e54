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
Status = Literal["passed", "failed", "skipped", "waived"]
Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass
class CheckResult:
    """One check. ``id`` is stable across runs (it keys baselines and diffs).

    ``severity`` is ``error`` (the stack will misbehave) or ``warning`` (policy, style: reported,
    fatal only with ``--strict``); ``None`` until the check class's default is stamped on it
    (``validation.checks.base.run_check``). ``file``/``line`` place a finding in the user's own
    files, relative to the repository root. ``waiver`` says which waiver silenced a failure
    (status ``waived``).
    """

    id: str
    kind: Kind
    status: Status
    seconds: float = 0.0
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    file: str | None = None
    line: int | None = None
    waiver: dict[str, Any] | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def level(self) -> Severity:
        return self.severity or "error"

    @property
    def warned(self) -> bool:
        return self.failed and self.level == "warning"

    @property
    def untrusted(self) -> bool:
        """A verdict formed while the harness itself was behind, twice: not the config's (exit 2)."""
        return bool(self.details.get("untrusted"))

    def fatal(self, strict: bool = False) -> bool:
        """Whether this result fails the build: a failed error, or a failed warning under ``--strict``.
        Never the harness's own trouble (a ``reliability`` warning, an untrusted verdict): that
        says nothing about the config."""
        if self.untrusted or (self.kind == "reliability" and self.level == "warning"):
            return False
        return self.failed and (strict or self.level == "error")


@dataclass
class Report:
    """Everything one ``run`` or ``check`` produced; ``write`` renders results.json."""

    environment: dict[str, Any] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    coverage: dict[str, Any] = field(default_factory=dict)
    measurements: dict[str, Any] = field(default_factory=dict)
    waivers: list[dict[str, Any]] = field(default_factory=list)
    # earlier attempts of re-run scenarios (their checks replaced in ``checks``), oldest first
    attempts: list[dict[str, Any]] = field(default_factory=list)
    # why the harness could not produce a trustworthy verdict (exit 2), with what to do
    untrusted: str = ""
    selection: dict[str, Any] = field(default_factory=dict)  # `--changed-since`: what ran and why

    def add(self, result: CheckResult) -> CheckResult:
        self.checks.append(result)
        return result

    def passed(
        self, id: str, kind: Kind, message: str = "", seconds: float = 0.0, **details: Any
    ) -> CheckResult:
        return self.add(CheckResult(id, kind, "passed", round(seconds, 3), message, details))

    def failed(
        self,
        id: str,
        kind: Kind,
        message: str,
        seconds: float = 0.0,
        *,
        severity: Severity | None = None,
        file: str | None = None,
        line: int | None = None,
        **details: Any,
    ) -> CheckResult:
        return self.add(
            CheckResult(id, kind, "failed", round(seconds, 3), message, details, severity, file, line)
        )

    def skipped(self, id: str, kind: Kind, message: str, **details: Any) -> CheckResult:
        return self.add(CheckResult(id, kind, "skipped", 0.0, message, details))

    def warning(self, id: str, kind: Kind, message: str, **details: Any) -> CheckResult:
        """A finding reported in results.json and the summary that does not fail the run."""
        return self.failed(id, kind, message, severity="warning", **details)

    def timed(self, id: str, kind: Kind) -> TimedCheck:
        """Start timing check ``id``: its ``passed`` / ``failed`` record the seconds since now."""
        return TimedCheck(self, id, kind)

    @property
    def summary(self) -> dict[str, int]:
        """Counts by status; ``warnings`` counts the failed checks of severity warning, ``waived``
        the failures a waiver silenced (present only when there are any)."""
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        for check in self.checks:
            counts[check.status] = counts.get(check.status, 0) + 1
        warnings = sum(1 for c in self.checks if c.failed and c.level == "warning")
        if warnings:
            counts["warnings"] = warnings
        untrusted = sum(1 for c in self.checks if c.failed and c.untrusted)
        if untrusted:
            counts["untrusted"] = untrusted
        return counts

    @property
    def warnings(self) -> list[CheckResult]:
        return [check for check in self.checks if check.warned]

    @property
    def ok(self) -> bool:
        """No failed check of any severity (warnings included; see ``gate`` for the exit code)."""
        return not any(check.failed for check in self.checks)

    def gate(self, strict: bool = False) -> bool:
        """True when nothing fails the build: no failed error (and, ``strict``, no failed warning)."""
        return not any(check.fatal(strict) for check in self.checks)

    def relativize(self, root: Path) -> None:
        """Make every finding's ``file`` relative to the repository root (where it lies inside it)."""
        base = root.resolve()
        for check in self.checks:
            if check.file and Path(check.file).is_absolute():
                try:
                    check.file = str(Path(check.file).resolve().relative_to(base))
                except ValueError:
                    pass

    def stamp_severity(self, severity: Severity, start: int = 0) -> None:
        """Give the results from index ``start`` on that carry no severity of their own ``severity``."""
        for check in self.checks[start:]:
            if check.severity is None:
                check.severity = severity

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
        if self.waivers:
            data["waivers"] = self.waivers
        if self.attempts:
            data["attempts"] = self.attempts
        if self.untrusted:
            data["untrusted"] = self.untrusted
        if self.selection:
            data["selection"] = self.selection
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
    data["severity"] = check.level
    for optional in ("details", "file", "line", "waiver"):
        if not data[optional]:
            del data[optional]
    return data
