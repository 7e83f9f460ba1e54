"""Scenario grouping: every scenario in exactly one group, the smallest K that fits the budget,
coarse groups only with the oracle's proof, and the limits a coarse sampling must respect."""

import pytest

from validation.pipeline.grouping import GroupSpec, Planner, group_timing, ladder
from validation.pipeline.timing import Timing
from validation.scenarios.loader import parse_scenarios
from validation.timescale.sampling import SamplingDiff

pytestmark = pytest.mark.unit

PRODUCTION = Timing(
    scale=1, scrape_interval=15, evaluation_interval=15, group_wait=30, group_interval=300, slack=3
)
RULES = {"Quick": 120.0, "Slow": 14400.0, "Pending": 300.0}


def _scenario(name, node, interval, samples, alert="Slow", push=False, pending=None):
    series = "push_series" if push else "input_series"
    job = "\n    job: batch" if push else ""
    pending_line = f"\n    pending: {str(pending).lower()}" if pending is not None else ""
    text = f"""
name: {name}
why: a test scenario
interval: {interval}
{series}:
  - series: m{{instance="{node}:9100", node="{node}"}}
    values: 0x{samples}{job}
exp_alerts:
  - alertname: {alert}{pending_line}
"""
    return parse_scenarios(text, source=f"{name}.yaml")[0]


SHORT = _scenario("short", "n1", "15s", 40, alert="Quick")  # 10 production minutes
LONG = _scenario("long", "n2", "15m", 18)  # 4h30m
PUSHED_LONG = _scenario("pushed-long", "n3", "15m", 18, push=True)


def _no_diffs(group, sampling, end):
    return []


def test_the_ladder_starts_at_the_exact_k_and_never_passes_the_cap_or_half_the_lookback():
    specs = ladder(PRODUCTION, cap=600, floor_s=0.25, lookback_s=300)
    assert [(s.k, s.sampling_s, s.exact) for s in specs] == [
        (60, 15, True),
        (120, 30, False),
        (600, 150, False),
    ]
    assert all(s.interval_s == pytest.approx(0.25) for s in specs)
    assert [s.k for s in ladder(PRODUCTION, cap=200, floor_s=0.25, lookback_s=300)] == [60, 120]
    assert [s.k for s in ladder(PRODUCTION, cap=600, floor_s=0.25, lookback_s=100)] == [60, 120]
    # a cap at or below the exact K is one group at the cap, sampled as production
    assert ladder(PRODUCTION, cap=20, floor_s=0.25, lookback_s=300) == [GroupSpec(20, 15, True)]
    assert ladder(PRODUCTION, cap=1, floor_s=0.25, lookback_s=300) == [GroupSpec(1, 15, True)]


def test_each_scenario_takes_the_smallest_k_that_fits_the_budget():
    plan = Planner([SHORT, LONG], RULES, PRODUCTION, _no_diffs, cap=600, budget_s=30).plan()
    placed = {s.name: g.spec.k for g in plan.groups for s in g.scenarios}
    assert placed == {"short": 60, "long": 600}
    assert plan.notes == []


def test_a_scenario_the_oracle_refuses_moves_down_and_is_never_dropped():
    calls = []

    def oracle(group, sampling, end):
        calls.append((sorted(s.name.split("-s")[0] for s in group), sampling.scrape_s))
        owner = next(s for s in group if s.name == "long")
        labels = dict(owner.input_series[0].labels) | {"alertname": "Slow"}
        return [SamplingDiff(labels, "Slow: production goes inactive → firing, coarse sampling inactive")]

    plan = Planner([SHORT, LONG], RULES, PRODUCTION, oracle, cap=600, budget_s=30).plan()
    placed = {s.name: g.spec.k for g in plan.groups for s in g.scenarios}
    # refused at 150s, then at 30s: it runs at the production sampling, whole
    assert placed == {"short": 60, "long": 60}
    assert calls == [(["long"], 150), (["long"], 30)]
    assert [n.split(" (")[0] for n in plan.notes] == [
        "long: sampling every 150s changes a verdict",
        "long: sampling every 30s changes a verdict",
    ]


def test_a_diff_without_labels_refuses_the_whole_group():
    plan = Planner(
        [LONG], RULES, PRODUCTION, lambda g, s, e: [SamplingDiff({}, "does not load")], cap=600, budget_s=30
    ).plan()
    assert [g.spec.exact for g in plan.groups] == [True]


def test_pushed_series_are_never_sampled_coarsely():
    plan = Planner([PUSHED_LONG], RULES, PRODUCTION, _no_diffs, cap=600, budget_s=30).plan()
    assert [(g.spec.k, g.spec.exact) for g in plan.groups] == [(60, True)]


def test_an_expected_pending_phase_keeps_two_evaluations():
    # `for: 5m` at a 150s sampling is two evaluations: allowed; at 2m it would be under two
    allowed = _scenario("p", "n4", "15m", 18, alert="Pending", pending=True)
    too_short = _scenario("q", "n5", "15m", 18, alert="Quick", pending=True)
    plan = Planner([allowed, too_short], RULES, PRODUCTION, _no_diffs, cap=600, budget_s=30).plan()
    placed = {s.name: g.spec.k for g in plan.groups for s in g.scenarios}
    assert placed["p"] == 600
    assert placed["q"] < 600


def test_the_initial_choice_needs_no_oracle_and_the_groups_never_share_a_scenario():
    def oracle(group, sampling, end):
        raise AssertionError("the initial plan must not run the oracle")

    planner = Planner([SHORT, LONG, PUSHED_LONG], RULES, PRODUCTION, oracle, cap=600, budget_s=30)
    groups = planner.groups(planner.initial)
    names = [s.name for g in groups for s in g.scenarios]
    assert sorted(names) == ["long", "pushed-long", "short"]


def test_a_coarse_group_watches_with_its_own_sampling():
    spec = GroupSpec(600, 150, False)
    timing = group_timing(PRODUCTION, spec)
    assert (timing.scale, timing.scrape_interval, timing.evaluation_interval) == (600, 150, 150)
    assert timing.settle > PRODUCTION.settle  # absence is watched longer, never shorter


def test_the_oracle_proves_an_unchanged_case_once_and_any_change_again(tmp_path, monkeypatch):
    from validation.pipeline import grouping
    from validation.timescale.sampling import Sampling

    calls = []

    def fake_check(case, rule_files, fine, coarse, workdir, promtool):
        calls.append(coarse)
        return [SamplingDiff({"node": "n2"}, "a difference")]

    monkeypatch.setattr(grouping, "check_sampling", fake_check)
    rules = tmp_path / "a.rules.yml"
    rules.write_text("groups: []\n")
    oracle = grouping.promtool_oracle([rules], PRODUCTION, promtool="/bin/true", cache_dir=tmp_path / "cache")
    first = oracle([LONG], Sampling(150, 150), 16000)
    again = oracle([LONG], Sampling(150, 150), 16000)
    assert len(calls) == 1 and [str(d) for d in again] == [str(d) for d in first] == ["a difference"]
    assert again[0].alert == {"node": "n2"}
    oracle([LONG], Sampling(30, 30), 16000)  # another sampling
    rules.write_text("groups: [{name: g, rules: []}]\n")  # another rule text
    oracle([LONG], Sampling(150, 150), 16000)
    assert len(calls) == 3
