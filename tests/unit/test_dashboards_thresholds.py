"""Threshold extraction for the dashboard ↔ alert cross-check."""

from __future__ import annotations

import pytest

from validation.dashboards.loader import dashboard_from_json
from validation.dashboards.thresholds import PanelThreshold, highest_threshold, metric_names, panel_thresholds

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up", {"up"}),
        ('1 - a{x="1"} / b', {"a", "b"}),
        ('{__name__="c", job="x"}', {"c"}),
        ('{__name__!="c"}', set()),
        ("rate(x[$__rate_interval])", set()),
    ],
    ids=[
        "plain",
        "binary",
        "__name__ matcher",
        "negative __name__ matcher is no name",
        "unexpanded macro does not parse",
    ],
)
def test_metric_names(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def _dashboard(unit: str, steps: list[dict[str, object]], mode: str = "absolute") -> object:
    panel = {"id": 1, "type": "timeseries", "title": "Mem", "targets": [{"refId": "A", "expr": "1 - a / b"}],
             "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": mode, "steps": steps}}}}  # fmt: skip
    return dashboard_from_json({"uid": "d", "title": "t", "schemaVersion": 39, "panels": [panel]})


@pytest.mark.parametrize(
    ("unit", "value", "normalized"),
    [("percentunit", 0.9, 0.9), ("percent", 90, 0.9), ("celsius", 85, 85)],
)
def test_thresholds_are_extracted_and_percentages_normalised(
    unit: str, value: float, normalized: float
) -> None:
    dashboard = _dashboard(unit, [{"color": "green", "value": None}, {"color": "red", "value": value}])
    [found] = panel_thresholds(dashboard)  # type: ignore[arg-type]
    assert (found.panel, found.metrics, found.value, found.normalized) == (
        "Mem",
        frozenset({"a", "b"}),
        value,
        normalized,
    )


def test_percentage_mode_steps_are_not_comparable() -> None:
    dashboard = _dashboard("percentunit", [{"color": "red", "value": 90}], mode="percentage")
    [found] = panel_thresholds(dashboard)  # type: ignore[arg-type]
    assert found.normalized is None
    assert highest_threshold([found], "a") == []


def test_highest_threshold_keeps_the_most_severe_step_per_panel() -> None:
    def item(value: float) -> PanelThreshold:
        return PanelThreshold("d", "p", "A", "x", frozenset({"x"}), value, "celsius", "red")

    assert [t.value for t in highest_threshold([item(85), item(90), item(70)], "x")] == [90]
