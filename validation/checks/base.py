"""What every check is: a class with a stable id prefix, a kind, and ``run``.

A check appends ``CheckResult``s to the report; it never raises for a failing config (that
is a failed result) and raises ``HarnessError`` only when it cannot proceed. ``severity`` is the
default of its results (``error``: the stack will misbehave; ``warning``: policy or style); a
result may carry its own (``report.failed(..., severity="warning")``). docs/checks.md lists them.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from validation.core.project import Project
from validation.core.results import Kind, Report, Severity
from validation.runner.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from validation.stack.stack import Stack


@dataclass
class CheckContext:
    project: Project
    work_dir: Path
    stack: Stack | None = None
    options: dict[str, object] = field(default_factory=dict)
    progress: Progress = NULL_PROGRESS

    def require_stack(self) -> Stack:
        if self.stack is None:
            from validation.core.errors import HarnessError

            raise HarnessError("this check needs a running stack", hint="use `stackcheck run`")
        return self.stack


class Check(abc.ABC):
    id: ClassVar[str]
    kind: ClassVar[Kind]
    severity: ClassVar[Severity] = "error"

    @abc.abstractmethod
    def run(self, ctx: CheckContext, report: Report) -> None: ...


def run_check(check: Check, ctx: CheckContext, report: Report) -> None:
    """Run ``check`` and stamp its default severity on the results it added without one."""
    start = len(report.checks)
    try:
        check.run(ctx, report)
    finally:
        report.stamp_severity(check.severity, start)


def tool_line(output: str, name: str) -> int | None:
    """The first line number a promtool / amtool message gives for ``name``: ``NAME: 12:15: …``
    (a rule's expression) or ``yaml: line 12`` / ``line 12:`` (YAML errors)."""
    match = re.search(rf"{re.escape(name)}: (\d+):\d+:", output) or re.search(r"\bline (\d+)\b", output)
    return int(match.group(1)) if match else None


def relative(project: Project, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return str(path)
