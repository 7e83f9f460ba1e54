"""Draw each executed dashboard to a PNG, laid out as Grafana lays it out (matplotlib, Agg).

A 24-column grid by ``gridPos``; rows as header bars (a collapsed row is drawn expanded below its
header, as after a click, so its panels are visible too); time series from the recorded query_range
results with legends from ``legendFormat`` and threshold steps as dashed lines in their colours;
stat panels as a big number (last value of the first series) coloured by thresholds; tables as the
first rows of label sets and values. Values are formatted with the panel's unit (percentunit,
bytes, Bps, s, celsius, watt, …). Times are production time (minutes before now).

Limits: no per-series overrides, stacking, transformations or value mappings; other panel types
are drawn as their title and "not drawn: <type>".
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from validation.dashboards.execute import PanelResult
from validation.dashboards.model import Panel
from validation.dashboards.session import DashboardRun, DashboardSession

BACKGROUND, PANEL, TEXT, GRID = "#111217", "#181b1f", "#ccccdc", "#2c3235"
PALETTE = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#705da0", "#37872d"]
COLORS = {"green": "#73bf69", "red": "#f2495c", "yellow": "#fade2a", "orange": "#ff9830", "blue": "#5794f2",
          "dark-red": "#c4162a", "dark-green": "#37872d", "text": TEXT, "transparent": PANEL}  # fmt: skip
UNIT_ROW = 30  # Grafana's grid row height in px
_BYTES = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]


def render_session(session: DashboardSession, out_dir: Path, errors: list[str] | None = None) -> list[Path]:
    """Draw every dashboard; a picture that cannot be drawn is listed in ``errors`` (never fatal:
    previews illustrate the checks, they are not one)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for key, run in session.runs.items():
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", key)
        try:
            written.append(render_dashboard(run, out_dir / f"{name}.png"))
        except Exception as exc:  # a drawing bug must not cost the report
            plt.close("all")
            if errors is None:
                raise
            errors.append(f"{key}: {exc.__class__.__name__}: {exc}")
    return written


def layout(panels: list[Panel]) -> list[tuple[Panel, int, int, int, int]]:
    """(panel, x, y, w, h) in grid units with collapsed rows opened in place."""
    placed: list[tuple[Panel, int, int, int, int]] = []
    shift = 0
    index = 0
    while index < len(panels):
        panel = panels[index]
        x, y, w, h = _grid(panel)
        placed.append((panel, x, y + shift, w, h))
        index += 1
        if panel.is_row and panel.collapsed:
            children = []
            while index < len(panels) and not panels[index].is_row and panels[index].row == panel.title:
                children.append(panels[index])
                index += 1
            if children:
                top = min(_grid(c)[1] for c in children)
                base = y + shift + 1
                for child in children:
                    cx, cy, cw, ch = _grid(child)
                    placed.append((child, cx, base + cy - top, cw, ch))
                shift += max(_grid(c)[1] + _grid(c)[3] for c in children) - top
    return placed


def _grid(panel: Panel) -> tuple[int, int, int, int]:
    pos = panel.raw.get("gridPos") or {}
    return (
        int(pos.get("x", 0)),
        int(pos.get("y", 0)),
        int(pos.get("w", 12)),
        int(pos.get("h", 1 if panel.is_row else 8)),
    )


WIDTH_PX, TITLE_PX, DPI = 1600, 50, 80


