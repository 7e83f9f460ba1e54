"""How scenario expectations are judged from observed alerts and notifications."""

import dataclasses

import pytest

from validation.pipeline.expectations import ScenarioState, distinct, judge_alert, judge_notification
from validation.pipeline.observer import AlertTrace
from validation.pipeline.scope import Scope
from validation.pipeline.timing import Timing
from validation.scenarios.loader import parse_scenarios
from validation.sinks import Notification

pytestmark = pytest.mark.unit

TIMING = Timing(
    scale=60, scrape_interval=15, evaluation_interval=15, group_wait=30, group_interval=300, slack=3
)
SCENARIO = """
name: mem
why: memory low pages on-call
input_series:
  - series: node_memory_MemAvailable_bytes{instance="gpu-node-7:9100", node="gpu-node-7", job="node"}
    values: 1x40
exp_alerts:
  - alertname: NodeMemoryExhausted
    exp_labels: {severity: critical}
    exp_annotations_contain: {summary: gpu-node-7}
    fires_within: 10m
  - alertname: NodeDown
    absent: true
exp_notifications:
  - receiver: oncall-critical
    contains: [NodeMemoryExhausted]
    count: 1
  - receiver: infra-slack
    absent: true
"""


def _state(start=100.0):
    scenario = parse_scenarios(SCENARIO, source="mem.yaml")[0].isolate(3)
    return ScenarioState(scenario, start, TIMING, {"NodeMemoryExhausted": 300.0})


def _trace(name, node="gpu-node-7-s3", pending=None, firing=None, **labels):
    all_labels = {
        "alertname": name,
        "node": node,
        "instance": f"{node}:9100",
        "severity": "critical",
        **labels,
    }
    return AlertTrace(name, all_labels, {"summary": f"Memory on {node} is low"}, pending, firing)


def _note(receiver, text, at, kind="slack", status="firing"):
    return Notification(
        kind=kind,
        receiver=receiver,
        received_at=at,
        status=status,
        subject=text,
        text=text,
        raw=text.encode(),
    )


def test_scope_is_the_isolated_instance_and_node_values():
    assert _state().scope.values == frozenset({"gpu-node-7-s3:9100", "gpu-node-7-s3"})


def test_scope_matches_whole_values_only():
    scope = Scope(frozenset({"gpu-node-1-s1"}))
    assert scope.owns_text("NodeDown on gpu-node-1-s1 (critical)")
    assert not scope.owns_text("NodeDown on gpu-node-1-s10")


@pytest.mark.parametrize(
    ("traces", "now", "final", "expected"),
    [
        ([], 105.0, False, {"fires": None}),
        (
            [_trace("NodeMemoryExhausted", pending=101.0, firing=106.0)],
            107.0,
            False,
            {"fires": "passed", "pending": "passed", "annotations": "passed"},
        ),
        (
            [_trace("NodeMemoryExhausted", firing=106.0)],
            107.0,
            False,
            {"fires": "passed", "pending": "failed", "annotations": "passed"},
        ),
        ([], 200.0, False, {"fires": "failed"}),
        (
            [_trace("NodeMemoryExhausted", node="gpu-node-7-s30", firing=106.0)],
            200.0,
            False,
            {"fires": "failed"},
        ),
        ([_trace("NodeMemoryExhausted", firing=150.0)], 200.0, False, {"fires": "failed"}),
    ],
    ids=[
        "open before the deadline",
        "pending then firing",
        "firing without pending although the rule has for",
        "never fired",
        "another scenario's alert does not count",
        "fired after fires_within",
    ],
)
def test_judge_alert(traces, now, final, expected):
    verdicts = judge_alert(_state(), _state().scenario.exp_alerts[0], traces, now, final)
    assert {k: (v[0] if v else None) for k, v in verdicts.items()} == expected


def test_an_absent_alert_fails_as_soon_as_it_fires_and_passes_only_after_the_window():
    state = _state()
    exp = state.scenario.exp_alerts[1]
    assert judge_alert(state, exp, [], 101.0, False) == {"silent": None}
    assert judge_alert(state, exp, [], state.window_end + 0.1, False)["silent"][0] == "passed"
    fired = judge_alert(state, exp, [_trace("NodeDown", firing=102.0)], 103.0, False)["silent"]
    assert fired[0] == "failed" and "NodeDown" in fired[1]


