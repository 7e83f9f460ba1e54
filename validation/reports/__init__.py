"""CI outputs of a ``Report``: JUnit XML, GitHub workflow annotations, a Markdown summary.

Pure functions from a report to text; ``validation.commands.summary`` writes them where the
``--junit`` / ``--annotations`` / ``--summary`` options and ``$GITHUB_STEP_SUMMARY`` say.
"""

from __future__ import annotations

from collections.abc import Iterator

from validation.core.results import CheckResult, Report


def by_id(report: Report) -> Iterator[tuple[str, list[CheckResult]]]:
    """Results grouped by check id, in first-seen order (an id may repeat in a report)."""
    groups: dict[str, list[CheckResult]] = {}
    for check in report.checks:
        groups.setdefault(check.id, []).append(check)
    yield from groups.items()


def place(check: CheckResult) -> str:
    """``file:line``, ``file`` or "" — where the finding is in the user's repository."""
    if not check.file:
        return ""
    return f"{check.file}:{check.line}" if check.line else check.file
