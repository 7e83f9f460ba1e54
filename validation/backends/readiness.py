"""``HttpReady``: the containers backend's wait strategy — GET a URL until it answers 200.

testcontainers' stock strategies do not fit this harness: ``HttpWaitStrategy`` builds its URL
from the container's host and mapped port, but with host networking nothing is mapped and
each instance listens on its own loopback address (127.a.b.c); it also keeps polling after
the container has exited, until its timeout. ``HttpReady`` takes the URL and the basic-auth
credentials the instance really serves, polls with a deadline (``core.wait``), stops at once
when the container exits (``InstanceExited``: its log says why) or the launch is cancelled.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from testcontainers.core.waiting_utils import WaitStrategy, WaitStrategyTarget

from validation.backends.base import ReadyProbe
from validation.core.errors import HarnessError
from validation.core.wait import wait_until


class InstanceExited(HarnessError):
    """The container stopped before it answered: the caller reports it with the log."""


class LaunchCancelled(HarnessError):
    """Another launch of the same batch failed, or the harness is stopping."""


def answers(url: str, auth: tuple[str, str] | None, timeout: float = 2.0, verify: str | bool = True) -> bool:
    try:
        return requests.get(url, auth=auth, timeout=timeout, verify=verify).status_code == 200
    except requests.RequestException:
        return False


class HttpReady(WaitStrategy):
    def __init__(self, probe: ReadyProbe, name: str, cancel: threading.Event | None = None) -> None:
        super().__init__()
        self.probe = probe
        self.name = name
        self.cancel = cancel or threading.Event()
        self.with_startup_timeout(int(probe.timeout) or 1)

    def check(self, container: WaitStrategyTarget) -> bool:
        if self.cancel.is_set():
            raise LaunchCancelled(f"launch of {self.name} cancelled", place=self.name)
        if answers(self.probe.url, self.probe.auth, verify=self.probe.verify):
            return True
        if _exited(container):
            raise InstanceExited(f"{self.name} exited before it answered {self.probe.url}", place=self.name)
        return False

    def wait_until_ready(self, container: WaitStrategyTarget) -> None:
        wait_until(
            lambda: self.check(container),
            timeout=self.probe.timeout,
            what=f"{self.name} to answer {self.probe.url}",
            hint=f"see its log in {self.probe.log_hint}"
            if self.probe.log_hint
            else "see the container's log",
        )


def _exited(container: Any) -> bool:
    try:
        container.reload()
        return str(container.status) in ("exited", "dead", "removing")
    except Exception:  # removed under us: not running
        return True
