"""A ``StackDiff`` as Markdown fit for a pull-request comment: a summary line, then one section per
kind of change; routing as a table of label sets and their receivers before → after."""

from __future__ import annotations

import json
from typing import Any

from validation.diff.model import SECTIONS, Change, StackDiff

MAX_ROUTING_ROWS = 40
MAX_VALUE_CHARS = 300
TITLES = {
    "alert rules": "Alert rules",
    "recording rules": "Recording rules",
    "routing": "Routing: who gets notified",
    "inhibition": "Inhibit rules",
    "receivers": "Receivers",
    "templates": "Notification templates",
    "scrape jobs": "Scrape jobs (prometheus.yml)",
    "dashboards": "Dashboards",
    "panels": "Panels",
}


def render_markdown(diff: StackDiff) -> str:
    lines = [f"### stackcheck diff `{diff.base}` → `{diff.head}`", ""]
    if not diff.changes:
        lines.append("No change to rules, routing, receivers, scrape jobs or dashboards.")
    else:
        counts = ", ".join(f"{n} {section}" for section, n in diff.summary.items())
        lines.append(f"**{len(diff.changes)} changes**: {counts}.")
    for problem in diff.problems:
        lines.append(f"- ⚠️ {problem}")
    for section in SECTIONS:
        changes = diff.in_section(section)
        if not changes:
            continue
        lines += ["", f"#### {TITLES[section]}", ""]
        lines += _routing_table(changes) if section == "routing" else [_item(c) for c in changes]
    if diff.changed_files:
        lines += ["", "<details><summary>Changed files</summary>", ""]
        lines += [f"- `{path}`" for path in diff.changed_files]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _item(change: Change) -> str:
    text = f"- **{change.action}** {_code(change.subject)}"
    if change.place and change.place not in change.subject:
        text += f" — `{change.place}`"
    for name, (before, after) in change.fields.items():
        if change.action == "added":
            text += f"\n  - {name}: {_value(after)}"
        elif change.action == "removed":
            text += f"\n  - {name}: {_value(before)}"
        else:
            text += f"\n  - {name}: {_value(before)} → {_value(after)}"
    return text


def _routing_table(changes: list[Change]) -> list[str]:
    rows = ["| Alert labels | Before | After |", "|---|---|---|"]
    for change in changes[:MAX_ROUTING_ROWS]:
        ((field, (before, after)),) = change.fields.items()
        rows.append(
            f"| {_cell(change.subject)} | {_cell(_short(field, before))} | {_cell(_short(field, after))} |"
        )
    if len(changes) > MAX_ROUTING_ROWS:
        rows.append(f"| … {len(changes) - MAX_ROUTING_ROWS} more label sets (see the JSON output) | | |")
    return rows


def _short(field: str, value: Any) -> str:
    if field == "receivers":
        return ", ".join(value) or "(none)"
    return "; ".join(value)


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else text


def _cell(text: str) -> str:
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value.strip() if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + "…"
    text = " ".join(text.split())
    return f"`{text}`" if "`" not in text else text
