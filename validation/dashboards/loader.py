"""Load Grafana dashboard JSON (old and new schemas) into ``validation.dashboards.model``.

Accepted shapes: a dashboard object, or the HTTP API's ``{"dashboard": {...}, "meta": {...}}``
wrapper. Old dashboards (``rows[]`` holding panels, schemaVersion < 16) are flattened the way
Grafana's migration does: every row becomes a row panel followed by its panels. New dashboards keep
panels of a collapsed row nested in the row's ``panels``; both end up in one flat list where each
panel names its row.

Limits: library panels are not fetched (no Grafana here); they are reported as ``Problem``s with
kind ``library-panel``. Panel order is the order in the file, not recomputed from gridPos.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from validation.core.errors import ConfigError, HarnessError
from validation.dashboards.model import Dashboard, Link, Panel, Problem, Target, Threshold, Variable

_QUERYLESS_TYPES = frozenset({"row", "text", "news", "dashlist", "alertlist", "annolist", "welcome"})


def load_dashboard(path: Path) -> Dashboard:
    """Read and parse one dashboard file; errors name the file (and line:column for bad JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HarnessError("dashboard file not found", place=str(path), hint="check the path") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text ({exc.reason})", place=str(path), hint="save it as UTF-8"
        ) from None
    return parse_dashboard(text, source=str(path))


def load_dashboards(folder: Path) -> list[Dashboard]:
    """Every ``*.json`` below ``folder`` (sub-folders are Grafana folders), sorted by path."""
    if not folder.is_dir():
        raise HarnessError(
            "dashboards folder not found", place=str(folder), hint="check stack/grafana/dashboards"
        )
    return [load_dashboard(path) for path in sorted(folder.rglob("*.json"))]


