"""Prometheus text exposition format (version 0.0.4): escaping, metric types, rendering.

``render_exposition`` groups samples into families with one HELP and one TYPE line each, in a
stable order (families by name; histogram buckets by ``le``; then ``_sum``, ``_count``).
Types are inferred unless given: ``*_total`` → counter; ``X_bucket`` with an ``le`` label makes
``X`` a histogram (``X_sum`` / ``X_count`` join it); a ``quantile`` label makes a summary;
everything else is a gauge. Samples carry no timestamps: Prometheus stamps them at scrape time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DEFAULT_HELP = "Synthetic series injected by stackcheck."
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


@dataclass(frozen=True)
class Point:
    """One sample to expose: metric name, labels, value."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float

    @classmethod
    def of(cls, name: str, labels: Mapping[str, str], value: float) -> Point:
        return cls(name, tuple(sorted(labels.items())), float(value))


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def format_sample(point: Point) -> str:
    if not point.labels:
        return f"{point.name} {format_value(point.value)}"
    pairs = ",".join(f'{key}="{escape_label_value(value)}"' for key, value in point.labels)
    return f"{point.name}{{{pairs}}} {format_value(point.value)}"


def infer_families(points: Iterable[Point], types: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map each metric name to its family; ``types`` (family → type) wins over inference."""
    points = list(points)
    types = types or {}
    grouped = {name for name, kind in types.items() if kind in ("histogram", "summary")}
    for point in points:
        keys = {key for key, _ in point.labels}
        if point.name.endswith("_bucket") and "le" in keys and types.get(point.name) is None:
            grouped.add(point.name[: -len("_bucket")])
        elif "quantile" in keys and types.get(point.name) is None:
            grouped.add(point.name)
    families: dict[str, str] = {}
    for point in points:
        family = point.name
        for suffix in ("_bucket", "_sum", "_count"):
            base = point.name[: -len(suffix)]
            if point.name.endswith(suffix) and base in grouped:
                family = base
        families[point.name] = family
    return families


def family_type(family: str, members: Iterable[Point], types: Mapping[str, str]) -> str:
    if family in types:
        return types[family]
    names = {point.name for point in members}
    if f"{family}_bucket" in names:
        return "histogram"
    if any(key == "quantile" for point in members for key, _ in point.labels):
        return "summary"
    return "counter" if family.endswith("_total") else "gauge"


def render_exposition(
    points: Iterable[Point], *, types: Mapping[str, str] | None = None, helps: Mapping[str, str] | None = None
) -> str:
    """The exposition text for ``points``; ends with a newline (Pushgateway requires one)."""
    types = types or {}
    helps = helps or {}
    points = list(points)
    families = infer_families(points, types)
    by_family: dict[str, list[Point]] = {}
    for point in points:
        by_family.setdefault(families[point.name], []).append(point)
    lines: list[str] = []
    for family in sorted(by_family):
        members = sorted(by_family[family], key=lambda point: _order(family, point))
        lines.append(f"# HELP {family} {escape_help(helps.get(family, DEFAULT_HELP))}")
        lines.append(f"# TYPE {family} {family_type(family, members, types)}")
        lines.extend(format_sample(point) for point in members)
    return "".join(line + "\n" for line in lines)


def _order(family: str, point: Point) -> tuple[int, tuple[tuple[str, str], ...], float]:
    suffix_rank = {f"{family}_bucket": 0, f"{family}_sum": 1, f"{family}_count": 2}.get(point.name, 0)
    others = tuple((key, value) for key, value in point.labels if key not in ("le", "quantile"))
    bound = dict(point.labels).get("le", dict(point.labels).get("quantile"))
    return suffix_rank, others, _as_float(bound)


def _as_float(text: str | None) -> float:
    if text is None:
        return -math.inf
    try:
        return float(text)
    except ValueError:
        return math.inf
