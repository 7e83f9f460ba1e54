"""The engine seam: a backend launches what a component module describes.

Backends know nothing of any particular component; components know nothing of backends.
A ``LaunchSpec`` says what to run and where it listens; a ``Handle`` controls one running
instance. Every backend guarantees ``stop_all()`` leaves nothing running.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LaunchSpec:
    """One instance to start.

    ``binary`` is the resolved executable (process backend); ``image`` the container image
    (containers backend); ``args`` exclude the executable. Paths in ``args`` are absolute
    paths inside ``workdir`` or ``mounts``; the containers backend bind-mounts them at the
    same path, so one argument list serves both backends.
    """

    name: str
    component: str
    binary: str
    image: str
    args: list[str]
    workdir: Path
    listen: tuple[str, int]
    env: dict[str, str] = field(default_factory=dict)
    mounts: list[Path] = field(default_factory=list)


class Handle(abc.ABC):
    """A running instance."""

    def __init__(self, spec: LaunchSpec) -> None:
        self.spec = spec

    @property
    def name(self) -> str:
        return self.spec.name

    @abc.abstractmethod
    def alive(self) -> bool: ...

    @abc.abstractmethod
    def exit_code(self) -> int | None: ...

    @abc.abstractmethod
    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop (SIGTERM), then SIGKILL after ``timeout``."""

    @abc.abstractmethod
    def kill(self) -> None:
        """SIGKILL, no grace: the crash a reliability test wants."""

    @abc.abstractmethod
    def logs(self) -> str: ...

    @abc.abstractmethod
    def pids(self) -> list[int]:
        """Host PIDs of the instance's processes (for CPU / RSS measurements)."""


class Backend(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def launch(self, spec: LaunchSpec) -> Handle: ...

    @abc.abstractmethod
    def stop_all(self) -> None:
        """Stop every instance this backend started; safe to call twice."""

    def describe(self) -> dict[str, str]:
        return {"backend": self.name}
