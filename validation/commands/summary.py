"""The closing lines of ``check`` and ``run``: every failure, then the counts, the CI outputs and
the exit code (an error fails; a warning only under ``--strict``; waived findings never)."""

from __future__ import annotations

from pathlib import Path

from validation.commands.ci_outputs import CiOutputs
from validation.core.errors import EXIT_FAILED, EXIT_OK
from validation.core.results import Report


def finish(report: Report, report_dir: Path, ci: CiOutputs | None = None) -> int:
    ci = ci or CiOutputs()
    for check in report.checks:
        if check.status == "failed":
            print(f"{'FAIL' if check.fatal(ci.strict) else 'WARN'} {check.id}: {check.message}")
    summary = report.summary
    waived = f", {summary['waived']} waived" if summary.get("waived") else ""
    count = summary.get("warnings", 0)
    warnings = f" ({count} warning{'s' if count > 1 else ''})" if count else ""
    print(
        f"{summary['passed']} passed, {summary['failed']} failed{warnings}, {summary['skipped']} skipped"
        f"{waived} → {report_dir / 'results.json'}"
    )
    ci.write(report)
    return EXIT_OK if report.gate(ci.strict) else EXIT_FAILED
