"""Reading facts back from rendered notification text (email, Slack), where no structure exists.

Limits: status comes from the FIRING / RESOLVED word Alertmanager's default subjects and
titles start with (``[FIRING:2] ...``) and most custom templates keep; a template that says
neither leaves the status unknown (""). Labels are read only from the "Labels" blocks of
Alertmanager's default email layout (``name = value`` lines).
"""

from __future__ import annotations

import html
import re

from validation.sinks.inbox import AlertStatus

_STATUS = re.compile(r"\b(FIRING|RESOLVED)\b", re.IGNORECASE)
_TAG = re.compile(r"<br\b[^>]*>|</(?:p|div|tr|td|li|h\d)>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]+>")
_PAIR = re.compile(r"^\s*([a-zA-Z_][a-zA-Z0-9_]*) = (.*?)\s*$")


def status_from_text(*texts: str) -> AlertStatus:
    """The first FIRING/RESOLVED word of the first text that has one."""
    for text in texts:
        found = _STATUS.search(text)
        if found:
            return "firing" if found.group(1).lower() == "firing" else "resolved"
    return ""


def html_to_text(markup: str) -> str:
    """Line breaks where the markup breaks lines, tags dropped, entities decoded."""
    return html.unescape(_ANY_TAG.sub("", _TAG.sub("\n", markup)))


def labels_from_default_email(text: str) -> tuple[dict[str, str], ...]:
    """Label sets of the "Labels" blocks (``name = value`` lines up to "Annotations"/"Source")."""
    alerts: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == "Labels":
            current = {}
            alerts.append(current)
            continue
        if current is None:
            continue
        pair = _PAIR.match(line)
        if pair:
            current[pair.group(1)] = pair.group(2)
        elif stripped:
            current = None
    return tuple(a for a in alerts if "alertname" in a)
