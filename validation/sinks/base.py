"""What every sink shares: its address, the inbox, injected faults and a start/stop lifecycle.

A sink binds ``(host, port)``; port 0 takes an ephemeral port, which is then kept, so
``close()`` followed by ``reopen()`` serves the same address again (the "port closed" fault).
Subclasses implement ``_open`` (bind and serve; must leave ``self.port`` set) and ``_shutdown``
(stop serving, join every thread).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar

from validation.sinks.faults import Faults
from validation.sinks.inbox import Inbox, SinkKind


@dataclass(frozen=True)
class Rejection:
    """A delivery the sink refused as the real service would; kept for diagnosis.

    ``endpoint`` is set when the delivery went to an address that does not exist outside the
    stack (fixtures/endpoints.yaml): what it tried, e.g. "POST alert-archive:8080/alertz"."""

    path: str
    reason: str
    body: bytes
    receiver: str = ""
    endpoint: str = ""


class Sink(ABC):
    kind: ClassVar[SinkKind]

    def __init__(self, host: str, port: int, inbox: Inbox) -> None:
        self.host = host
        self.port = port
        self.inbox = inbox
        self.faults = Faults()
        self.rejected: list[Rejection] = []
        self._lifecycle = threading.Lock()
        self._running = False

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        with self._lifecycle:
            if self._running:
                return
            self.faults.rearm()
            self._open()
            self._running = True

    def stop(self) -> None:
        """Stop serving and join the server threads; safe to call twice."""
        with self._lifecycle:
            if not self._running:
                return
            self._running = False
            self.faults.release()
            self._shutdown()

    def close(self) -> None:
        """Close the port (connections are refused) until ``reopen()``."""
        self.stop()

    def reopen(self) -> None:
        self.start()

    def fail_with(self, status: int = 503, times: int | None = None, *, receiver: str | None = None) -> None:
        """Answer ``status`` to the next ``times`` delivery attempts (every one when None).

        ``receiver`` limits the failure to that receiver's deliveries (the others succeed).
        """
        self.faults.fail_with(status, times, receiver)

    def slow(self, seconds: float, *, receiver: str | None = None) -> None:
        """Stall each delivery attempt (``receiver``'s only, if given) ``seconds`` before answering."""
        self.faults.slow(seconds, receiver)

    def recover(self) -> None:
        """Answer normally again and reopen the port if it was closed."""
        self.faults.recover()
        self.start()

    @property
    def attempts(self) -> int:
        """Delivery attempts seen (failed ones included; refused connections cannot be seen)."""
        return self.faults.attempts

    def attempts_for(self, receiver: str) -> int:
        return self.faults.attempts_for(receiver)

    def __enter__(self) -> Sink:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"{type(self).__name__}({self.host}:{self.port}, {state})"

    @abstractmethod
    def _open(self) -> None: ...

    @abstractmethod
    def _shutdown(self) -> None: ...
