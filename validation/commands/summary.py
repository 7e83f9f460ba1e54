"""The closing lines of ``check`` and ``run``: every failure, then the counts."""

from __future__ import annotations

from pathlib import Path

from validation.core.errors import EXIT_FAILED, EXIT_OK
from validation.core.results import Report


def finish(report: Report, report_dir: Path) -> int:
    for check in report.checks:
        if check.status == "failed":
            print(f"FAIL {check.id}: {check.message}")
    summary = report.summary
    print(
        f"{summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped "
        f"→ {report_dir / 'results.json'}"
    )
    return EXIT_OK if report.ok else EXIT_FAILED