def render_dashboard(run: DashboardRun, path: Path) -> Path:
    dashboard = run.dashboard
    placed = layout(dashboard.panels)
    rows = max((y + h for _, _, y, _, h in placed), default=1)
    height_px = TITLE_PX + rows * UNIT_ROW
    fig = plt.figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, facecolor=BACKGROUND)

    def box(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        """Pixels from the top-left corner → figure fraction (left, bottom, width, height)."""
        return (x / WIDTH_PX, 1 - (y + h) / height_px, w / WIDTH_PX, h / height_px)

    left, bottom, *_ = box(10, 12, 0, 26)
    fig.text(left, bottom, f"{dashboard.title}  ·  {dashboard.uid}  ·  {_variables_text(run)}",
             color=TEXT, fontsize=14, weight="bold")  # fmt: skip
    results = {(r.panel_id, r.title): r for r in run.panels}
    by_id = {r.panel_id: r for r in run.panels if not r.repeat_value}
    column = WIDTH_PX / 24
    for panel, x, y, w, h in placed:
        px, py, pw, ph = x * column + 3, TITLE_PX + y * UNIT_ROW + 3, w * column - 6, h * UNIT_ROW - 6
        if panel.is_row:
            mark = "▸ " if panel.collapsed else "▾ "
            left, bottom, *_ = box(px, py, pw, ph)
            fig.text(
                left,
                bottom + 0.2 * ph / height_px,
                mark + panel.title,
                color=TEXT,
                fontsize=12,
                weight="bold",
            )
            continue
        cell = fig.add_axes(box(px, py, pw, ph), facecolor=PANEL)
        cell.set_xticks([])
        cell.set_yticks([])
        for spine in cell.spines.values():
            spine.set_color(GRID)
        unit = f"  [{panel.unit}]" if panel.unit else ""
        cell.text(0.01, 1 - 14 / ph, panel.title + unit, color=TEXT, fontsize=9, weight="bold",
                  transform=cell.transAxes, va="center")  # fmt: skip
        plain = panel.type not in ("timeseries", "graph", "barchart")
        inner = (px + 8, py + 26, pw - 16, ph - 34) if plain else (px + 62, py + 26, pw - 72, ph - 50)
        ax = fig.add_axes(box(*inner), facecolor=PANEL)
        result = by_id.get(panel.id) or results.get((panel.id, panel.title))
        _draw_panel(ax, panel, result, run)
    fig.savefig(path, facecolor=BACKGROUND)
    plt.close(fig)
    return path


def _variables_text(run: DashboardRun) -> str:
    parts = []
    for name, value in run.variables.items():
        if name == "datasource":
            continue
        parts.append(f"{name}={'All' if value.is_all else ','.join(value.texts or value.values)}")
    return "  ".join(parts) or "no variables"


def _draw_panel(ax: Axes, panel: Panel, result: PanelResult | None, run: DashboardRun) -> None:
    for spine in ax.spines.values():
        spine.set_color(GRID)
        spine.set_visible(panel.type in ("timeseries", "graph", "barchart"))
    ax.tick_params(colors=TEXT, labelsize=7)
    if result is None or not result.targets:
        _message(ax, "not executed" if result is None else "no queries")
        return
    errors = [t.error for t in result.targets if t.error]
    if panel.type == "stat" or panel.type == "gauge":
        _draw_stat(ax, panel, result, errors)
    elif panel.type == "table":
        _draw_table(ax, panel, result, run)
    elif panel.type in ("timeseries", "graph", "bargauge", "barchart"):
        _draw_series(ax, panel, result, run)
    else:
        _message(ax, f"not drawn: {panel.type}")
    if errors:
        ax.text(0.5, 0.05, "error: " + errors[0][:90], color=COLORS["red"], fontsize=7, ha="center",
                transform=ax.transAxes)  # fmt: skip


def _message(ax: Axes, text: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, text, color="#8e8e8e", ha="center", va="center", fontsize=11, transform=ax.transAxes)


def _draw_series(ax: Axes, panel: Panel, result: PanelResult, run: DashboardRun) -> None:
    end = run.time_range.end if run.time_range else 0.0
    legend_formats = {t.ref_id: t.legend_format for t in _targets(panel)}
    drawn = 0
    for target in result.targets:
        recorded = run.recorded.get(target.expr)
        if recorded is None:
            continue
        for item in recorded.result:
            points = [(float(t), _num(v)) for t, v in item.get("values") or []]
            if not points:
                continue
            xs = [(t - end) / 60 for t, _ in points]
            ys = [v for _, v in points]
            label = legend(legend_formats.get(target.ref_id, ""), item.get("metric") or {})
            ax.plot(xs, ys, color=PALETTE[drawn % len(PALETTE)], linewidth=1.2, label=label)
            drawn += 1
    if not drawn:
        _message(ax, "No data")
        return
    for value, color in _threshold_lines(panel):
        ax.axhline(value, color=color, linestyle="--", linewidth=1)
    field = _defaults(panel)
    if isinstance(field.get("min"), (int, float)):
        ax.set_ylim(bottom=field["min"])
    if isinstance(field.get("max"), (int, float)):
        ax.set_ylim(top=field["max"])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v, panel.unit)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "now" if abs(v) < 1e-9 else f"{v:g}m"))
    if run.time_range is not None:
        ax.set_xlim((run.time_range.start - end) / 60, 0)
    ax.grid(color=GRID, linewidth=0.5)
    labelled = any(str(line.get_label() or "_").startswith("_") is False for line in ax.get_lines())
    if drawn <= 8 and labelled:
        ax.legend(fontsize=6, loc="upper left", facecolor=PANEL, edgecolor=GRID, labelcolor=TEXT)
    elif drawn > 8:
        ax.text(
            0.99,
            0.97,
            f"{drawn} series",
            color=TEXT,
            fontsize=7,
            ha="right",
            va="top",
            transform=ax.transAxes,
        )


def _draw_stat(ax: Axes, panel: Panel, result: PanelResult, errors: list[str]) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    values = [v for t in result.targets for v in t.last_values[:1]]
    if not values:
        if not errors:
            _message(ax, "No data")
        return
    value = values[0]
    color = _step_color(panel, value)
    ax.set_facecolor(color if color not in (COLORS["text"], PANEL) else PANEL)
    ax.text(0.5, 0.45, format_value(value, panel.unit), color="white" if color != PANEL else TEXT,
            fontsize=26, weight="bold", ha="center", va="center", transform=ax.transAxes)  # fmt: skip


