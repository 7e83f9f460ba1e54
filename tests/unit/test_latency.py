"""Alert latency per alert and receiver: Prometheus' activeAt → first delivery, against for +
the delivering route's group_wait + one evaluation interval (compressed)."""

import pytest

from validation.pipeline.expectations import ScenarioState
from validation.pipeline.latency import alert_latencies, mark_trouble, summarize
from validation.pipeline.observer import AlertObserver, AlertTrace
from validation.pipeline.timing import Timing
from validation.pipeline.trouble import Trouble
from validation.routing.config import parse_alertmanager_config
from validation.scenarios.loader import parse_scenarios
from validation.sinks import Notification

pytestmark = pytest.mark.unit

TIMING = Timing(scale=60, scrape_interval=15, evaluation_interval=15, group_wait=30, group_interval=300)
ROUTING = parse_alertmanager_config(
    """
route:
  receiver: slack
  group_by: [alertname, node]
  group_wait: 30s
  routes:
    - receiver: archive
      continue: true
    - receiver: pager
      matchers: [severity="critical"]
      group_wait: 10s
    - receiver: slack
receivers:
  - name: slack
    slack_configs: [{api_url: "http://slack/x", channel: "#a"}]
  - name: archive
    webhook_configs: [{url: "http://archive/"}]
  - name: pager
    webhook_configs: [{url: "http://pager/"}]
"""
)
SCENARIO = """
name: gpu
why: two GPUs of one node overheat
input_series:
  - series: DCGM_FI_DEV_GPU_TEMP{gpu="0", instance="gpu-node-3:9400", node="gpu-node-3", job="dcgm"}
    values: 95x40
exp_alerts:
  - alertname: GPUHot
exp_notifications:
  - receiver: pager
  - receiver: slack
    absent: true
"""


def _state(scenario=SCENARIO, start=0.0):
    return ScenarioState(parse_scenarios(scenario, source="gpu.yaml")[0], start, TIMING, {"GPUHot": 300.0})


def _trace(gpu="0", active_at=1.0, firing=6.5):
    labels = {
        "alertname": "GPUHot",
        "node": "gpu-node-3",
        "instance": "gpu-node-3:9400",
        "gpu": gpu,
        "severity": "critical",
    }
    return AlertTrace(
        "GPUHot", labels, first_pending=active_at + 0.2, first_firing=firing, active_at=active_at
    )


def _note(receiver, at, *gpus, status="firing"):
    alerts = tuple(
        {
            "alertname": "GPUHot",
            "node": "gpu-node-3",
            "instance": "gpu-node-3:9400",
            "gpu": g,
            "severity": "critical",
            "cluster": "c1",
        }
        for g in gpus
    )
    return Notification(
        kind="webhook",
        receiver=receiver,
        received_at=at,
        status=status,
        subject="s",
        text="GPUHot gpu-node-3",
        raw=b"",
        alerts=alerts,
        structured=True,
    )


def test_each_receiver_is_timed_against_its_own_routes_group_wait():
    inbox = [
        _note("archive", 6.6, "0"),
        _note("pager", 6.3, "0"),
        _note("pager", 1.05, "0", status="resolved"),
    ]
    found = {
        lat.receiver: lat
        for lat in alert_latencies([_state()], [_trace()], inbox, ROUTING, {"cluster": "c1"})
    }
    assert set(found) == {"archive", "pager"}  # slack: the scenario expects nothing there
    assert found["archive"].floor == pytest.approx((300 + 30 + 15) / 60)
    assert found["pager"].floor == pytest.approx((300 + 10 + 15) / 60)
    assert found["pager"].seconds == pytest.approx(5.3)  # from activeAt, not from the first poll
    assert found["pager"].ratio == pytest.approx(5.3 / found["pager"].floor)
    assert found["archive"].key == "gpu/GPUHot{gpu=0,instance=gpu-node-3:9400,node=gpu-node-3}/archive"


