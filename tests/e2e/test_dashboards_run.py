"""The `dashboards` group of the check registry against the real reference stack (process backend, time scale 60): every
reference panel returns data (GPU panels from fixtures/dashboards/data.yaml), previews are drawn;
broken copies of a dashboard fail with messages naming dashboard, panel and target."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from validation.checks import checks_for, run_checks
from validation.checks.base import CheckContext
from validation.checks.dashboards.data import DashboardDataCheck
from validation.checks.dashboards.datasources import DashboardDatasourcesCheck
from validation.checks.dashboards.thresholds import DashboardThresholdsCheck
from validation.checks.dashboards.variables import DashboardVariablesCheck
from validation.core.project import Project
from validation.core.results import Report
from validation.dashboards.session import DashboardSession
from validation.dashboards.stack_data import production_range
from validation.stack.stack import Stack, StackOptions

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "stack" / "grafana"
NODE_DETAIL = GRAFANA / "dashboards" / "Nodes" / "node-detail.json"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with Stack(Project.load(REPO), StackOptions(time_scale=60)) as running:
        yield running


@pytest.fixture(scope="module")
def run(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    report_dir = tmp_path_factory.mktemp("report")
    ctx = CheckContext(Project.load(REPO), report_dir, stack=stack, report_dir=report_dir)
    report = Report()
    run_checks(checks_for(["dashboards"]), ctx, report)
    return report, report_dir


def test_every_reference_panel_returns_data(run: tuple[Report, Path]) -> None:
    report, _ = run
    assert [(c.id, c.message) for c in report.checks if c.failed] == []
    panels = report.coverage["panels"]
    assert panels["total"] >= 60 and panels["with_data"] == panels["total"] and panels["without_data"] == []
    gpu = [
        c
        for c in report.checks
        if c.id.startswith("dashboards/stackcheck-gpu-overview/") and c.id[-1].isdigit()
    ]
    assert len(gpu) == 10 and {c.status for c in gpu} == {"passed"}


def test_grafana_checks_are_skipped_with_the_reason_here(run: tuple[Report, Path]) -> None:
    report, _ = run
    grafana = [c for c in report.checks if c.id.startswith("dashboards/grafana/")]
    assert grafana and all(c.status == "skipped" and "no Grafana" in c.message for c in grafana)


def test_a_preview_is_drawn_for_every_dashboard(run: tuple[Report, Path]) -> None:
    _, report_dir = run
    names = sorted(p.name for p in (report_dir / "dashboards").glob("*.png"))
    assert names == sorted(
        f"{json.loads(p.read_text())['uid']}.png" for p in (GRAFANA / "dashboards").rglob("*.json")
    )


def _panel(data: dict[str, Any], panel_id: int) -> dict[str, Any]:
    for panel in data["panels"]:
        for candidate in [panel, *(panel.get("panels") or [])]:
            if candidate.get("id") == panel_id:
                return candidate
    raise KeyError(panel_id)


def _rename_metric(data: dict[str, Any]) -> None:
    target = _panel(data, 6)["targets"][0]
    target["expr"] = target["expr"].replace("node_memory_MemAvailable_bytes", "node_memory_MemAvail_bytes")


def _unknown_datasource(data: dict[str, Any]) -> None:
    _panel(data, 9)["targets"][0]["datasource"] = {"type": "prometheus", "uid": "prom-old"}


def _relabel_variable(data: dict[str, Any]) -> None:
    node = next(v for v in data["templating"]["list"] if v["name"] == "node")
    node["query"]["query"] = node["query"]["query"].replace(", node)", ", hostname)")
    node["definition"] = node["query"]["query"]


def _move_threshold(data: dict[str, Any]) -> None:
    _panel(data, 2)["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] = 0.8


BROKEN = [
    (_rename_metric, "dashboards/stackcheck-node-detail/6", ["panel 'Memory used'", "target A", "MemAvail_bytes"]),
    (_unknown_datasource, "dashboards/stackcheck-node-detail/datasources", ["'Network received'", "prom-old"]),
    (_relabel_variable, "dashboards/stackcheck-node-detail/variables/node", ["$node", "hostname"]),
    (_move_threshold, "dashboards/stackcheck-node-detail/2/threshold/NodeHighCPU",
     ["'CPU utilisation'", "NodeHighCPU", "exp: threshold 0.9, got: 0.8"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "check_id", "parts"), BROKEN, ids=[b[0].__name__.strip("_") for b in BROKEN]
)
def test_a_broken_copy_fails_naming_dashboard_panel_and_target(
    stack: Stack, run: tuple[Report, Path], tmp_path: Path, change: Any, check_id: str, parts: list[str]
) -> None:
    data = json.loads(NODE_DETAIL.read_text())
    change(data)
    path = tmp_path / "node-detail.json"
    path.write_text(json.dumps(data))
    session = DashboardSession.load([path], GRAFANA / "provisioning" / "datasources")
    session.execute(stack.prometheus(), scale=stack.options.time_scale, range_seconds=production_range(stack))
    report = Report()
    for check in (DashboardDataCheck(), DashboardDatasourcesCheck(), DashboardVariablesCheck()):
        check.evaluate(session, report)
    DashboardThresholdsCheck().evaluate(session, Project.load(REPO).rule_files(), report)
    failed = {c.id: c.message for c in report.checks if c.failed}
    assert check_id in failed, failed
    assert all(part in failed[check_id] for part in parts), failed[check_id]
    assert "stackcheck-node-detail" in failed[check_id]
