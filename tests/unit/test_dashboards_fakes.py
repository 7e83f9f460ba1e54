"""A tiny in-memory stand-in for the Prometheus HTTP API (a test double of the HTTP client, used by
the dashboard unit tests), and the tests that keep it honest about selector matching."""

from __future__ import annotations

import re
from typing import Any

import promql_parser
import pytest

pytestmark = pytest.mark.unit


def _matches(selector: str, labels: dict[str, str]) -> bool:
    ast = promql_parser.parse(selector)
    if not isinstance(ast, promql_parser.VectorSelector):
        raise ValueError(f"not a series selector: {selector}")
    if ast.name and labels.get("__name__") != ast.name:
        return False
    for m in ast.matchers.matchers:
        value = labels.get(m.name, "")
        if m.op == promql_parser.MatchOp.Equal and value != m.value:
            return False
        if m.op == promql_parser.MatchOp.NotEqual and value == m.value:
            return False
        if m.op == promql_parser.MatchOp.Re and not re.fullmatch(m.value, value):
            return False
        if m.op == promql_parser.MatchOp.NotRe and re.fullmatch(m.value, value):
            return False
    return True


class FakePrometheus:
    """Series metadata answered from ``series``; queries are recorded and answered with one series
    (``results`` maps an exact expression to another answer, an Exception to raise)."""

    def __init__(
        self, series: list[dict[str, str]] | None = None, results: dict[str, Any] | None = None
    ) -> None:
        self.all_series = series or []
        self.results = results or {}
        self.queries: list[tuple[str, str, tuple[float, ...]]] = []

    def series(self, match: str, start: float, end: float) -> list[dict[str, str]]:
        return [s for s in self.all_series if _matches(match, s)]

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        chosen = self.series(match, 0, 0) if match else self.all_series
        return sorted({s[label] for s in chosen if label in s})

    def _answer(self, expr: str, kind: str) -> dict[str, Any]:
        answer = self.results.get(expr)
        if isinstance(answer, Exception):
            raise answer
        if answer is not None:
            return dict(answer)
        if kind == "vector":
            return {"resultType": "vector", "result": [{"metric": {"__name__": "x"}, "value": [0, "1"]}]}
        return {"resultType": "matrix", "result": [{"metric": {}, "values": [[0, "1"], [15, "2"]]}]}

    def instant(self, expr: str, time: float) -> dict[str, Any]:
        self.queries.append(("query", expr, (time,)))
        return self._answer(expr, "vector")

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        self.queries.append(("query_range", expr, (start, end, step)))
        return self._answer(expr, "matrix")


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("up", {"__name__": "up"}, True),
        ("up", {"__name__": "down"}, False),
        ('up{job="node"}', {"__name__": "up", "job": "node"}, True),
        ('up{job!="node"}', {"__name__": "up", "job": "node"}, False),
        ('up{job=~"no.*"}', {"__name__": "up", "job": "node"}, True),
        ('up{job=~"no"}', {"__name__": "up", "job": "node"}, False),  # regexes are anchored
        ('up{job!~"no.*"}', {"__name__": "up", "job": "node"}, False),
        ('{__name__=~".+"}', {"__name__": "up"}, True),
    ],
)
def test_fake_selector_matching_follows_prometheus_semantics(
    selector: str, labels: dict[str, str], expected: bool
) -> None:
    assert _matches(selector, labels) is expected
