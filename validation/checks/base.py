"""What every check is: a class with a stable id prefix, a kind, and ``run``.

A check appends ``CheckResult``s to the report; it never raises for a failing config (that
is a failed result) and raises ``HarnessError`` only when it cannot proceed.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from validation.core.errors import HarnessError
from validation.core.project import Project
from validation.core.results import Kind, Report
from validation.core.settings import DEFAULT_REPORT_DIR

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
    report_dir: Path = DEFAULT_REPORT_DIR
    dashboard_session: DashboardSession | None = None
    _deferred: list[Callable[[], None]] = field(default_factory=list, repr=False)

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

    @abc.abstractmethod
    def run(self, ctx: CheckContext, report: Report) -> None: ...


def config_file(project: Project, component: str) -> Path | None:
    """The config file stack.yaml names for ``component``; None when it names none."""
    config = project.components.get(component)
    return config.config if config is not None else None


def relative(project: Project, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return str(path)
