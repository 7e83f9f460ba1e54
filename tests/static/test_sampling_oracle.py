"""The sampling oracle on the repository: every reference scenario's group is proven (none is
refused, none dropped), and the oracle refuses a sampling that would miss a brief blip."""

from __future__ import annotations

from pathlib import Path

import pytest

from validation.checks.alerts.pipeline import load_checked_scenarios, production_timing
from validation.checks.base import CheckContext
from validation.core.project import Project
from validation.pipeline.grouping import Planner, promtool_oracle, sampling_case
from validation.timescale.sampling import Sampling, check_sampling

pytestmark = pytest.mark.static  # promtool: tests/static/conftest.py

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reference():
    project = Project.load(REPO)
    ctx = CheckContext(project, REPO)
    scenarios, rules, routing = load_checked_scenarios(ctx)
    return project, scenarios, rules, production_timing(ctx, 1, routing)


def test_every_reference_scenario_runs_once_and_the_long_ones_are_proven_coarse(reference, tmp_path):
    project, scenarios, rules, production = reference
    oracle = promtool_oracle(project.rule_files(), production, work_root=tmp_path)
    plan = Planner(scenarios, rules, production, oracle, cap=600).plan()
    placed = [s.name for g in plan.groups for s in g.scenarios]
    assert sorted(placed) == sorted(s.name for s in scenarios)
    by_name = {s.name: g for g in plan.groups for s in g.scenarios}
    for name in (
        "prometheus-tsdb-compactions-failing-warns-observability-slack",
        "prometheus-tsdb-single-compaction-failure",
    ):
        assert (by_name[name].spec.k, by_name[name].spec.sampling_s) == (600, 150)
    # predict_linear's estimate moves by more than 5 % at a 150s sampling: that one runs at 30s
    assert [n.split(":")[0] for n in plan.notes] == ["node-disk-will-fill-warns-infra-slack"]
    assert by_name["node-disk-will-fill-warns-infra-slack"].spec.k == 120
    # the plan keeps the run inside the 60 s goal: the longest group's planned wall time
    assert max(g.span_s / g.spec.k for g in plan.groups) <= 40


def test_a_coarse_sampling_that_misses_a_blip_is_refused(reference, tmp_path):
    project, scenarios, _, production = reference
    blips = [s.isolate(0) for s in scenarios if s.name == "node-down-blip-shorter-than-for"]
    diffs = check_sampling(
        sampling_case(blips, 1200),
        project.rule_files(),
        Sampling(production.scrape_interval, production.evaluation_interval),
        Sampling(150, 150),
        tmp_path,
    )
    assert any("NodeDown" in str(d) and "pending" in str(d) for d in diffs), diffs
    assert diffs and all(d.alert.get("node", "").endswith("-s0") for d in diffs), diffs


def test_the_production_sampling_needs_no_proof(reference, tmp_path):
    project, scenarios, _, production = reference
    same = Sampling(production.scrape_interval, production.evaluation_interval)
    assert check_sampling(sampling_case(scenarios[:1], 600), project.rule_files(), same, same, tmp_path) == []