def test_the_first_delivery_carrying_this_very_alert_counts():
    # gpu 1's notification came first, but only gpu 0's is timed here
    inbox = [_note("pager", 5.0, "1"), _note("pager", 6.4, "0", "1")]
    [pager] = [
        lat for lat in alert_latencies([_state()], [_trace()], inbox, ROUTING) if lat.receiver == "pager"
    ]
    assert pager.seconds == pytest.approx(5.4)


def test_an_alert_joining_a_group_already_open_is_not_timed_against_group_wait():
    traces = [_trace("0", active_at=1.0), _trace("1", active_at=2.0)]
    inbox = [_note("pager", 6.3, "0"), _note("pager", 12.0, "0", "1"), _note("archive", 6.6, "0", "1")]
    found = alert_latencies([_state()], traces, inbox, ROUTING)
    assert {(lat.labels["gpu"], lat.receiver) for lat in found} == {("0", "pager"), ("0", "archive")}


def test_scenarios_with_silences_and_alerts_never_firing_are_not_timed():
    silenced = (
        SCENARIO + "silences:\n  - matchers: ['alertname=\"GPUHot\"']\n    after: 1m\n    duration: 5m\n"
    )
    inbox = [_note("pager", 30.0, "0")]
    assert alert_latencies([_state(silenced)], [_trace()], inbox, ROUTING) == []
    never = AlertTrace("GPUHot", _trace().labels, first_pending=1.0, active_at=1.0)
    assert alert_latencies([_state()], [never], inbox, ROUTING) == []


def test_summary_gives_median_max_and_the_deliveries_over_the_goal():
    inbox = [_note("archive", 8.0, "0"), _note("pager", 6.3, "0")]
    summary = summarize(alert_latencies([_state()], [_trace()], inbox, ROUTING))
    assert summary["alerts"] == 1 and summary["deliveries"] == 2
    assert summary["ratio_max"] == pytest.approx(7.0 / 5.75, abs=1e-3)
    assert summary["over_goal"] == []
    assert summary["outside_trouble"] == {
        "deliveries": 2,
        "ratio_median": summary["ratio_median"],
        "ratio_max": summary["ratio_max"],
    }
    assert summarize([]) == {"alerts": 0}


def test_latencies_stretched_by_harness_trouble_are_flagged_and_summarised_apart():
    inbox = [_note("archive", 8.0, "0"), _note("pager", 6.3, "0")]
    found = alert_latencies([_state()], [_trace(active_at=1.0)], inbox, ROUTING)
    # pipeline clock origin 0.5: activeAt is 0.5 s in; trouble 7.2–7.4 s in touches only the archive's
    marked = mark_trouble(found, [Trouble("rule-evaluations", 7.2, 7.4, "missed")], origin=0.5)
    flagged = {lat.receiver: lat.in_trouble for lat in marked}
    assert flagged == {"archive": True, "pager": False}
    assert [lat.to_json().get("in_trouble") for lat in marked if lat.receiver == "archive"] == [True]
    clean = summarize(marked)["outside_trouble"]
    assert clean["deliveries"] == 1 and clean["ratio_max"] == pytest.approx(5.3 / (325 / 60), abs=1e-3)


class _Alerts:
    def __init__(self, alerts):
        self._alerts = alerts

    def alerts(self):
        return self._alerts


def test_observer_converts_prometheus_active_at_to_its_own_clock():
    from validation.clients.prometheus import Alert

    labels = {"alertname": "GPUHot", "node": "n"}
    pending = Alert("GPUHot", "pending", labels, {}, "2026-12-04T21:00:00.250Z", "1")
    observer = AlertObserver(_Alerts([pending]), 0.1, clock=lambda: 50.0, wall=lambda: 1796418010.0)
    observer.poll()
    [trace] = observer.snapshot()
    # 21:00:00.25 UTC is 9.75 s before the wall clock's 21:00:10: 40.25 on the observer's clock
    assert trace.active_at == pytest.approx(40.25)
