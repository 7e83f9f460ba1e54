"""Notification sinks: real SMTP, Slack-compatible and webhook endpoints recording into one Inbox.

Typical use::

    inbox = Inbox()
    with Sinks(inbox, [SmtpSink("127.41.0.20", 587, inbox), SlackSink(...), WebhookSink(...)]):
        ...  # run Alertmanager against them
        inbox.wait_for(by_receiver("oncall-critical") & firing(), timeout=10)
"""

from validation.sinks.base import Rejection, Sink
from validation.sinks.group import Sinks
from validation.sinks.inbox import Inbox, Notification, NotificationTimeout, UnexpectedNotification
from validation.sinks.match import (
    Match,
    anything,
    by_alertname,
    by_kind,
    by_receiver,
    contains,
    firing,
    resolved,
    with_labels,
    with_status,
)
from validation.sinks.slack import SlackSink
from validation.sinks.smtp import SmtpSink
from validation.sinks.webhook import WebhookSink

__all__ = [
    "Inbox",
    "Match",
    "Notification",
    "NotificationTimeout",
    "Rejection",
    "Sink",
    "Sinks",
    "SlackSink",
    "SmtpSink",
    "UnexpectedNotification",
    "WebhookSink",
    "anything",
    "by_alertname",
    "by_kind",
    "by_receiver",
    "contains",
    "firing",
    "resolved",
    "with_labels",
    "with_status",
]
