"""Injection timing: what the pusher and the poster send at a given moment (clients are
recording doubles of the HTTP clients; the real ones are exercised by the e2e tier)."""

import pytest

from validation.pipeline.inject import Poster, Pusher
from validation.scenarios.loader import parse_scenarios

pytestmark = pytest.mark.unit

SCENARIO = """
name: s
why: w
push_series:
  - job: backup
    grouping: {instance: "gpu-node-9"}
    series: backup_ok{job="backup", instance="gpu-node-9", kind="full"}
    values: "1 0 _"
post_alerts:
  - labels: {alertname: External, severity: warning, instance: "etl-1:9100"}
    active_for: 1m
exp_alerts:
  - alertname: X
"""


class Recorder:
    def __init__(self):
        self.calls = []

    def push(self, job, text, grouping=None):
        self.calls.append(("push", job, text, grouping))

    def delete(self, job, grouping=None):
        self.calls.append(("delete", job, grouping))

    def post_alerts(self, alerts):
        self.calls.append(("post", alerts))


def _scenario():
    return parse_scenarios(SCENARIO, source="s.yaml")[0]


def test_pusher_sends_the_current_sample_and_deletes_the_group_on_a_gap():
    now = [100.0]
    client = Recorder()
    pusher = Pusher(client, clock=lambda: now[0])
    pusher.add(_scenario(), start=100.0, scale=15.0)  # 15s interval → 1s
    pusher.push_once()
    now[0] = 101.5
    pusher.push_once()
    now[0] = 102.5
    pusher.push_once()
    assert client.calls[0] == ("push", "backup", 'backup_ok{kind="full"} 1.0', {"instance": "gpu-node-9"})
    assert client.calls[1][2].endswith(" 0.0")
    assert client.calls[2] == ("delete", "backup", {"instance": "gpu-node-9"})


def test_poster_keeps_an_alert_firing_then_resolves_it_once():
    now = [10.0]
    client = Recorder()
    poster = Poster(client, resend=1.0, clock=lambda: now[0])
    poster.add(_scenario(), start=10.0, scale=60.0)  # active 1m → 1s
    poster.post_once()
    now[0] = 11.5
    poster.post_once()
    poster.post_once()
    assert len(client.calls) == 2
    firing, resolved = client.calls[0][1][0], client.calls[1][1][0]
    assert firing["labels"]["alertname"] == "External"
    assert firing["endsAt"] > resolved["endsAt"]
