"""A Markdown summary of a report for ``$GITHUB_STEP_SUMMARY`` (or ``--summary FILE``): the
verdict, the counts, then tables of errors, warnings and waived findings, and the skipped ones
folded away. Cells are escaped and long messages cut (the step summary holds 1 MiB at most)."""

from __future__ import annotations

import html

from validation.core.results import CheckResult, Report
from validation.reports import place

MAX_ROWS = 50
MAX_MESSAGE = 400


def cell(text: str, limit: int = MAX_MESSAGE) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=False).replace("|", "\\|")


def code(text: str, limit: int = 200) -> str:
    """A table cell in a code span: HTML entities would show literally there, so only cut and
    escape the pipe (GFM tables) and backticks."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def markdown_summary(report: Report, *, strict: bool = False, title: str = "stackcheck") -> str:
    counts = report.summary
    errors = [c for c in report.checks if c.fatal(strict)]
    warnings = [c for c in report.checks if c.failed and not c.fatal(strict)]
    waived = [c for c in report.checks if c.status == "waived"]
    skipped = [c for c in report.checks if c.status == "skipped"]
    verdict = "❌ failed" if errors else "✅ passed"
    out = [
        f"## {cell(title)}: {verdict}",
        "",
        "| passed | errors | warnings | waived | skipped |",
        "|---:|---:|---:|---:|---:|",
        f"| {counts['passed']} | {len(errors)} | {len(warnings)} | {len(waived)} | {counts['skipped']} |",
    ]
    if strict:
        out += ["", "`--strict`: warnings fail the build."]
    out += _table("Errors", errors)
    out += _table("Warnings", warnings)
    if waived:
        out += [
            "",
            f"### Waived ({len(waived)})",
            "",
            "| check | waiver | reason | expires |",
            "|---|---|---|---|",
        ]
        for check in waived[:MAX_ROWS]:
            waiver = check.waiver or {}
            out.append(
                f"| {code(check.id)} | {code(str(waiver.get('source', '')))} "
                f"| {cell(str(waiver.get('reason', '')))} | {cell(str(waiver.get('expires', '—')))} |"
            )
        out += _more(waived)
    if skipped:
        out += ["", f"<details><summary>Skipped ({len(skipped)})</summary>", ""]
        out += [f"- {code(c.id)}: {cell(c.message, 200)}" for c in skipped[:MAX_ROWS]]
        out += [*_more(skipped), "", "</details>"]
    return "\n".join(out) + "\n"


def _table(heading: str, checks: list[CheckResult]) -> list[str]:
    if not checks:
        return []
    rows = ["", f"### {heading} ({len(checks)})", "", "| check | where | message |", "|---|---|---|"]
    for check in checks[:MAX_ROWS]:
        where = place(check)
        rows.append(f"| {code(check.id)} | {code(where) if where else ''} | {cell(check.message)} |")
    return rows + _more(checks)


def _more(checks: list[CheckResult]) -> list[str]:
    if len(checks) <= MAX_ROWS:
        return []
    return ["", f"… and {len(checks) - MAX_ROWS} more in results.json."]
