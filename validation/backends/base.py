"""The engine seam: a backend launches what a component module describes.

Backends know nothing of any particular component; components know nothing of backends.
A ``LaunchSpec`` says what to run and where it listens; a ``Handle`` controls one running
instance. Every backend guarantees ``stop_all()`` leaves nothing running.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ReadyProbe:
    """How to tell an instance is ready: ``url`` answers 200 (basic ``auth`` when given)."""

    url: str
    auth: tuple[str, str] | None = None
    timeout: float = 60.0
    log_hint: str = ""  # where its log is, for the timeout message
    verify: str | bool = True  # an https url: the CA it is verified against (the run's)


@dataclass
class LaunchSpec:
    """One instance to start.

    ``binary`` is the resolved executable (process backend); ``image`` the container image
    (containers backend); ``args`` exclude the executable. Paths in ``args`` are absolute
    paths inside ``workdir`` or ``mounts``; the containers backend bind-mounts them at the
    same path, so one argument list serves both backends. ``ready``, when given, lets a
    backend that waits per instance (containers) wait until the instance answers.
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
    ready: ReadyProbe | None = None


class Handle(abc.ABC):
    """A running instance. ``ready_at`` (monotonic) is when it answered ``spec.ready``, for a
    backend that waited for it; 0.0 otherwise."""

    def __init__(self, spec: LaunchSpec) -> None:
        self.spec = spec
        self.ready_at = 0.0

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

    def launch_all(self, specs: list[LaunchSpec]) -> list[Handle]:
        """Launch every spec; handles in the order of ``specs``. One after another here:
        a backend whose launches take long (containers) overrides it to launch in parallel."""
        return [self.launch(spec) for spec in specs]

    @abc.abstractmethod
    def stop_all(self) -> None:
        """Stop every instance this backend started; safe to call twice."""

    def describe(self) -> dict[str, str]:
        return {"backend": self.name}
