"""Dashboards and their panels added / removed / changed (title, type, queries, unit, thresholds).

Dashboards are keyed by uid (else by file), panels by id (else by title); rows' nested panels count."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from validation.diff.model import Action, Change
from validation.diff.tree import StackTree

PANEL_FIELDS = ("title", "type", "queries", "unit", "thresholds", "datasource")


def load_dashboards(tree: StackTree) -> dict[str, tuple[str, dict[str, Any]]]:
    """dashboard key → (file, dashboard JSON)."""
    folder = tree.dashboards_dir
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    if folder is None or not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*.json")):
        data = tree.json(path)
        if isinstance(data, dict):
            key = str(data.get("uid") or _relative_to(path, folder))
            found[key] = (tree.relative(path), data)
    return found


def _relative_to(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def panels(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """panel key → its compared fields."""
    found: dict[str, dict[str, Any]] = {}
    for panel in _walk(dashboard.get("panels") or []):
        key = f"id {panel['id']}" if "id" in panel else f"title {panel.get('title', '')!r}"
        defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
        found[key] = {
            "title": panel.get("title", ""),
            "type": panel.get("type", ""),
            "queries": [
                str(t.get("expr", ""))
                for t in panel.get("targets") or []
                if isinstance(t, dict) and "expr" in t
            ],
            "unit": defaults.get("unit"),
            "thresholds": (defaults.get("thresholds") or {}).get("steps"),
            "datasource": panel.get("datasource"),
        }
    return found


def _walk(items: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for panel in items:
        if isinstance(panel, dict):
            if panel.get("type") != "row":
                yield panel
            yield from _walk(panel.get("panels") or [])


def dashboard_changes(base: StackTree, head: StackTree) -> list[Change]:
    before, after = load_dashboards(base), load_dashboards(head)
    changes: list[Change] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        file, data = new or old  # type: ignore[misc]
        title = str(data.get("title", key))
        if old is None or new is None:
            action: Action = "added" if old is None else "removed"
            count = len(panels(data))
            changes.append(
                Change(
                    "dashboards",
                    action,
                    title,
                    {"panels": (None, count) if old is None else (count, None)},
                    file,
                    {"uid": key},
                )
            )
            continue
        if old[1].get("title") != new[1].get("title"):
            changes.append(
                Change(
                    "dashboards",
                    "changed",
                    title,
                    {"title": (old[1].get("title"), new[1].get("title"))},
                    file,
                    {"uid": key},
                )
            )
        old_panels, new_panels = panels(old[1]), panels(new[1])
        for panel_key in sorted(set(old_panels) | set(new_panels)):
            was, now = old_panels.get(panel_key), new_panels.get(panel_key)
            panel_title = (now or was or {}).get("title", "")
            subject = f"{title} › {panel_title or panel_key} ({panel_key})"
            details = {"dashboard": title, "uid": key, "panel": panel_key}
            if was is None or now is None:
                panel_action: Action = "added" if was is None else "removed"
                queries = (now or was or {}).get("queries", [])
                changes.append(
                    Change(
                        "panels",
                        panel_action,
                        subject,
                        {"queries": (None, queries) if was is None else (queries, None)},
                        file,
                        details,
                    )
                )
                continue
            fields = {f: (was[f], now[f]) for f in PANEL_FIELDS if was[f] != now[f]}
            if fields:
                changes.append(Change("panels", "changed", subject, fields, file, details))
    return changes
