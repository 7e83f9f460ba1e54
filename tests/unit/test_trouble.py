"""Harness trouble from the harness's own statistics, and which failed verdicts it explains."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.pipeline.trouble import (
    FailedVerdict,
    Trouble,
    covered,
    decide,
    evaluation_trouble,
    gentler,
    merge,
    observer_trouble,
    overdue_trouble,
    scrape_trouble,
    sink_trouble,
    slow_scrape_trouble,
    verdict_kind,
)

pytestmark = pytest.mark.unit


def _scrapes(n, interval=0.25, start=0.0):
    return [(start + i * interval, 1.0) for i in range(n)]


def test_scrapes_on_time_are_no_trouble():
    assert scrape_trouble(_scrapes(100), 0.25) == []


def test_a_failed_scrape_is_trouble_in_the_interval_before_it():
    samples = _scrapes(10)
    samples[4] = (1.0, 0.0)
    [trouble] = scrape_trouble(samples, 0.25)
    assert trouble.what == "synthetic-scrapes"
    assert (trouble.start, trouble.end) == (0.75, 1.0)
    assert "failed" in trouble.detail


def test_a_gap_of_more_than_two_intervals_is_a_late_scrape():
    samples = _scrapes(4) + _scrapes(4, start=2.0)
    [trouble] = scrape_trouble(samples, 0.25)
    assert (trouble.start, trouble.end) == (0.75, 2.0)
    assert "no scrape for 1.25s" in trouble.detail


def test_jitter_below_two_intervals_is_not_late():
    samples = [(0.0, 1.0), (0.3, 1.0), (0.74, 1.0), (0.9, 1.0)]
    assert scrape_trouble(samples, 0.25) == []


@given(st.lists(st.floats(min_value=0.01, max_value=0.49), min_size=1, max_size=50))
def test_scrapes_never_further_apart_than_two_intervals_and_all_up_are_never_trouble(gaps):
    at, samples = 0.0, []
    for gap in gaps:
        at += gap
        samples.append((at, 1.0))
    assert scrape_trouble(samples, 0.25) == []


def test_missed_rule_evaluations_are_trouble_between_the_samples_that_show_them():
    samples = [(0.0, 0, 0.1), (1.0, 0, 0.1), (2.0, 2, 0.1), (3.0, 2, 0.1)]
    [trouble] = evaluation_trouble(samples)
    assert (trouble.what, trouble.start, trouble.end) == ("rule-evaluations", 1.0, 2.0)
    assert "2 rule group evaluation(s) missed" in trouble.detail


def test_an_evaluation_longer_than_its_interval_is_trouble():
    [trouble] = evaluation_trouble([(0.0, 0, 0.1), (1.0, 0, 1.5)])
    assert "1.5× its interval" in trouble.detail


def test_evaluations_on_time_are_no_trouble():
    assert evaluation_trouble([(float(i), 3, 0.4) for i in range(10)]) == []


def test_slow_notifications_are_sink_trouble_fast_ones_are_not():
    samples = [(0.0, 0.0, 0, 0), (1.0, 0.05, 5, 0), (2.0, 3.05, 7, 0), (3.0, 3.05, 7, 0)]
    [trouble] = sink_trouble(samples, slow=1.0)
    assert (trouble.what, trouble.start, trouble.end) == ("sinks", 1.0, 2.0)
    assert "2 notification(s) took 1.50s" in trouble.detail


def test_merge_joins_close_windows_of_one_kind_only():
    merged = merge(
        [
            Trouble("synthetic-scrapes", 1.0, 1.25, "a"),
            Trouble("synthetic-scrapes", 1.5, 2.0, "b"),
            Trouble("synthetic-scrapes", 9.0, 9.25, "c"),
            Trouble("sinks", 1.0, 2.0, "d"),
        ],
        gap=1.0,
    )
    assert [(t.what, t.start, t.end, t.summary) for t in merged] == [
        ("sinks", 1.0, 2.0, "d"),
        ("synthetic-scrapes", 1.0, 2.0, "2 findings between 1.00s and 2.00s (first: a)"),
        ("synthetic-scrapes", 9.0, 9.25, "c"),
    ]
    assert merged[1].to_json() == {
        "what": "synthetic-scrapes",
        "window_s": [1.0, 2.0],
        "detail": "2 findings between 1.00s and 2.00s (first: a)",
    }


def test_a_failure_outside_every_trouble_window_is_genuine():
    decision = decide(
        [FailedVerdict("alerts/a/X/fires", "a", 0.0, 5.0)], [Trouble("synthetic-scrapes", 6.0, 7.0, "late")]
    )
    assert decision.trusted and decision.genuine == ["alerts/a/X/fires"] and not decision.rerun


def test_a_failure_in_a_trouble_window_is_re_run_with_the_trouble_named():
    trouble = Trouble("rule-evaluations", 4.0, 5.0, "missed")
    decision = decide(
        [FailedVerdict("alerts/a/X/fires", "a", 0.0, 4.5), FailedVerdict("alerts/b/Y/fires", "b", 0.0, 3.0)],
        [trouble],
    )
    assert not decision.trusted
    assert decision.rerun == {"a"}
    assert decision.suspect == {"alerts/a/X/fires": [trouble]}
    assert decision.genuine == ["alerts/b/Y/fires"]


def test_no_failures_need_no_rerun_whatever_the_trouble():
    decision = decide([], [Trouble("synthetic-scrapes", 0.0, 100.0, "failed")])
    assert decision.trusted and not decision.genuine


def test_a_rerun_halves_the_scale_but_never_goes_below_real_time():
    assert gentler(60) == 30
    assert gentler(1.5) == 1.0
    assert gentler(1) == 1.0


def test_missing_content_is_never_explained_by_trouble():
    kind = verdict_kind("notifications/a/oncall:X/content", delivered_elsewhere=True, alert_seen=True)
    verdict = FailedVerdict("notifications/a/oncall:X/content", "a", 0, 10, frozenset(kind["explained_by"]))
    decision = decide([verdict], [Trouble("sinks", 0, 10, "slow"), Trouble("synthetic-scrapes", 0, 10, "x")])
    assert decision.trusted and decision.genuine == ["notifications/a/oncall:X/content"]


def test_an_alert_delivered_elsewhere_is_missing_at_its_receiver_only_through_a_slow_sink():
    kind = verdict_kind(
        "notifications/a/oncall/delivered", delivered_elsewhere=True, alert_seen=True, arrived_late=True
    )
    assert kind == {"explained_by": ["sinks"]}
    verdict = FailedVerdict("notifications/a/oncall/delivered", "a", 0, 10, frozenset(kind["explained_by"]))
    assert decide([verdict], [Trouble("rule-evaluations", 2, 3, "missed")]).trusted
    assert decide([verdict], [Trouble("sinks", 2, 3, "slow")]).rerun == {"a"}


def test_an_alert_never_seen_at_all_is_suspect_only_when_trouble_covers_half_its_window():
    kind = verdict_kind("alerts/a/X/fires", delivered_elsewhere=False, alert_seen=False)
    verdict = FailedVerdict("alerts/a/X/fires", "a", 0, 10, None, kind["trouble_coverage"])
    assert decide([verdict], [Trouble("synthetic-scrapes", 2, 2.25, "one failed scrape")]).trusted
    assert decide(
        [verdict], [Trouble("rule-evaluations", 1, 4, "a"), Trouble("synthetic-scrapes", 3, 7, "b")]
    ).rerun == {"a"}


def test_an_alert_delivered_elsewhere_and_never_at_its_receiver_is_the_routing():
    # a route matcher typo: the alert went to the default receiver and never to oncall
    kind = verdict_kind("notifications/a/oncall/delivered", delivered_elsewhere=True, alert_seen=True)
    assert kind == {"explained_by": []}
    verdict = FailedVerdict("notifications/a/oncall/delivered", "a", 0, 10, frozenset(kind["explained_by"]))
    assert decide([verdict], [Trouble("sinks", 2, 3, "slow")]).genuine == ["notifications/a/oncall/delivered"]


def test_timing_verdicts_can_be_explained_by_any_trouble():
    assert verdict_kind("alerts/a/X/fires", delivered_elsewhere=False, alert_seen=True) == {}
    assert verdict_kind("notifications/a/r/count", delivered_elsewhere=True, alert_seen=True) == {}
    assert verdict_kind("notifications/a/r/delivered", delivered_elsewhere=False, alert_seen=True) == {}


@pytest.mark.parametrize(
    ("windows", "share"),
    [([], 0.0), ([(2, 4)], 0.2), ([(2, 4), (3, 6)], 0.4), ([(-5, 20)], 1.0), ([(0, 1), (9, 12)], 0.2)],
)
def test_covered_share_of_a_window(windows, share):
    assert covered([Trouble("x", a, b, "") for a, b in windows], 0, 10) == pytest.approx(share)


def test_a_recipients_verdict_whose_pinned_integration_got_nothing_is_a_late_delivery():
    silent = verdict_kind(
        "notifications/a/oncall:X/recipients", False, True, pinned_integration_silent=True, arrived_late=True
    )
    assert silent == {"explained_by": ["sinks"]}
    verdict = FailedVerdict(
        "notifications/a/oncall:X/recipients", "a", 0, 10, frozenset(silent["explained_by"])
    )
    assert decide([verdict], [Trouble("sinks", 2, 3, "slow")]).rerun == {"a"}
    assert decide([verdict], [Trouble("synthetic-scrapes", 2, 3, "late")]).trusted
    wrong_address = verdict_kind("notifications/a/oncall:X/recipients", False, True)
    assert wrong_address == {"explained_by": []}
    # refused at RCPT by the sinks, the email never arrives, not even late: the address is wrong
    refused = verdict_kind("notifications/a/oncall:X/recipients", False, True, pinned_integration_silent=True)
    assert refused == {"explained_by": []}


def test_a_group_split_in_time_is_a_content_failure_trouble_may_explain() -> None:
    from validation.pipeline.run import _split_only

    eth = ("eth0", "eth1")
    # each integration delivered both interfaces, but not in one notification: late evaluation
    split = {"slack": ["eth0 down", "eth0 eth1 down"], "email": ["eth0 eth1"]}
    assert _split_only(split, eth)
    assert verdict_kind("notifications/s/infra-slack/content", False, True, group_split=True) == {}
    # a template dropping the text in one integration never delivers it there: genuine
    dropped = {"slack": ["eth0 down", "eth0 down"], "email": ["eth0 eth1"]}
    assert not _split_only(dropped, eth)
    assert verdict_kind("notifications/s/infra-slack/content", False, True) == {"explained_by": []}
    assert not _split_only({"slack": ["eth0 eth1"]}, eth)  # nothing lacking


def test_a_scrape_slower_than_its_interval_is_trouble_while_it_took():
    [trouble] = slow_scrape_trouble([(1.0, 0.02), (1.25, 0.4), (1.5, 0.03)], 0.25)
    assert trouble.what == "synthetic-scrapes"
    assert trouble.start == 1.25 and trouble.end == pytest.approx(1.65)
    assert "took 0.40s" in trouble.detail


def test_scrapes_within_nine_tenths_of_their_interval_are_no_trouble():
    assert slow_scrape_trouble([(float(i), 0.22) for i in range(20)], 0.25) == []  # under 0.9 of it


def test_an_alert_pending_past_its_for_means_late_evaluations():
    # activeAt 2.0, `for` 15 s: due at 17.0; still pending at 21.0 with a 1 s margin
    [trouble] = overdue_trouble([("NodeDiskIOSaturated", 2.0, 15.0, 21.0)], margin=1.0)
    assert trouble.what == "rule-evaluations"
    assert (trouble.start, trouble.end) == (17.0, 21.0)
    assert "NodeDiskIOSaturated still pending 4.00s after its `for` ran out" in trouble.detail


def test_an_alert_whose_for_has_not_run_out_is_not_overdue():
    # a `for` longer than the scenario allows keeps the alert pending: the config, not the harness
    assert overdue_trouble([("SlowBurn", 2.0, 30.0, 21.0)], margin=1.0) == []
    # firing within the margin after its `for` ran out is on time
    assert overdue_trouble([("OnTime", 2.0, 15.0, 17.9)], margin=1.0) == []


@given(
    st.floats(min_value=0, max_value=100),
    st.floats(min_value=0.1, max_value=100),
    st.floats(min_value=0, max_value=200),
    st.floats(min_value=0.05, max_value=5),
)
def test_overdue_exactly_when_pending_past_for_and_margin(active, hold, until, margin):
    found = overdue_trouble([("A", active, hold, until)], margin)
    assert bool(found) == (until > active + hold + margin)


def test_polls_further_apart_than_two_intervals_leave_the_observer_behind():
    polls = [0.25 * i for i in range(1, 9)] + [2.75, 5.0, 5.25]  # 0.75 s apart is no trouble
    [trouble] = observer_trouble(polls, 0.25, 0.0, 5.4)
    assert trouble.what == "alert-observer"
    assert (trouble.start, trouble.end) == (2.75, 5.0)


def test_an_observer_that_stopped_polling_before_the_end_is_behind_to_the_end():
    [trouble] = observer_trouble([0.25, 0.5], 0.25, 0.0, 3.0)
    assert (trouble.start, trouble.end) == (0.5, 3.0)


def test_regular_polls_are_no_trouble():
    assert observer_trouble([0.25 * i for i in range(1, 41)], 0.25, 0.0, 10.1) == []


def test_one_notification_over_a_second_is_sink_trouble_though_the_average_is_fast():
    # one email took 1.4 s while 19 webhooks took 10 ms: the average (0.08 s) hides it
    samples = [(0.0, 0.0, 0, 0), (1.0, 1.59, 20, 1), (2.0, 1.59, 20, 1)]
    [trouble] = sink_trouble(samples)
    assert (trouble.start, trouble.end) == (0.0, 1.0)
    assert trouble.detail == "20 notification(s) took 0.08s on average, 1 of them over 1s"
