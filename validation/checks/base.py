"""What every check is: a class with a stable id prefix, a kind, and ``run``.

A check appends ``CheckResult``s to the report; it never raises for a failing config (that
is a failed result) and raises ``HarnessError`` only when it cannot proceed.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from validation.core.project import Project
from validation.core.results import Kind, Report
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

    @abc.abstractmethod
    def run(self, ctx: CheckContext, report: Report) -> None: ...


def relative(project: Project, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return str(path)
