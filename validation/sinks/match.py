"""Predicates over notifications that describe themselves, for ``Inbox.wait_for`` messages.

Combine with ``&`` (all of) and ``|`` (any of); ``~m`` negates. Example::

    inbox.wait_for(by_receiver("oncall-critical") & by_alertname("HostOutOfMemory") & firing(), 10)

Limits: alert names and labels are exact for webhook notifications. Email and Slack carry only
rendered text; when Alertmanager's default email layout was used the labels are read back from
it (``Notification.structured``), otherwise ``by_alertname`` and ``with_labels`` fall back to a
whole-word search of the rendered content for the name / values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from validation.sinks.inbox import AlertStatus, Notification, SinkKind


class Match:
    """A named predicate."""

    def __init__(self, test: Callable[[Notification], bool], description: str) -> None:
        self._test = test
        self.description = description

    def __call__(self, notification: Notification) -> bool:
        return self._test(notification)

    def __and__(self, other: Match) -> Match:
        return Match(lambda n: self(n) and other(n), f"{self.description} & {other.description}")

    def __or__(self, other: Match) -> Match:
        return Match(lambda n: self(n) or other(n), f"({self.description}) | ({other.description})")

    def __invert__(self) -> Match:
        return Match(lambda n: not self(n), f"not ({self.description})")

    def __repr__(self) -> str:
        return f"Match({self.description})"


def anything() -> Match:
    return Match(lambda n: True, "any notification")


def by_kind(kind: SinkKind) -> Match:
    return Match(lambda n: n.kind == kind, f"kind={kind}")


def by_receiver(receiver: str) -> Match:
    return Match(lambda n: n.receiver == receiver, f"receiver={receiver!r}")


def with_status(status: AlertStatus) -> Match:
    return Match(lambda n: n.status == status, f"status={status}")


def firing() -> Match:
    return with_status("firing")


def resolved() -> Match:
    return with_status("resolved")


def _word_in(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def by_alertname(alertname: str) -> Match:
    def test(n: Notification) -> bool:
        if n.structured:
            return alertname in n.alertnames
        return _word_in(alertname, n.content)

    return Match(test, f"alertname={alertname!r}")


def with_labels(**labels: str) -> Match:
    """Some alert of the notification carries all these label values."""

    def test(n: Notification) -> bool:
        if n.structured:
            return any(all(alert.get(k) == v for k, v in labels.items()) for alert in n.alerts)
        return all(_word_in(v, n.content) for v in labels.values())

    shown = ", ".join(f"{k}={v!r}" for k, v in sorted(labels.items()))
    return Match(test, f"labels{{{shown}}}")


def contains(texts: Iterable[str] | str) -> Match:
    """Every text appears (case-sensitive substring) in the rendered content."""
    wanted = [texts] if isinstance(texts, str) else list(texts)
    return Match(lambda n: all(t in n.content for t in wanted), f"contains {wanted!r}")
