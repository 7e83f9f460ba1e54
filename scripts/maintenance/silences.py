"""Alertmanager silences as the API v2 returns them: which to re-create after a restore, which match.

Pure functions over the JSON of ``GET /api/v2/silences``; the HTTP calls are in restore.py and
cleanup.py.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from scripts.maintenance.common import EXIT_USAGE, MaintenanceError, parse_time


def identity(silence: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two silences the same one for a restore: matchers, end, author, comment (not the id)."""
    matchers = tuple(
        sorted(
            (m.get("name", ""), m.get("value", ""), bool(m.get("isRegex")), bool(m.get("isEqual", True)))
            for m in silence.get("matchers", [])
        )
    )
    return (matchers, parse_time(silence["endsAt"]), silence.get("createdBy", ""), silence.get("comment", ""))


def to_import(
    exported: list[dict[str, Any]], existing: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """Silences of the backup still in force at ``now`` and not already present: POST bodies, without ids."""
    present = {identity(s) for s in existing if s.get("status", {}).get("state") != "expired"}
    out: list[dict[str, Any]] = []
    for silence in exported:
        if parse_time(silence["endsAt"]) <= now or identity(silence) in present:
            continue
        out.append(
            {
                "matchers": silence["matchers"],
                "startsAt": silence["startsAt"],
                "endsAt": silence["endsAt"],
                "createdBy": silence.get("createdBy", ""),
                "comment": silence.get("comment", ""),
            }
        )
        present.add(identity(silence))
    return out


_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')


def parse_matcher(text: str) -> tuple[str, str, str]:
    """``alertname="NodeDown"`` / ``team=~"ml.*"`` → (name, op, value)."""
    match = _MATCHER.match(text)
    if not match:
        raise MaintenanceError(
            f"{text!r} is not a matcher",
            hint="write name=value, name!=value, name=~regex or name!~regex",
            exit_code=EXIT_USAGE,
        )
    return match.group(1), match.group(2), match.group(3)


def silence_matches(silence: dict[str, Any], wanted: list[tuple[str, str, str]]) -> bool:
    """True when, for every wanted matcher, the silence has a matcher on that label satisfying it.

    The wanted matcher is applied to the *value* of the silence's matcher on the same label
    (``alertname=~"Node.*"`` selects silences whose alertname matcher names a Node alert).
    """
    for name, op, value in wanted:
        values = [str(m.get("value", "")) for m in silence.get("matchers", []) if m.get("name") == name]
        if op == "=":
            ok = value in values
        elif op == "!=":
            ok = value not in values
        elif op == "=~":
            ok = any(re.fullmatch(value, v) for v in values)
        else:
            ok = not any(re.fullmatch(value, v) for v in values)
        if not ok:
            return False
    return True