def _draw_table(ax: Axes, panel: Panel, result: PanelResult, run: DashboardRun) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    rows: list[tuple[str, str]] = []
    for target in result.targets:
        recorded = run.recorded.get(target.expr)
        items = recorded.result if recorded else run.recorded_instant.get(target.expr, [])
        for item in items:
            labels = item.get("metric") or {}
            text = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__")
            values = item.get("values") or ([item["value"]] if "value" in item else [])
            rows.append((text, format_value(_num(values[-1][1]), panel.unit) if values else ""))
    if not rows:
        _message(ax, "No data")
        return
    for i, (labels, value) in enumerate(rows[:12]):
        y = 0.92 - i * 0.075
        ax.text(0.01, y, labels[:150], color=TEXT, fontsize=6.5, transform=ax.transAxes, va="top")
        ax.text(0.99, y, value, color=TEXT, fontsize=6.5, ha="right", transform=ax.transAxes, va="top")
    if len(rows) > 12:
        ax.text(
            0.01, 0.02, f"… {len(rows) - 12} more rows", color="#8e8e8e", fontsize=6.5, transform=ax.transAxes
        )


def legend(fmt: str, labels: dict[str, str]) -> str:
    """Grafana's legendFormat: ``{{label}}`` replaced by the label's value; empty → the series."""
    if not fmt or fmt == "__auto":
        inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
        return f"{labels.get('__name__', '')}{{{inner}}}"
    return re.sub(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt)


def format_value(value: float, unit: str) -> str:
    """A value as Grafana prints it with ``unit`` (the common units; others: number + unit)."""
    if math.isnan(value):
        return "NaN"
    if unit == "percentunit":
        return f"{value * 100:.3g}%"
    if unit == "percent":
        return f"{value:.3g}%"
    if unit in ("bytes", "decbytes", "Bps", "bytes/sec"):
        suffix = "/s" if unit in ("Bps", "bytes/sec") else ""
        step = 0
        while abs(value) >= 1024 and step < len(_BYTES) - 1:
            value /= 1024
            step += 1
        return f"{value:.3g} {_BYTES[step]}{suffix}"
    if unit == "s":
        if value != 0 and abs(value) < 1:
            return f"{value * 1000:.3g} ms"
        return f"{value:.3g} s"
    symbols = {
        "celsius": " °C",
        "watt": " W",
        "ops": " ops/s",
        "iops": " io/s",
        "pps": " p/s",
        "reqps": " req/s",
    }
    if unit in symbols:
        return f"{value:.3g}{symbols[unit]}"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g} Mil"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.3g} K"
    return f"{value:.3g}"


_GRAFANA_SHADES = {"super-light-": 0.6, "light-": 0.3, "semi-dark-": -0.2, "dark-": -0.35}


def grafana_color(name: str | None, default: str) -> str:
    """A Grafana colour (named, "dark-yellow", "#hex", "rgb(…)", "rgba(…)") as a matplotlib colour."""
    if not name:
        return default
    text = name.strip()
    if text in COLORS:
        return COLORS[text]
    match = re.fullmatch(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)", text)
    if match:
        r, g, b = (min(255.0, float(v)) / 255 for v in match.groups()[:3])
        return matplotlib.colors.to_hex((r, g, b))
    for prefix, amount in _GRAFANA_SHADES.items():
        if text.startswith(prefix) and text[len(prefix) :] in COLORS:
            base = matplotlib.colors.to_rgb(COLORS[text[len(prefix) :]])
            r, g, b = (c + (1 - c) * amount if amount > 0 else c * (1 + amount) for c in base)
            return matplotlib.colors.to_hex((r, g, b))
    return text if matplotlib.colors.is_color_like(text) else default


def _threshold_lines(panel: Panel) -> list[tuple[float, str]]:
    return [(s.value, grafana_color(s.color, COLORS["red"])) for s in panel.thresholds
            if s.value is not None and s.mode == "absolute"]  # fmt: skip


def _step_color(panel: Panel, value: float) -> str:
    color = COLORS["green"]
    for step in panel.thresholds:
        if step.value is None:
            color = grafana_color(step.color, COLORS["green"])
        elif step.mode == "absolute" and value >= step.value:
            color = grafana_color(step.color, COLORS["red"])
    return color


def _defaults(panel: Panel) -> dict[str, Any]:
    field = panel.raw.get("fieldConfig") or {}
    return dict(field.get("defaults") or {}) if isinstance(field, dict) else {}


def _targets(panel: Panel) -> list[Any]:
    return list(panel.targets)


def _num(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan
