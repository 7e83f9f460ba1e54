"""One measured figure (``Metric``) and a set of them (``Figures``), as stored in baseline files.

A metric keeps every sample, not only its median, so a comparison can see the spread and a
plot can show it. Names are stable keys: ``group/subject`` (``scrape_duration_s/node``,
``rss_bytes/prometheus``); the kind picks the comparison rule (compare.TOLERANCES).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from validation.perf.stats import median

Kind = Literal["startup", "timing", "tail", "latency", "ratio", "memory", "size", "cpu", "count", "rate"]
KINDS: tuple[Kind, ...] = (
    "startup",
    "timing",
    "tail",
    "latency",
    "ratio",
    "memory",
    "size",
    "cpu",
    "count",
    "rate",
)
UNITS: dict[Kind, str] = {
    "startup": "s",
    "timing": "s",
    "tail": "s",
    "latency": "s",
    "ratio": "x",
    "memory": "bytes",
    "size": "bytes",
    "cpu": "cores",
    "count": "",
    "rate": "/s",
}


@dataclass
class Metric:
    name: str
    kind: Kind
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return median(self.samples)

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "unit": self.unit,
            "median": round(self.median, 6),
            "samples": [round(s, 6) for s in self.samples],
        }

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> Metric:
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"metric {name!r}: unknown kind {kind!r}")
        samples = [float(s) for s in data.get("samples") or [data["median"]]]
        return cls(name, kind, samples)


class Figures(dict[str, Metric]):
    """Metrics by name; ``add`` appends a sample, creating the metric on first use."""

    def add(self, name: str, kind: Kind, value: float) -> None:
        metric = self.get(name)
        if metric is None:
            metric = self[name] = Metric(name, kind)
        metric.samples.append(float(value))

    def merge(self, other: Figures) -> None:
        for name, metric in other.items():
            for value in metric.samples:
                self.add(name, metric.kind, value)

    def medians(self) -> dict[str, float]:
        return {name: round(m.median, 6) for name, m in sorted(self.items()) if m.samples}

    def to_json(self) -> dict[str, Any]:
        return {name: m.to_json() for name, m in sorted(self.items()) if m.samples}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        figures = cls()
        for name, item in data.items():
            figures[name] = Metric.from_json(name, item)
        return figures
