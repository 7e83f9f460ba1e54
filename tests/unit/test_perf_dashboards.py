from __future__ import annotations

from typing import Any

import pytest

from validation.perf.dashboards import TimingClient

pytestmark = pytest.mark.unit


class FakeAPI:
    def series(self, match: str, start: float, end: float) -> list[dict[str, str]]:
        return [{"__name__": "up"}]

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        return ["a"]

    def instant(self, expr: str, time: float) -> dict[str, Any]:
        return {"resultType": "vector", "result": []}

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        raise RuntimeError("boom")


def test_timing_client_times_panel_queries_only_and_even_when_they_fail() -> None:
    ticks = iter([0.0, 0.25, 1.0, 1.5])
    client = TimingClient(FakeAPI(), clock=lambda: next(ticks))
    client.series("up", 0, 1)
    client.label_values("job")
    assert client.instant("up", 1) == {"resultType": "vector", "result": []}
    with pytest.raises(RuntimeError):
        client.query_range("up", 0, 1, 1)
    assert client.durations == [0.25, 0.5]
