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
    review = review_line(report)
    if review:
        print(review)
    print(closing_line(report, ci.strict) + f" → {report_dir / 'results.json'}")
    if report.untrusted:
        print(f"stackcheck: {report.untrusted}")
    ci.write(report)
    if not report.gate(ci.strict):
        return EXIT_FAILED
    return EXIT_HARNESS if report.untrusted else EXIT_OK


def review_line(report: Report) -> str:
    """The rules only generated scenarios cover, with the request to review them ('' if none)."""
    rules = (report.coverage.get("alert_rules") or {}).get("covered_only_by_generated") or []
    if not rules:
        return ""
    return (
        f"REVIEW {len(rules)} alert rule{'s' if len(rules) > 1 else ''} covered only by generated scenarios: "
        f"{'; '.join(rules)}. Hint: they are derived from the rules themselves and cannot catch a wrong "
        "threshold; review the generated-*.yaml scenarios (values, receivers), then delete their first line "
        "(the marker) or write scenarios of your own"
    )


def closing_line(report: Report, strict: bool = False) -> str:
    """``N passed, N failed, N skipped`` where *failed* counts only what fails the build; the
    findings that do not (warnings, untrusted verdicts, waived) follow, each named."""
    summary = report.summary
    failed = sum(1 for check in report.checks if check.fatal(strict))
    untrusted = summary.get("untrusted", 0)
    warnings = sum(1 for c in report.checks if c.failed and not c.fatal(strict) and not c.untrusted)
    line = f"{summary['passed']} passed, {failed} failed, {summary['skipped']} skipped"
    for count, word in (
        (warnings, "warning"),
        (untrusted, "untrusted"),
        (summary.get("waived", 0), "waived"),
    ):
        if count:
            line += f", {count} {word}{'s' if word == 'warning' and count > 1 else ''}"
    return line
