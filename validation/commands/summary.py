"""The closing lines of ``check`` and ``run``: the summary table, every failure, then the counts,
the CI outputs and the exit code (an error fails; a warning only under ``--strict``; waived
findings never; a verdict the harness could not trust, and nothing else failing: exit 2)."""

from __future__ import annotations

from pathlib import Path

from validation.commands.ci_outputs import CiOutputs
from validation.core.errors import EXIT_FAILED, EXIT_HARNESS, EXIT_OK
from validation.core.results import Report
from validation.runner.progress import Verbosity, print_summary


def finish(
    report: Report, report_dir: Path, ci: CiOutputs | None = None, verbosity: Verbosity = "quiet"
) -> int:
    ci = ci or CiOutputs()
    if verbosity != "quiet":
        print_summary(report)
    for check in report.checks:
        if check.status == "failed":
            label = "UNTRUSTED" if check.untrusted else "FAIL" if check.fatal(ci.strict) else "WARN"
            print(f"{label} {check.id}: {check.message}")
    summary = report.summary
    waived = f", {summary['waived']} waived" if summary.get("waived") else ""
    count = summary.get("warnings", 0)
    warnings = f" ({count} warning{'s' if count > 1 else ''})" if count else ""
    if summary.get("untrusted"):
        warnings += f" ({summary['untrusted']} untrusted)"
    print(
        f"{summary['passed']} passed, {summary['failed']} failed{warnings}, {summary['skipped']} skipped"
        f"{waived} → {report_dir / 'results.json'}"
    )
    if report.untrusted:
        print(f"stackcheck: {report.untrusted}")
    ci.write(report)
    if not report.gate(ci.strict):
        return EXIT_FAILED
    return EXIT_HARNESS if report.untrusted else EXIT_OK
