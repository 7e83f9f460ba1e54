"""One thread-safe inbox that every sink records into, and the waits tests assert with.

``Inbox.wait_for(predicate, timeout)`` blocks on a condition variable until a matching
notification is (or already was) recorded; on timeout it raises ``NotificationTimeout`` whose
message lists what was expected and what WAS received, as promtool's exp:/got: does.

Limits: the inbox keeps every notification in memory until ``clear()``; it is meant for one
run's traffic (thousands of notifications), not for a soak test's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SinkKind = Literal["email", "slack", "webhook"]
AlertStatus = Literal["firing", "resolved", ""]
Predicate = Callable[["Notification"], bool]


@dataclass(frozen=True)
class Notification:
    """One delivered notification, whatever protocol carried it.

    ``structured`` says whether ``alerts`` (the labels of each alert) came from a machine format
    (the webhook JSON) or could be read from the rendered content (an email in Alertmanager's
    default layout). When it is False, ``alerts`` is empty and only the rendered content
    (``subject``, ``text``, ``html``) is known: match it with ``contains``.
    """

    kind: SinkKind
    receiver: str
    received_at: float
    status: AlertStatus
    subject: str
    text: str
    raw: bytes
    alerts: tuple[Mapping[str, str], ...] = ()
    structured: bool = False
    html: str = ""
    payload: Any = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def alertnames(self) -> tuple[str, ...]:
        """Distinct alert names in the order they appear."""
        names = (labels.get("alertname", "") for labels in self.alerts)
        return tuple(dict.fromkeys(name for name in names if name))

    @property
    def content(self) -> str:
        """Everything a human would read: subject/title, text and html."""
        return "\n".join(part for part in (self.subject, self.text, self.html) if part)

    def summary(self) -> str:
        """One line for failure messages."""
        names = ",".join(self.alertnames) or "?"
        subject = self.subject if len(self.subject) <= 80 else self.subject[:77] + "..."
        return (
            f"{self.kind:<7} receiver={self.receiver!r} status={self.status or '?'} "
            f"alerts=[{names}] subject={subject!r}"
        )


class NotificationTimeout(AssertionError):
    """No notification matched in time; the message lists exp: and got:."""

    def __init__(self, expected: str, timeout: float, got: list[Notification]) -> None:
        self.expected = expected
        self.timeout = timeout
        self.got = got
        lines = [f"no notification matched within {timeout:g}s", f"  exp: {expected}"]
        if got:
            lines.append(f"  got: {len(got)} notification(s):")
            lines.extend(f"    {n.summary()}" for n in sorted(got, key=lambda n: n.received_at))
        else:
            lines.append("  got: nothing at all")
        hint = (
            "nothing reached any sink: check that Alertmanager runs, that the alert was posted "
            "and routed, and that the receivers point at the sinks' addresses"
            if not got
            else "compare exp with got: a different receiver means routing, a different text "
            "means the templates"
        )
        lines.append(f"Hint: {hint}.")
        super().__init__("\n".join(lines))


class UnexpectedNotification(AssertionError):
    """A notification arrived that must not have (routing sent it where it should not go)."""

    def __init__(self, unexpected: str, matched: list[Notification]) -> None:
        self.unexpected = unexpected
        self.matched = matched
        lines = [f"a notification arrived that must not: {unexpected}", f"  got: {len(matched)}:"]
        lines.extend(f"    {n.summary()}" for n in matched)
        lines.append(
            "Hint: check the route's matchers, `continue` and inhibit rules (amtool config routes test)."
        )
        super().__init__("\n".join(lines))


def describe(predicate: Predicate) -> str:
    """The human description of a predicate: ``Match.description`` or the function's name."""
    return str(getattr(predicate, "description", None) or getattr(predicate, "__name__", repr(predicate)))


class Inbox:
    """Thread-safe, append-only list of notifications with blocking waits.

    ``clock`` is injectable for tests; it must be monotonic and is also what ``since`` uses.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._items: list[Notification] = []
        self._changed = threading.Condition()

    def record(self, notification: Notification) -> None:
        with self._changed:
            self._items.append(notification)
            self._changed.notify_all()

    def all(self, predicate: Predicate | None = None) -> list[Notification]:
        with self._changed:
            return [n for n in self._items if predicate is None or predicate(n)]

    def count(self, predicate: Predicate | None = None) -> int:
        return len(self.all(predicate))

    def clear(self) -> None:
        with self._changed:
            self._items.clear()

    def wait_for(self, predicate: Predicate, timeout: float, *, since: float | None = None) -> Notification:
        """Return the first notification matching ``predicate``, waiting up to ``timeout`` seconds.

        Notifications already recorded count, unless ``since`` (a ``clock()`` value) excludes
        those received before it.
        """
        deadline = self.clock() + timeout
        with self._changed:
            while True:
                for n in self._items:
                    if (since is None or n.received_at >= since) and predicate(n):
                        return n
                remaining = deadline - self.clock()
                if remaining <= 0:
                    raise NotificationTimeout(describe(predicate), timeout, list(self._items))
                self._changed.wait(remaining)

    def wait_for_count(
        self, predicate: Predicate, count: int, timeout: float, *, since: float | None = None
    ) -> list[Notification]:
        """Wait until at least ``count`` notifications match; return them all."""
        deadline = self.clock() + timeout
        with self._changed:
            while True:
                found = [n for n in self._items if (since is None or n.received_at >= since) and predicate(n)]
                if len(found) >= count:
                    return found
                remaining = deadline - self.clock()
                if remaining <= 0:
                    expected = f"at least {count} x ({describe(predicate)}), saw {len(found)}"
                    raise NotificationTimeout(expected, timeout, list(self._items))
                self._changed.wait(remaining)

    def expect_none(self, predicate: Predicate, within: float, *, since: float | None = None) -> None:
        """Raise ``UnexpectedNotification`` as soon as a matching notification is recorded.

        Returns quietly after ``within`` seconds without one. The absence of a notification can
        only be shown for a time: choose ``within`` longer than the group_wait of the routes
        involved (plus one delivery), or the check passes only because it looked too early.
        """
        deadline = self.clock() + within
        with self._changed:
            while True:
                matched = [
                    n for n in self._items if (since is None or n.received_at >= since) and predicate(n)
                ]
                if matched:
                    raise UnexpectedNotification(describe(predicate), matched)
                remaining = deadline - self.clock()
                if remaining <= 0:
                    return
                self._changed.wait(remaining)

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
