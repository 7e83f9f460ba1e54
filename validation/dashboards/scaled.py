"""A ``PrometheusAPI`` that lets the engine think in production time against a compressed stack.

The engine computes ranges, steps, ``$__interval`` and ``$__rate_interval`` exactly as Grafana would
for production time; this adapter maps every call onto a stack running ``scale`` times faster:
expressions go through ``timescale.promql.compress_promql`` (ranges, offsets and per-second
functions keep their values), and times are compressed around ``anchor`` (real ``now``): a point
``d`` production seconds before the anchor is ``d / scale`` real seconds before it. With
``scale == 1`` calls pass through unchanged.

Every ``query_range`` answer is recorded under the production expression, with timestamps mapped
back to production time, and every instant vector answer likewise, for the previews.

Limits: time(), timestamp() and ``@`` modifiers cannot be compressed faithfully (the rewrite keeps
them; their values are real time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from validation.clients.prometheus import QueryFailed
from validation.core.errors import ConfigError
from validation.core.settings import REAL_TIME
from validation.dashboards.client import PrometheusAPI
from validation.timescale.promql import compress_promql


@dataclass
class RecordedRange:
    expr: str
    sent: str
    start: float
    end: float
    step: float
    result: list[dict[str, Any]] = field(default_factory=list)


class ScaledClient:
    def __init__(self, inner: PrometheusAPI, scale: float = REAL_TIME, anchor: float | None = None) -> None:
        if scale <= 0:
            raise ValueError(f"time scale must be positive, got {scale}")
        self.inner = inner
        self.scale = scale
        self.anchor = anchor
        self.recorded: dict[str, RecordedRange] = {}
        self.recorded_instant: dict[str, list[dict[str, Any]]] = {}

    def real_time(self, t: float) -> float:
        if self.scale == 1 or self.anchor is None:
            return t
        return self.anchor - (self.anchor - t) / self.scale

    def production_time(self, t: float) -> float:
        if self.scale == 1 or self.anchor is None:
            return t
        return self.anchor - (self.anchor - t) * self.scale

    def compress(self, expr: str) -> str:
        if self.scale == 1:
            return expr
        try:
            return compress_promql(expr, self.scale)
        except ConfigError as exc:
            raise QueryFailed(exc.what) from None

    def series(self, match: str, start: float, end: float) -> list[dict[str, str]]:
        return self.inner.series(match, self.real_time(start), self.real_time(end))

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        return self.inner.label_values(label, match)

    def instant(self, expr: str, time: float) -> dict[str, Any]:
        data = self.inner.instant(self.compress(expr), self.real_time(time))
        if data.get("resultType") == "vector":
            self.recorded_instant[expr] = list(data.get("result") or [])
        return data

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        sent = self.compress(expr)
        data = self.inner.query_range(sent, self.real_time(start), self.real_time(end), step / self.scale)
        result = [
            {**item, "values": [[self.production_time(float(t)), v] for t, v in item.get("values") or []]}
            for item in data.get("result") or []
        ]
        self.recorded[expr] = RecordedRange(expr, sent, start, end, step, result)
        return data