def parse_dashboard(text: str, *, source: str = "<dashboard>") -> Dashboard:
    """Parse dashboard JSON text; ``source`` names it in error messages."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"not valid JSON: {exc.msg}",
            place=f"{source}:{exc.lineno}:{exc.colno}",
            hint="fix the syntax at that position (a trailing comma, a missing quote or brace)",
        ) from None
    return dashboard_from_json(data, source=source)


def dashboard_from_json(data: Any, *, source: str = "<dashboard>") -> Dashboard:
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict) and "meta" in data:
        data = data["dashboard"]
    if not isinstance(data, dict) or not ({"panels", "rows", "schemaVersion"} & data.keys()):
        seen = type(data).__name__ if not isinstance(data, dict) else f"keys {sorted(data)[:6]}"
        raise ConfigError(
            f"not a Grafana dashboard (expected an object with panels, rows or schemaVersion; got {seen})",
            place=source,
            hint="export the dashboard with Share > Export > Save to file, or remove the file from the folder",
        )
    problems: list[Problem] = []
    schema = _int(data.get("schemaVersion"), 0)
    if isinstance(data.get("rows"), list) and not data.get("panels"):
        panels = _panels_from_rows(data["rows"], problems)
    else:
        panels = _panels_from_list(_list(data.get("panels")), problems)
    problems.extend(_duplicate_ids(panels))
    time = _dict(data.get("time"))
    templating = _dict(data.get("templating"))
    return Dashboard(
        uid=str(data.get("uid") or ""),
        title=str(data.get("title") or ""),
        schema_version=schema,
        panels=panels,
        variables=[variable_from_json(v) for v in _list(templating.get("list")) if isinstance(v, dict)],
        time_from=str(time.get("from", "now-6h")),
        time_to=str(time.get("to", "now")),
        source=source,
        problems=problems,
        raw=data,
    )


def _panels_from_list(items: list[Any], problems: list[Problem]) -> list[Panel]:
    panels: list[Panel] = []
    row_title = ""
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "row":
            row = _panel(item, "", problems)
            row.collapsed = bool(item.get("collapsed"))
            panels.append(row)
            row_title = row.title
            for nested in _list(item.get("panels")):
                if isinstance(nested, dict):
                    child = _panel(nested, row.title, problems)
                    child.collapsed = True
                    panels.append(child)
            continue
        panels.append(_panel(item, row_title, problems))
    return panels


def _panels_from_rows(rows: list[Any], problems: list[Problem]) -> list[Panel]:
    panels: list[Panel] = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        title = str(row.get("title") or "")
        collapsed = bool(row.get("collapse"))
        panels.append(Panel(id=None, title=title, type="row", collapsed=collapsed, raw=row))
        for item in _list(row.get("panels")):
            if isinstance(item, dict):
                panel = _panel(item, title, problems)
                panel.collapsed = collapsed
                panels.append(panel)
    return panels


def _panel(item: dict[str, Any], row: str, problems: list[Problem]) -> Panel:
    title = str(item.get("title") or "")
    library = item.get("libraryPanel")
    library_uid = ""
    if isinstance(library, dict):
        library_uid = str(library.get("uid") or library.get("name") or "?")
        problems.append(
            Problem(
                "library-panel",
                title or library_uid,
                f"library panel {library_uid!r} is a reference to Grafana's database and cannot be checked "
                "from the file; inline the panel (Unlink) to have it checked",
            )
        )
    ptype = str(item.get("type") or ("row" if "collapse" in item else ""))
    targets = [_target(t, i) for i, t in enumerate(_list(item.get("targets"))) if isinstance(t, dict)]
    if not targets and ptype not in _QUERYLESS_TYPES and not library_uid:
        problems.append(Problem("no-targets", title, f"panel {title!r} of type {ptype!r} has no queries"))
    grid = _dict(item.get("gridPos"))
    width = (
        grid.get("w") if "w" in grid else (item["span"] * 2 if isinstance(item.get("span"), int) else None)
    )
    return Panel(
        id=item["id"] if isinstance(item.get("id"), int) else None,
        title=title,
        type=ptype,
        datasource=item.get("datasource"),
        targets=targets,
        unit=_unit(item),
        thresholds=_thresholds(item),
        links=_links(item),
        max_data_points=_int(item.get("maxDataPoints"), 0) or None,
        interval=str(item.get("interval") or ""),
        row=row,
        repeat=str(item.get("repeat") or ""),
        library_panel=library_uid,
        grid_width=width if isinstance(width, int) else None,
        raw=item,
    )


def _target(item: dict[str, Any], index: int) -> Target:
    instant = bool(item.get("instant"))
    is_range = bool(item.get("range", not instant))
    return Target(
        ref_id=str(item.get("refId") or chr(ord("A") + index % 26)),
        expr=str(item.get("expr") or ""),
        instant=instant,
        range=is_range or not instant,
        interval=str(item.get("interval") or ""),
        legend_format=str(item.get("legendFormat") or ""),
        interval_factor=_int(item.get("intervalFactor"), 1) or 1,
        hide=bool(item.get("hide")),
        datasource=item.get("datasource"),
    )


def _unit(item: dict[str, Any]) -> str:
    defaults = _defaults(item)
    if defaults.get("unit"):
        return str(defaults["unit"])
    if item.get("format"):
        return str(item["format"])
    yaxes = _list(item.get("yaxes"))
    if yaxes and isinstance(yaxes[0], dict) and yaxes[0].get("format"):
        return str(yaxes[0]["format"])
    return ""


def _thresholds(item: dict[str, Any]) -> list[Threshold]:
    config = _defaults(item).get("thresholds")
    if isinstance(config, dict):
        mode = str(config.get("mode") or "absolute")
        return [
            Threshold(_float(step.get("value")), str(step.get("color") or ""), mode)
            for step in _list(config.get("steps"))
            if isinstance(step, dict)
        ]
    old = item.get("thresholds")
    if isinstance(old, str):
        # singlestat: "65, 90" are values on the panel's own scale; colors[i] paints from step i on
        values = [None] + [_float(v) for v in old.split(",") if v.strip()]
        colors = [str(c) for c in _list(item.get("colors"))]
        colors = colors if len(colors) == len(values) else [""] * len(values)
        if item.get("colorValue") is False and not item.get("colorBackground"):
            colors = [""] * len(values)
        return [Threshold(v, c) for v, c in zip(values, colors, strict=True)]
    return [
        Threshold(_float(step.get("value")), str(step.get("colorMode") or ""))
        for step in _list(old)
        if isinstance(step, dict)
    ]


def _links(item: dict[str, Any]) -> list[Link]:
    links = _list(item.get("links")) + _list(_defaults(item).get("links"))
    return [
        Link(str(link.get("title") or ""), str(link.get("url") or ""))
        for link in links
        if isinstance(link, dict) and link.get("url")
    ]


def _duplicate_ids(panels: list[Panel]) -> list[Problem]:
    counts = Counter(p.id for p in panels if p.id is not None)
    return [
        Problem(
            "duplicate-id",
            ", ".join(p.title for p in panels if p.id == panel_id),
            f"panel id {panel_id} is used {count} times; Grafana renumbers duplicates on load, which "
            "breaks links to the panel (viewPanel=) — give each panel its own id",
        )
        for panel_id, count in sorted(counts.items())
        if count > 1
    ]


def variable_from_json(item: dict[str, Any]) -> Variable:
    current = _dict(item.get("current"))
    value = current.get("value")
    text = current.get("text")
    options = [
        (str(o.get("text", o.get("value", ""))), str(o.get("value", "")))
        for o in _list(item.get("options"))
        if isinstance(o, dict)
    ]
    all_value = item.get("allValue")
    return Variable(
        name=str(item.get("name") or ""),
        type=str(item.get("type") or "query"),
        query=item.get("query", ""),
        definition=str(item.get("definition") or ""),
        datasource=item.get("datasource"),
        multi=bool(item.get("multi")),
        include_all=bool(item.get("includeAll")),
        all_value=str(all_value) if all_value not in (None, "") else None,
        regex=str(item.get("regex") or ""),
        sort=_int(item.get("sort"), 0),
        current=_strings(value),
        current_text=_strings(text),
        options=options,
        hide=_int(item.get("hide"), 0),
        auto=bool(item.get("auto")),
        auto_count=_int(item.get("auto_count"), 30) or 30,
        auto_min=str(item.get("auto_min") or "10s"),
        raw=item,
    )


def _defaults(item: dict[str, Any]) -> dict[str, Any]:
    config = item.get("fieldConfig")
    defaults = config.get("defaults") if isinstance(config, dict) else None
    return defaults if isinstance(defaults, dict) else {}


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
