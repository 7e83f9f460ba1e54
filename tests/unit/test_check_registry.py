"""Checks are registered one way: every check class in one group table, run in its order, once."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import time
from pathlib import Path

import pytest

import validation.checks
from validation.checks import (
    ALL_GROUPS,
    DASHBOARD_FILES,
    GROUPS,
    SECURITY_STATIC,
    Check,
    CheckContext,
    checks_for,
    run_checks,
)
from validation.checks.alerts.pipeline import AlertPipelineCheck
from validation.checks.dashboards.fixture import DashboardFixtureCheck
from validation.checks.dashboards.previews import DashboardPreviewsCheck
from validation.core.project import Project
from validation.core.results import Report

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def _concrete_checks() -> set[type[Check]]:
    found: set[type[Check]] = set()
    for module in pkgutil.walk_packages(validation.checks.__path__, "validation.checks."):
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(cls, Check) and not inspect.isabstract(cls) and cls.__module__ == module.name:
                found.add(cls)
    return found


def test_every_check_class_is_registered_in_some_group() -> None:
    registered = {c for checks in GROUPS.values() for c in checks}
    assert _concrete_checks() - registered == set()


def test_the_groups_are_what_only_selects_in_run_order() -> None:
    assert ALL_GROUPS == (
        "static", "health", "security", "scrape", "alerts", "notifications", "dashboards", "faults",
    )  # fmt: skip
    assert GROUPS["faults"] == ()  # a job with a stack of its own: validation.checks.faults


def test_the_security_groups_static_checks_need_no_stack_and_run_first_in_it() -> None:
    security = checks_for(["security"])
    assert security[: len(SECURITY_STATIC)] == list(SECURITY_STATIC)
    assert not set(SECURITY_STATIC) & set(GROUPS["static"])  # in a run they see the running stack


def test_a_check_serving_two_groups_runs_once() -> None:
    assert checks_for(["notifications", "alerts"]) == [AlertPipelineCheck]


def test_dashboard_file_checks_run_in_dashboards_only_when_static_did_not() -> None:
    alone = checks_for(["dashboards"])
    assert alone[: len(DASHBOARD_FILES)] == list(DASHBOARD_FILES)
    after_static = checks_for(["dashboards"], already_run=GROUPS["static"])
    assert after_static[0] is DashboardFixtureCheck and after_static[-1] is DashboardPreviewsCheck
    assert not set(DASHBOARD_FILES) & set(after_static)


def test_dashboards_run_after_the_alert_pipeline() -> None:
    order = checks_for(["dashboards", "alerts", "health"])
    assert order.index(AlertPipelineCheck) < order.index(DashboardFixtureCheck)


class _Defers(Check):
    id = "test/defers"
    kind = "static"
    log: list[str] = []

    def run(self, ctx: CheckContext, report: Report) -> None:
        ctx.defer(lambda: self.log.append("first deferred"))
        ctx.defer(lambda: self.log.append("second deferred"))


class _Fails(Check):
    id = "test/fails"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        raise RuntimeError("the harness broke")


def test_deferred_actions_run_last_first_even_when_a_check_raises(tmp_path: Path) -> None:
    _Defers.log.clear()
    ctx = CheckContext(Project.load(REPO), tmp_path)
    with pytest.raises(RuntimeError, match="the harness broke"):
        run_checks([_Defers, _Fails], ctx, Report())
    assert _Defers.log == ["second deferred", "first deferred"]
    ctx.close()  # nothing left to run twice
    assert len(_Defers.log) == 2


def test_the_context_says_which_groups_were_selected(tmp_path: Path) -> None:
    everything = CheckContext(Project.load(REPO), tmp_path)
    some = CheckContext(Project.load(REPO), tmp_path, groups=("alerts",))
    assert everything.selected("notifications") and some.selected("alerts")
    assert not some.selected("notifications")


def test_a_timed_result_carries_the_seconds_since_it_started() -> None:
    report = Report()
    timing = report.timed("static/x", "static")
    time.sleep(0.01)  # something to measure
    result = timing.failed("exp: a, got: b")
    assert (result.id, result.kind, result.status, result.message) == (
        "static/x",
        "static",
        "failed",
        "exp: a, got: b",
    )
    assert result.seconds >= 0.01
    assert report.checks == [result]


class _Pipeline(AlertPipelineCheck):
    """The real selection of kinds, over a pipeline that reports one result of each kind."""

    def run_pipeline(self, ctx: CheckContext, report: Report) -> None:
        report.passed("alerts/s/A/fires", "alert")
        report.passed("notifications/s/r/delivered", "notification")
        report.failed("harness/synthetic-scrapes", "reliability", "late scrapes")
        report.coverage["receivers"] = {"total": 1, "covered": 1, "uncovered": []}
        report.measurements["alert_latency"] = {"A": {}}


@pytest.mark.parametrize(
    ("groups", "kinds"),
    [
        (None, ["alert", "notification", "reliability"]),
        (("alerts",), ["alert", "reliability"]),
        (("notifications", "health"), ["notification", "reliability"]),
    ],
)
def test_the_alert_pipeline_keeps_the_kinds_of_the_selected_groups(
    tmp_path: Path, groups: tuple[str, ...] | None, kinds: list[str]
) -> None:
    report = Report()
    _Pipeline().run(CheckContext(Project.load(REPO), tmp_path, groups=groups), report)
    assert [c.kind for c in report.checks] == kinds
    assert report.coverage["receivers"]["covered"] == 1 and "alert_latency" in report.measurements