def test_notification_content_must_be_in_every_integration():
    state = _state()
    exp = state.scenario.exp_notifications[0]
    notes = [
        _note("oncall-critical", "NodeMemoryExhausted on gpu-node-7-s3", 110.0, kind="email"),
        _note("oncall-critical", "something on gpu-node-7-s3", 110.0, kind="slack"),
    ]
    verdicts = judge_notification(state, exp, notes, 111.0, True)
    assert verdicts["delivered"][0] == "passed"
    assert verdicts["content"][0] == "failed" and "slack lacks" in verdicts["content"][1]


def test_count_is_per_integration_and_ignores_identical_retries():
    state = _state()
    exp = state.scenario.exp_notifications[0]
    text = "NodeMemoryExhausted on gpu-node-7-s3"
    notes = [
        _note("oncall-critical", text, 110.0, kind="email"),
        _note("oncall-critical", text, 110.0),
        _note("oncall-critical", text, 110.5),
    ]
    assert judge_notification(state, exp, notes, 999.0, True)["count"][0] == "passed"
    regrouped = [*notes, _note("oncall-critical", text + " and gpu-node-7-s3 again", 111.0)]
    verdict = judge_notification(state, exp, regrouped, 999.0, True)["count"]
    assert verdict[0] == "failed" and "2 by slack" in verdict[1]


def test_count_ignores_repeats_after_the_scenario_window():
    state = _state()
    exp = state.scenario.exp_notifications[0]
    text = "NodeMemoryExhausted on gpu-node-7-s3"
    notes = [_note("oncall-critical", text, 110.0), _note("oncall-critical", text, state.window_end + 60)]
    assert judge_notification(state, exp, notes, 999.0, True)["count"][0] == "passed"


def test_an_absent_notification_fails_naming_what_arrived():
    state = _state()
    exp = state.scenario.exp_notifications[1]
    verdict = judge_notification(
        state, exp, [_note("infra-slack", "X on gpu-node-7-s3", 110.0)], 111.0, False
    )["not-delivered"]
    assert verdict[0] == "failed" and "infra-slack" in verdict[1]


def test_distinct_keeps_a_repeat_after_the_window():
    a = _note("r", "same", 1.0)
    b = _note("r", "same", 2.0)
    c = _note("r", "same", 20.0)
    assert distinct([a, b, c], window=5.0) == [a, c]


def test_timing_floor_is_for_plus_group_wait_plus_one_evaluation_compressed():
    assert TIMING.floor(300, 30) == pytest.approx((300 + 30 + 15) / 60)
    assert TIMING.floor(0, 10) == pytest.approx((10 + 15) / 60)
    assert TIMING.real(60) == 1.0


def test_content_waits_for_the_window_end_before_failing_and_passes_once_there():
    # two groups (say one per node) flushed in either order: the first alone must not fail it
    state = _state()
    exp = state.scenario.exp_notifications[0]
    first = [_note("oncall-critical", "something on gpu-node-7-s3", 110.0)]
    assert judge_notification(state, exp, first, 111.0, False)["content"] is None
    both = [*first, _note("oncall-critical", "NodeMemoryExhausted on gpu-node-7-s3", 112.0)]
    assert judge_notification(state, exp, both, 113.0, False)["content"] == ("passed", "")
    late = judge_notification(state, exp, first, state.window_end + 0.1, False)["content"]
    assert late[0] == "failed"


def _pinned(extra: str):
    text = SCENARIO.replace("    count: 1\n", "    count: 1\n" + extra)
    scenario = parse_scenarios(text, source="mem.yaml")[0].isolate(3)
    return ScenarioState(scenario, 100.0, TIMING, {"NodeMemoryExhausted": 300.0})


def _addressed(kind, **meta):
    text = "NodeMemoryExhausted on gpu-node-7-s3"
    return Notification(
        kind=kind,
        receiver="oncall-critical",
        received_at=110.0,
        status="firing",
        subject=text,
        text=text,
        raw=b"",
        meta=meta,
    )


