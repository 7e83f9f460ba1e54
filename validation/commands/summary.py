"""The closing lines of ``check`` and ``run``: every failure, then the counts."""

from __future__ import annotations

from pathlib import Path

from validation.core.errors import EXIT_FAILED, EXIT_HARNESS, EXIT_OK
from validation.core.results import Report
from validation.runner.progress import Verbosity, print_summary


def finish(report: Report, report_dir: Path, verbosity: Verbosity = "quiet") -> int:
    if verbosity != "quiet":
        print_summary(report)
    for check in report.checks:
        if check.failed:
            print(f"{'UNTRUSTED' if check.details.get('untrusted') else 'FAIL'} {check.id}: {check.message}")
    summary = report.summary
    print(
        f"{summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped"
        + (f", {summary['warnings']} warning(s)" if summary["warnings"] else "")
        + (f", {summary['untrusted']} untrusted" if summary.get("untrusted") else "")
        + f" → {report_dir / 'results.json'}"
    )
    if report.untrusted:
        print(f"stackcheck: {report.untrusted}")
    if not report.ok:
        return EXIT_FAILED
    return EXIT_HARNESS if report.untrusted else EXIT_OK
