"""A scenario group's re-run spec at half its K: exact stays exact; a coarse group takes the
production sampling only where its intervals stay above the floor, else keeps its proven one."""

from types import SimpleNamespace

import pytest

from validation.pipeline.grouping import GroupSpec
from validation.pipeline.timing import Timing
from validation.runner.scenario_jobs import ScenarioJobs

pytestmark = pytest.mark.unit


def _jobs(floor_s=0.25):
    jobs = ScenarioJobs.__new__(ScenarioJobs)  # only the timing and the floor matter here
    jobs.production = Timing(
        scale=1, scrape_interval=15, evaluation_interval=15, group_wait=30, group_interval=300
    )
    jobs.plan_ctx = SimpleNamespace(options=SimpleNamespace(interval_floor=floor_s))
    return jobs


def test_an_exact_group_stays_exact_with_twice_its_interval():
    spec = _jobs().gentler_spec(GroupSpec(60, 15, True), 30)
    assert spec == GroupSpec(30, 15, True)
    assert spec.interval_s == pytest.approx(2 * GroupSpec(60, 15, True).interval_s)


def test_a_coarse_group_keeps_its_proven_sampling_where_production_sampling_would_undercut_the_floor():
    coarse = GroupSpec(600, 150, False)  # 0.25 s intervals at K=600
    spec = _jobs().gentler_spec(coarse, 300)  # production sampling at K=300: 15/300 = 50 ms
    assert spec == GroupSpec(300, 150, False)
    assert spec.interval_s == pytest.approx(0.5)


def test_a_coarse_group_takes_production_sampling_once_it_fits_above_the_floor():
    coarse = GroupSpec(120, 30, False)
    assert _jobs().gentler_spec(coarse, 60) == GroupSpec(60, 15, True)  # 15/60 = 0.25 s