def test_pinned_recipients_pass_when_every_email_and_message_is_addressed_so():
    state = _pinned('    to: Oncall@cluster.example\n    channel: "#oncall-critical"\n')
    exp = state.scenario.exp_notifications[0]
    notes = [
        _addressed("email", to=["oncall@cluster.example"], rcpt_tos=["oncall@cluster.example"]),
        _addressed("slack", channel="#oncall-critical"),
    ]
    assert judge_notification(state, exp, notes, 111.0, True)["recipients"] == ("passed", "")


def test_a_wrong_mailbox_or_channel_fails_the_pinned_recipients():
    state = _pinned('    to: [oncall@cluster.example]\n    channel: "#oncall-critical"\n')
    exp = state.scenario.exp_notifications[0]
    notes = [
        _addressed("email", to=["ml-oncall@cluster.example"], rcpt_tos=["ml-oncall@cluster.example"]),
        _addressed("slack", channel="#alerts"),
    ]
    status, message = judge_notification(state, exp, notes, 111.0, True)["recipients"]
    assert status == "failed"
    assert "['ml-oncall@cluster.example'], not ['oncall@cluster.example']" in message
    assert "['#alerts'], not #oncall-critical" in message


def test_a_notification_without_the_scenarios_node_is_reported_as_lacking_it_not_as_missing():
    state = _state()
    exp = state.scenario.exp_notifications[0]
    notes = [_note("oncall-critical", "NodeMemoryExhausted on a node", 110.0)]
    status, message = judge_notification(state, exp, notes, 999.0, True)["delivered"]
    assert status == "failed"
    assert "arrived at 'oncall-critical' (slack) but lacked ['gpu-node-7-s3']" in message


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ("    to: oncall\n", "is not an email address"),
        ("    channel: oncall\n", "is not a Slack channel"),
        ("    chanel: '#x'\n", "did you mean 'channel'?"),
    ],
)
def test_pinned_recipients_are_parsed_strictly(extra, error):
    from validation.core.errors import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        _pinned(extra)
    assert error in caught.value.what + caught.value.hint and "mem.yaml:" in caught.value.place


def _webhook(labels):
    return Notification(
        kind="webhook",
        receiver="oncall-critical",
        received_at=110.0,
        status="firing",
        subject="k",
        text="NodeMemoryExhausted",
        raw=b"",
        structured=True,
        alerts=({"alertname": "NodeMemoryExhausted", "node": "gpu-node-7-s3", **labels},),
    )


def test_pinned_labels_are_asserted_on_every_alert_of_the_webhook_notifications():
    state = _pinned("    labels: {cluster: ai-compute}\n")
    exp = state.scenario.exp_notifications[0]
    judge = lambda notes: judge_notification(state, exp, notes, 111.0, True)["labels"]  # noqa: E731
    assert judge([_webhook({"cluster": "ai-compute"})]) == ("passed", "")
    status, message = judge([_webhook({})])
    assert status == "failed" and "cluster=None" in message and "external_labels" in message
    status, message = judge([_addressed("slack", channel="#x")])
    assert status == "failed" and "only webhooks carry them" in message


def test_an_observer_behind_the_deadline_leaves_fires_open_until_it_catches_up():
    # deadline: 100 + 600/60 + 3 = 113; the last poll asked at 112 → not seen missing yet
    state, exp = _state(), _state().scenario.exp_alerts[0]
    assert judge_alert(state, exp, [], 120.0, False, seen_until=112.0) == {"fires": None}
    assert judge_alert(state, exp, [], 120.0, False, seen_until=113.5)["fires"][0] == "failed"
    # at the end of the pipeline the verdict is formed whatever the observer saw
    assert judge_alert(state, exp, [], 120.0, True, seen_until=112.0)["fires"][0] == "failed"


def test_an_observer_behind_the_window_does_not_pass_a_silence_yet():
    state, exp = _state(), _state().scenario.exp_alerts[1]
    assert judge_alert(state, exp, [], 1e6, False, seen_until=state.window_end - 1) == {"silent": None}
    assert judge_alert(state, exp, [], 1e6, False, seen_until=state.window_end)["silent"][0] == "passed"


