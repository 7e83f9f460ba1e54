"""PanelResults rendered as results.json dashboard checks and panel coverage."""

from __future__ import annotations

import pytest

from validation.dashboards.execute import PanelResult, TargetResult
from validation.dashboards.report import panel_check, panel_coverage

pytestmark = pytest.mark.unit


def _target(**fields: object) -> TargetResult:
    return TargetResult("A", "up", **{"expr": "up", "parse_ok": True, "executed": True, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("result", "status", "message_part"),
    [
        (PanelResult("d", 1, "p", targets=[_target(series=2)]), "passed", ""),
        (PanelResult("d", 1, "p", targets=[_target(series=0)]), "failed", "exp: at least one series, got: none"),
        (PanelResult("d", 1, "p", targets=[_target(series=3), _target(error="PromQL does not parse")]), "failed", "got: A: PromQL"),
        (PanelResult("d", 1, "p", targets=[_target(skipped="hidden target")]), "skipped", "hidden target"),
        (PanelResult("d", 1, "p", skipped="library panel 'x'"), "skipped", "library panel"),
    ],
    ids=["data passes", "no series fails", "one broken target fails the panel", "only skipped targets", "library panel"],
)  # fmt: skip
def test_panel_check_status(result: PanelResult, status: str, message_part: str) -> None:
    check = panel_check(result)
    assert (check.id, check.kind, check.status) == ("dashboards/d/1", "dashboard", status)
    assert message_part in check.message


def test_coverage_counts_only_runnable_panels() -> None:
    results = [
        PanelResult("d", 1, "a", targets=[_target(series=1)]),
        PanelResult("d", 2, "b", targets=[_target(series=0)]),
        PanelResult("d", 3, "c", skipped="library panel"),
    ]
    assert panel_coverage(results) == {"total": 2, "with_data": 1, "without_data": ["dashboards/d/2"]}
