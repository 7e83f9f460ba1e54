"""Generic webhook sink: Alertmanager's webhook JSON, version "4".

A POST whose body is a valid version-4 payload is recorded (receiver from the payload's
``receiver``) and answered 200; anything else is answered 400 with the list of problems and
kept in ``rejected`` so a test can say why nothing arrived.

Limits: only version "4" (Alertmanager 0.x) is accepted; keys beyond the documented ones are
tolerated, as a newer Alertmanager may add some.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from email.message import Message
from typing import Any

from validation.sinks.httpserver import HttpSink, Reply
from validation.sinks.inbox import Notification

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")
_STATUSES = ("firing", "resolved")


def _check_str_map(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where}: want an object of strings, got {type(value).__name__}")
        return
    for key, item in value.items():
        if not isinstance(item, str):
            problems.append(f"{where}.{key}: want a string, got {type(item).__name__}")


def _check_alert(alert: Any, where: str, problems: list[str]) -> None:
    if not isinstance(alert, dict):
        problems.append(f"{where}: want an object, got {type(alert).__name__}")
        return
    missing = [k for k in _ALERT_KEYS if k not in alert]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
    if "status" in alert and alert["status"] not in _STATUSES:
        problems.append(f"{where}.status: want firing|resolved, got {alert['status']!r}")
    for key in ("labels", "annotations"):
        if key in alert:
            _check_str_map(alert[key], f"{where}.{key}", problems)
    for key in ("startsAt", "endsAt"):
        if key in alert and not (isinstance(alert[key], str) and _RFC3339.match(alert[key])):
            problems.append(f"{where}.{key}: want an RFC 3339 time, got {alert[key]!r}")
    if "generatorURL" in alert and not isinstance(alert["generatorURL"], str):
        problems.append(f"{where}.generatorURL: want a string")
    fingerprint = alert.get("fingerprint")
    if "fingerprint" in alert and not (isinstance(fingerprint, str) and _FINGERPRINT.match(fingerprint)):
        problems.append(f"{where}.fingerprint: want 16 hex digits, got {fingerprint!r}")


_TOP_KEYS = (
    "version", "groupKey", "status", "receiver", "groupLabels", "commonLabels",
    "commonAnnotations", "externalURL", "alerts",
)  # fmt: skip
_ALERT_KEYS = ("status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint")


def webhook_payload_problems(payload: Any) -> list[str]:
    """Every way ``payload`` departs from Alertmanager's webhook schema v4 (empty when valid)."""
    if not isinstance(payload, dict):
        return [f"payload: want a JSON object, got {type(payload).__name__}"]
    problems: list[str] = []
    missing = [k for k in _TOP_KEYS if k not in payload]
    if missing:
        problems.append(f"payload: missing {', '.join(missing)}")
    if "version" in payload and payload["version"] != "4":
        problems.append(f'version: want "4", got {payload["version"]!r}')
    for key in ("groupKey", "receiver", "externalURL"):
        if key in payload and not isinstance(payload[key], str):
            problems.append(f"{key}: want a string, got {type(payload[key]).__name__}")
    if "status" in payload and payload["status"] not in _STATUSES:
        problems.append(f"status: want firing|resolved, got {payload['status']!r}")
    for key in ("groupLabels", "commonLabels", "commonAnnotations"):
        if key in payload:
            _check_str_map(payload[key], key, problems)
    if "truncatedAlerts" in payload and not isinstance(payload["truncatedAlerts"], int):
        problems.append("truncatedAlerts: want an integer")
    alerts = payload.get("alerts")
    if "alerts" in payload and not isinstance(alerts, list):
        problems.append(f"alerts: want a list, got {type(alerts).__name__}")
    elif isinstance(alerts, list):
        if not alerts:
            problems.append("alerts: empty (Alertmanager never notifies about nothing)")
        for i, alert in enumerate(alerts):
            _check_alert(alert, f"alerts[{i}]", problems)
    return problems


def webhook_notification(
    payload: Mapping[str, Any], raw: bytes, received_at: float, path: str
) -> Notification:
    """The notification a valid payload describes; ``text`` is the JSON itself, for ``contains``."""
    alerts = tuple(dict(alert["labels"]) for alert in payload["alerts"])
    return Notification(
        kind="webhook",
        receiver=payload["receiver"],
        received_at=received_at,
        status=payload["status"],
        subject=payload["groupKey"],
        text=json.dumps(payload, indent=1, sort_keys=True, ensure_ascii=False),
        raw=raw,
        alerts=alerts,
        structured=True,
        payload=payload,
        meta={"path": path, "externalURL": payload["externalURL"]},
    )


class WebhookSink(HttpSink):
    """Records Alertmanager webhook notifications POSTed to a served path (any, without ``served``)."""

    kind = "webhook"

    def receiver_of(self, path: str, headers: Message, body: bytes) -> str:
        try:
            receiver = json.loads(body).get("receiver", "")
        except (ValueError, AttributeError):
            return ""
        return receiver if isinstance(receiver, str) else ""

    def handle_post(self, path: str, headers: Message, body: bytes) -> Reply:
        received_at = self.inbox.clock()
        unknown = self.refuse_unknown(
            path, body, self.receiver_of(path, headers, body), b"404 page not found\n"
        )
        if unknown is not None:
            return unknown
        try:
            payload = json.loads(body)
        except ValueError as err:
            problems = [f"body is not JSON: {err}"]
        else:
            problems = webhook_payload_problems(payload)
        if problems:
            return self.reject(path, body, "; ".join(problems), ("\n".join(problems) + "\n").encode())
        self.inbox.record(webhook_notification(payload, body, received_at, path))
        return Reply(200, b"")
