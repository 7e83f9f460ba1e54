"""What every check is: a class with a stable id prefix, a kind, and ``run``.

A check appends ``CheckResult``s to the report; it never raises for a failing config (that
is a failed result) and raises ``HarnessError`` only when it cannot proceed. ``severity`` is the
default of its results (``error``: the stack will misbehave; ``warning``: policy or style); a
result may carry its own (``report.failed(..., severity="warning")``). docs/checks.md lists them.
"""

from __future__ import annotations

import abc
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from validation.core.errors import HarnessError
from validation.core.project import Project
from validation.core.results import Kind, Report, Severity
from validation.core.settings import DEFAULT_REPORT_DIR
from validation.runner.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from validation.dashboards.session import DashboardSession
    from validation.stack.stack import Stack


@dataclass
class CheckContext:
    """What the checks of one ``check`` or ``run`` share.

    ``groups`` are the groups the user selected (None: all of them) and ``scenario_pattern`` the
    ``--scenarios`` subset: the alert pipeline keeps only the kinds of the selected groups and
    gates coverage only on a full run. ``dashboard_session`` is the dashboards loaded once for
    every dashboard check; ``close`` runs what checks deferred to the end (``defer``)."""

    project: Project
    work_dir: Path
    stack: Stack | None = None
    groups: tuple[str, ...] | None = None
    scenario_pattern: str = ""
    scenario_names: frozenset[str] | None = None  # `--changed-since`: only these (None: all)
    report_dir: Path = DEFAULT_REPORT_DIR
    dashboard_session: DashboardSession | None = None
    backend: str = "process"  # what will run the components: the versions check compares against it
    _deferred: list[Callable[[], None]] = field(default_factory=list, repr=False)
    progress: Progress = NULL_PROGRESS  # the console display (runner/progress.py)

    def require_stack(self) -> Stack:
        if self.stack is None:
            raise HarnessError("this check needs a running stack", hint="use `stackcheck run`")
        return self.stack

    def selected(self, group: str) -> bool:
        return self.groups is None or group in self.groups

    def defer(self, action: Callable[[], None]) -> None:
        """Run ``action`` when the checks are done (last deferred first), even after an error."""
        self._deferred.append(action)

    def close(self) -> None:
        with contextlib.ExitStack() as actions:
            for action in self._deferred:
                actions.callback(action)
            self._deferred.clear()


class Check(abc.ABC):
    id: ClassVar[str]
    kind: ClassVar[Kind]
    severity: ClassVar[Severity] = "error"

    @abc.abstractmethod
    def run(self, ctx: CheckContext, report: Report) -> None: ...


def config_file(project: Project, component: str) -> Path | None:
    """The config file stack.yaml names for ``component``; None when it names none."""
    config = project.components.get(component)
    return config.config if config is not None else None


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
