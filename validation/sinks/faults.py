"""Injected failures shared by every sink: fail with a status, answer slowly, count attempts.

A sink asks ``Faults.begin_attempt()`` for each delivery attempt (an HTTP POST, an SMTP transaction);
the answer says how long to stall and which failure status to reply with, if any. A stall
waits on an event, so ``recover()`` or stopping the sink ends it at once instead of leaving a
handler thread asleep.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    delay: float
    status: int | None


class Faults:
    """Thread-safe failure settings and an attempt counter for one sink."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status: int | None = None
        self._remaining: int | None = None
        self._fail_only: str | None = None
        self._delay = 0.0
        self._slow_only: str | None = None
        self._attempts: Counter[str] = Counter()
        self._released = threading.Event()

    def fail_with(self, status: int, times: int | None = None, receiver: str | None = None) -> None:
        """Answer ``status`` to the next ``times`` attempts (every attempt when None).

        With ``receiver``, only attempts for that receiver fail (and count towards ``times``).
        """
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        with self._lock:
            self._status = status
            self._remaining = times
            self._fail_only = receiver

    def slow(self, seconds: float, receiver: str | None = None) -> None:
        """Stall every attempt (for ``receiver`` only, if given) ``seconds`` before answering."""
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        with self._lock:
            self._delay = seconds
            self._slow_only = receiver
            self._released.clear()

    def recover(self) -> None:
        """Back to answering normally; stalled attempts are released at once."""
        with self._lock:
            self._status = None
            self._remaining = None
            self._fail_only = None
            self._delay = 0.0
            self._slow_only = None
            self._released.set()

    def release(self) -> None:
        """Release stalled attempts without changing the settings (used when stopping)."""
        self._released.set()

    def rearm(self) -> None:
        """Make stalls stall again after a ``release()`` (used when a sink starts)."""
        self._released.clear()

    @property
    def attempts(self) -> int:
        with self._lock:
            return sum(self._attempts.values())

    def attempts_for(self, receiver: str) -> int:
        with self._lock:
            return self._attempts[receiver]

    def begin_attempt(self, receiver: str = "") -> Decision:
        """Count one attempt (for ``receiver``, "" when not known yet) and say how to answer it."""
        with self._lock:
            self._attempts[receiver] += 1
            status = None
            if self._status is not None and self._fail_only in (None, receiver):
                status = self._status
                if self._remaining is not None:
                    self._remaining -= 1
                    if self._remaining <= 0:
                        self._status = None
                        self._remaining = None
            delay = self._delay if self._slow_only in (None, receiver) else 0.0
            return Decision(delay, status)

    def stall(self, seconds: float) -> None:
        """Block up to ``seconds``, or less if released."""
        if seconds > 0:
            self._released.wait(seconds)
