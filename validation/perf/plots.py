"""PNG pictures of the figures, the cardinality sweep and the trend across stored baselines.

matplotlib with the Agg backend (no display needed); importing this module fails with
ImportError when matplotlib is not installed — callers treat plots as optional.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from validation.perf.compare import Verdict
from validation.perf.metrics import Figures, Kind

PANELS: list[tuple[str, tuple[Kind, ...], float, str]] = [
    ("Start-up and first scrape", ("startup",), 1.0, "seconds"),
    ("Scrape, rule and query timings", ("timing", "tail"), 1000.0, "milliseconds"),
    ("Memory per component", ("memory",), 1 / 2**20, "MiB"),
    ("CPU per component", ("cpu",), 1.0, "cores"),
]
TREND_METRICS = (
    "rule_eval_s/total",
    "scrape_duration_s/stackcheck-perf-load",
    "rss_bytes/prometheus",
    "tsdb/ingestion_samples_per_s",
    "alert_latency_s/p50",
    "first_scrape_s/all",
)


def plot_figures(figures: Figures, path: Path, verdicts: list[Verdict] | None = None) -> Path:
    """One panel per kind: median bars, every sample as a dot; regressions in red."""
    flagged = {v.name for v in verdicts or [] if v.regression}
    panels = [(t, k, s, u) for t, k, s, u in PANELS if any(m.kind in k for m in figures.values())]
    rows = max(len(panels), 1)
    heights = [max(2.0, 0.28 * sum(1 for m in figures.values() if m.kind in k)) for _, k, _, _ in panels]
    fig, axes = plt.subplots(
        rows,
        1,
        figsize=(10, sum(heights) + 1.2 * rows),
        squeeze=False,
        gridspec_kw={"height_ratios": heights or [1]},
    )
    for ax, (title, kinds, scale, unit) in zip(axes[:, 0], panels, strict=False):
        metrics = sorted((m for m in figures.values() if m.kind in kinds), key=lambda m: m.name)
        names = [m.name for m in metrics]
        ax.barh(
            names,
            [m.median * scale for m in metrics],
            color=["#d62728" if n in flagged else "#1f77b4" for n in names],
            alpha=0.7,
        )
        for i, metric in enumerate(metrics):
            ax.plot([s * scale for s in metric.samples], [i] * len(metric.samples), "k.", markersize=3)
        ax.set_title(title)
        ax.set_xlabel(unit)
        ax.tick_params(axis="y", labelsize=7)
        ax.invert_yaxis()
    fig.tight_layout()
    return _save(fig, path)


def plot_trend(
    baselines_dir: Path,
    path: Path,
    metrics: tuple[str, ...] = TREND_METRICS,
    current: dict[str, float] | None = None,
) -> Path | None:
    """Median of a few key metrics across the history of every stored baseline; ``current``
    (this comparison's medians) is drawn as a red star after the last record."""
    series: dict[str, list[tuple[int, dict[str, float]]]] = {}
    for file in sorted(baselines_dir.glob("*.json")):
        try:
            history = json.loads(file.read_text(encoding="utf-8")).get("history") or []
        except ValueError:
            continue
        series[file.stem] = [(i, dict(entry.get("medians") or {})) for i, entry in enumerate(history)]
    shown = [m for m in metrics if any(m in med for pts in series.values() for _, med in pts)]
    if not shown:
        return None
    fig, axes = plt.subplots(len(shown), 1, figsize=(9, 2.2 * len(shown)), squeeze=False)
    last = max((len(points) for points in series.values()), default=0)
    for ax, metric in zip(axes[:, 0], shown, strict=True):
        for name, points in series.items():
            xs = [i for i, medians in points if metric in medians]
            ys = [medians[metric] for _, medians in points if metric in medians]
            if xs:
                ax.plot(xs, ys, marker="o", label=name)
        if current and metric in current:
            ax.plot([last], [current[metric]], "r*", markersize=12, label="this run")
        ax.set_ylim(bottom=0)  # from zero: a 1 % wobble must not look like a cliff
        ax.set_title(metric, fontsize=9)
        ax.set_xlabel("record #")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, path)


def plot_sweep(points: list[dict[str, Any]], path: Path, fit: dict[str, float] | None = None) -> Path:
    """Memory, ingestion, query latency and render time against head series (log-log: a linear
    cost is a line of slope 1); the fitted memory line is drawn dashed over the RSS points."""
    xs = [p["head_series"] for p in points]
    charts = [
        ("Prometheus RSS (MiB)", [p["rss_bytes"] / 2**20 for p in points]),
        ("Go heap in use (MiB)", [p["heap_inuse_bytes"] / 2**20 for p in points]),
        ("Ingestion (samples/s)", [p["ingestion_samples_per_s"] for p in points]),
        ("sum by (group)(rate) p50 (ms)", [p["query_p50_s"] * 1000 for p in points]),
        ("Load-job scrape duration (ms)", [p["scrape_duration_s"] * 1000 for p in points]),
        ("SyntheticTarget render (ms)", [p["synthetic_render_s"] * 1000 for p in points]),
    ]
    fig, axes = plt.subplots(3, 2, figsize=(11, 9), squeeze=False)
    for ax, (title, ys) in zip(axes.flat, charts, strict=True):
        shown = [(x, y) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
        ax.plot([x for x, _ in shown], [y for _, y in shown], marker="o")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("head series")
        ax.grid(alpha=0.3)
    if fit and xs:
        line = [min(xs), max(xs)]
        axes[0, 0].plot(
            line,
            [(fit["rss_base_bytes"] + x * fit["rss_bytes_per_series"]) / 2**20 for x in line],
            "k--",
            label=f"fit: {fit['rss_bytes_per_series']:.0f} B/series",
        )
        axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