def test_a_pending_alert_whose_for_restarted_says_when():
    trace = _trace("NodeMemoryExhausted", pending=101.0)
    trace.active_at = 105.0  # Prometheus' activeAt moved: the condition broke at some evaluation
    verdict = judge_alert(_state(), _state().scenario.exp_alerts[0], [trace], 200.0, False)["fires"]
    assert verdict[0] == "failed"
    assert "pending at 60s (its `for` restarted at 300s)" in verdict[1]


def test_a_pinned_integration_not_yet_delivered_waits_for_the_deadline_a_wrong_address_does_not():
    # one notification reaches the receiver's Slack first and its email a moment later
    state = _state()
    exp = dataclasses.replace(state.scenario.exp_notifications[0], to=("oncall@cluster.example",))
    slack = [_note("oncall-critical", "NodeMemoryExhausted on gpu-node-7-s3", 110.0)]
    deadline = state.notification_deadline(exp)
    assert judge_notification(state, exp, slack, deadline - 0.1, False)["recipients"] is None
    late = judge_notification(state, exp, slack, deadline + 0.1, False)["recipients"]
    assert late[0] == "failed" and "no email arrived" in late[1]
    wrong = _note("oncall-critical", "NodeMemoryExhausted on gpu-node-7-s3", 110.0, kind="email")
    wrong.meta["to"] = ["ops@cluster.example"]
    early = judge_notification(state, exp, [*slack, wrong], deadline - 5, False)["recipients"]
    assert early[0] == "failed" and "an email went to ['ops@cluster.example']" in early[1]


def test_a_snake_case_alert_name_in_a_plain_text_notification_is_the_scenario_s():
    scope = Scope(frozenset({"gpu-node-1-s1"}), frozenset({"high_load", "disk-full"}))
    note = _note("slack-default", "[FIRING:1] high_load on gpu-node-1-s1", 1.0)
    assert "high_load" in scope.alertnames(note)
    assert "disk-full" not in scope.alertnames(_note("r", "disk-fullness on gpu-node-1-s1", 1.0))


def test_only_the_scenarios_own_alerts_can_be_overdue():
    from validation.pipeline.observer import AlertObserver
    from validation.pipeline.run import _observer_trouble

    observer = AlertObserver(None, 0.25, clock=lambda: 0.0)  # type: ignore[arg-type]
    observer.polls = [100.0 + 0.25 * i for i in range(1, 200)]
    mine = _trace("NodeMemoryExhausted", pending=101.0)
    mine.active_at, mine.last_seen = 101.0, 140.0  # `for` 300 s at 60× = 5 s: due at 106
    real = _trace("NodeMemoryExhausted", node="gpu-node-2", pending=90.0)  # a real exporter's
    real.active_at, real.last_seen = 90.0, 140.0
    observer.traces = {("a",): mine, ("b",): real}
    found = _observer_trouble(observer, [_state()], 100.0, 50.0, TIMING, {"NodeMemoryExhausted": 300.0})
    overdue = [t for t in found if t.what == "rule-evaluations"]
    assert [(t.start, t.end) for t in overdue] == [(6.0, 40.0)]
    assert "NodeMemoryExhausted still pending 34.00s" in overdue[0].detail


def test_a_notification_naming_neither_alert_nor_host_is_said_to_be_anonymous():
    state = _state()
    exp = state.scenario.exp_notifications[0]  # oncall-critical, NodeMemoryExhausted
    grouped = [_note("oncall-critical", "[FIRING:3]  for  ", 105.0)]  # .CommonLabels of mixed alerts
    status, message = judge_notification(state, exp, grouped, 1e6, True)["delivered"]
    assert status == "failed" and "got: none; 1 notification(s) there in its time named neither" in message
    assert "add group_by" in message
    # nothing at all there: the routing
    status, message = judge_notification(state, exp, [], 1e6, True)["delivered"]
    assert "got: none. Hint: check the route matchers" in message
