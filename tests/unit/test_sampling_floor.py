"""The sampling floor: compressed intervals never go below it, timeouts never above an interval,
and nothing but the intervals changes."""

import pytest

from validation.timescale.prometheus_config import compress_prometheus_config
from validation.timescale.rules import compress_rule_groups
from validation.timescale.sampling import ServedSeries, scraped_values

pytestmark = pytest.mark.unit

CONFIG = {
    "global": {"scrape_interval": "15s", "scrape_timeout": "10s", "evaluation_interval": "15s"},
    "scrape_configs": [
        {"job_name": "slow", "scrape_interval": "5m", "scrape_timeout": "1m"},
        {"job_name": "fast", "scrape_interval": "15s"},
    ],
}


def test_intervals_stop_at_the_floor_and_timeouts_follow():
    out = compress_prometheus_config(CONFIG, 600, min_interval_ms=250)
    assert out["global"] == {
        "scrape_interval": "250ms",
        "scrape_timeout": "17ms",
        "evaluation_interval": "250ms",
    }
    slow, fast = out["scrape_configs"]
    assert (slow["scrape_interval"], slow["scrape_timeout"]) == ("500ms", "100ms")
    assert fast["scrape_interval"] == "250ms"
    assert CONFIG["global"]["scrape_interval"] == "15s"  # the input is untouched


def test_without_a_floor_compression_is_unchanged():
    assert compress_prometheus_config(CONFIG, 60) == compress_prometheus_config(CONFIG, 60, min_interval_ms=0)


def test_rule_group_intervals_stop_at_the_floor_and_for_does_not():
    rules = {
        "groups": [
            {"name": "g", "interval": "30s", "rules": [{"alert": "A", "expr": "up == 0", "for": "4h"}]}
        ]
    }
    out, _ = compress_rule_groups(rules, 600, min_interval_ms=250)
    group = out["groups"][0]
    assert group["interval"] == "250ms"
    assert group["rules"][0]["for"] == "24s"


def test_what_a_scrape_sees_holds_the_last_value_and_marks_a_gap_stale_once():
    gauge = ServedSeries("g", (("i", "a"),), (1.0, None, None, 3.0), 60.0)
    assert scraped_values(gauge, 30, 300) == "1.0x1 stale _x3 3.0x4"
    counter = ServedSeries("c_total", (("i", "a"),), (0.0, 10.0), 60.0)
    # after the data a counter keeps its last slope, as the scrape target serves it
    assert scraped_values(counter, 60, 180) == "0.0 10.0 20.0 30.0"


# --- what the oracle counts as the same verdict ------------------------------------------------

from validation.timescale.oracle import Evaluation  # noqa: E402
from validation.timescale.sampling import AnnotationCheck, compare_sampling  # noqa: E402

_FIRING = '{__name__="ALERTS", alertname="A", alertstate="firing", node="n"}'
_PENDING = '{__name__="ALERTS", alertname="A", alertstate="pending", node="n"}'


def _evaluation(states_by_ms):
    out = Evaluation()
    for ms, state in states_by_ms.items():
        out.samples[(0, ms)] = {state: 1.0} if state else {}
    return out


def _fine(pending_at, firing_at, end=600_000):
    return {
        ms: (_FIRING if ms >= firing_at else _PENDING if ms >= pending_at else None)
        for ms in range(15_000, end + 1, 15_000)
    }


def _coarse(pending_at, firing_at, end=600_000):
    return {
        ms: (_FIRING if ms >= firing_at else _PENDING if ms >= pending_at else None)
        for ms in range(150_000, end + 1, 150_000)
    }


def _compare(fine, coarse, **kw):
    return compare_sampling(
        _evaluation(fine), _evaluation(coarse), sorted(fine), sorted(coarse), 150_000, kw.get("checks", {})
    )


def test_a_change_seen_at_the_next_coarse_evaluation_is_the_same_verdict():
    assert _compare(_fine(135_000, 285_000), _coarse(150_000, 300_000)) == []


def test_a_change_seen_a_whole_coarse_interval_late_or_early_is_not():
    assert _compare(_fine(135_000, 285_000), _coarse(150_000, 450_000))  # late
    assert _compare(_fine(165_000, 300_000), _coarse(150_000, 300_000))  # early


def test_a_state_only_one_sampling_reaches_is_never_the_same_verdict():
    never_fires = {
        ms: (_PENDING if 150_000 <= ms < 165_000 else None) for ms in range(15_000, 600_001, 15_000)
    }
    diffs = _compare(never_fires, _coarse(10**9, 10**9))
    assert diffs and "inactive → pending → inactive" in str(diffs[0])


def test_an_annotation_assertion_must_hold_at_both_samplings_alike():
    fine, coarse = _evaluation(_fine(0, 0)), _evaluation(_coarse(0, 0))
    fine.alerts[("A", 300_000)] = ['Labels:{alertname="A", node="n"} Annotations:{summary="disk 90 % full"}']
    coarse.alerts[("A", 300_000)] = [
        'Labels:{alertname="A", node="n"} Annotations:{summary="disk 91 % full"}'
    ]
    fine_ms, coarse_ms = list(range(15_000, 600_001, 15_000)), list(range(150_000, 600_001, 150_000))
    within = compare_sampling(fine, coarse, fine_ms, coarse_ms, 150_000, {})
    assert within == []  # 90 vs 91 is within the 5 % a sampling may move a number
    asserted = compare_sampling(
        fine, coarse, fine_ms, coarse_ms, 150_000, {"A": [AnnotationCheck("summary", "disk 90 % full")]}
    )
    assert asserted and "holds at production sampling, fails at coarse sampling" in str(asserted[0])
