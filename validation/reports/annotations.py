"""GitHub Actions workflow commands: ``::error file=…,line=…,title=…::message``.

Each failed check becomes one line: ``error`` when it fails the build, else ``warning`` (a warning
under ``--strict`` is an error); a waived finding is a ``notice`` naming its waiver. GitHub shows
the lines as annotations on the pull request's files when ``file`` is a path in the repository.
(GitHub shows at most 10 annotations of each level per step and 50 per job; every finding is in
results.json, the JUnit file and the summary.)
"""

from __future__ import annotations

from validation.core.results import CheckResult, Report


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(report: Report, *, strict: bool = False) -> list[str]:
    lines = []
    for check in report.checks:
        if check.failed:
            level = "error" if check.fatal(strict) else "warning"
            lines.append(annotation(level, check, check.message))
        elif check.status == "waived":
            waiver = check.waiver or {}
            text = f"waived ({waiver.get('source', '?')}: {waiver.get('reason', '')}): {check.message}"
            lines.append(annotation("notice", check, text))
    return lines


def annotation(level: str, check: CheckResult, message: str) -> str:
    properties = []
    if check.file:
        properties.append(f"file={escape_property(check.file)}")
        if check.line:
            properties.append(f"line={check.line}")
    properties.append(f"title={escape_property(check.id)}")
    return f"::{level} {','.join(properties)}::{escape_data(message)}"
