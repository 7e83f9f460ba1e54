"""The webhook sink accepts exactly Alertmanager's webhook JSON v4 and parses it."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from validation.sinks import Inbox, WebhookSink
from validation.sinks.webhook import webhook_notification, webhook_payload_problems

pytestmark = pytest.mark.unit

# Captured from Alertmanager 0.25 (tests/e2e/test_sinks_alertmanager.py).
AM_PAYLOAD: dict[str, Any] = {
    "receiver": "webhook-ops",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "HostOutOfMemory", "instance": "gpu-node-7:9100", "severity": "critical"},
            "annotations": {"summary": "HostOutOfMemory on gpu-node-7:9100"},
            "startsAt": "2026-11-28T10:56:06.954420514Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": "9817e049d491a6a1",
        }
    ],
    "groupLabels": {"alertname": "HostOutOfMemory"},
    "commonLabels": {"alertname": "HostOutOfMemory", "instance": "gpu-node-7:9100", "severity": "critical"},
    "commonAnnotations": {"summary": "HostOutOfMemory on gpu-node-7:9100"},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": '{}/{severity="critical"}:{alertname="HostOutOfMemory"}',
    "truncatedAlerts": 0,
}


@pytest.fixture()
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture()
def sink(inbox: Inbox) -> Iterator[WebhookSink]:
    with WebhookSink("127.0.0.1", 0, inbox) as started:
        assert isinstance(started, WebhookSink)
        yield started


def test_an_alertmanager_payload_is_accepted_and_parsed(sink: WebhookSink, inbox: Inbox) -> None:
    answer = requests.post(f"{sink.url}/alerts", json=AM_PAYLOAD, timeout=5)
    assert answer.status_code == 200
    (got,) = inbox.all()
    assert (got.kind, got.receiver, got.status) == ("webhook", "webhook-ops", "firing")
    assert got.alerts == (AM_PAYLOAD["alerts"][0]["labels"],) and got.structured
    assert got.alertnames == ("HostOutOfMemory",)
    assert got.meta["path"] == "/alerts" and got.payload == AM_PAYLOAD
    assert "HostOutOfMemory on gpu-node-7:9100" in got.content
    assert json.loads(got.raw) == AM_PAYLOAD
    assert sink.attempts == 1 and sink.rejected == []


def test_a_chunked_body_is_read_whole(sink: WebhookSink, inbox: Inbox) -> None:
    body = json.dumps(AM_PAYLOAD).encode()
    chunks = (body[i : i + 100] for i in range(0, len(body), 100))
    answer = requests.post(sink.url, data=chunks, headers={"Content-Type": "application/json"}, timeout=5)
    assert answer.status_code == 200 and inbox.count() == 1


def test_other_methods_are_not_allowed(sink: WebhookSink) -> None:
    assert requests.get(sink.url, timeout=5).status_code == 405


def _without(key: str) -> dict[str, Any]:
    payload = copy.deepcopy(AM_PAYLOAD)
    del payload[key]
    return payload


def _with(path: str, value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(AM_PAYLOAD)
    *parents, last = path.split(".")
    target: Any = payload
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return payload


def _alert_without(key: str) -> dict[str, Any]:
    payload = copy.deepcopy(AM_PAYLOAD)
    del payload["alerts"][0][key]
    return payload


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        pytest.param([AM_PAYLOAD], "want a JSON object, got list", id="top level is a list"),
        pytest.param(_without("groupKey"), "missing groupKey", id="groupKey missing"),
        pytest.param(_without("alerts"), "missing alerts", id="alerts missing"),
        pytest.param(_with("version", "3"), "want \"4\", got '3'", id="older version"),
        pytest.param(_with("version", 4), 'want "4", got 4', id="version is a number"),
        pytest.param(_with("status", "pending"), "status: want firing|resolved", id="unknown status"),
        pytest.param(_with("receiver", None), "receiver: want a string", id="receiver null"),
        pytest.param(
            _with("commonLabels.severity", 2), "commonLabels.severity: want a string", id="label int"
        ),
        pytest.param(_with("groupLabels", []), "groupLabels: want an object", id="groupLabels a list"),
        pytest.param(_with("alerts", []), "alerts: empty", id="no alerts"),
        pytest.param(_with("alerts", {}), "alerts: want a list", id="alerts an object"),
        pytest.param(
            _with("truncatedAlerts", "0"), "truncatedAlerts: want an integer", id="truncated a string"
        ),
        pytest.param(_alert_without("fingerprint"), "alerts[0]: missing fingerprint", id="alert fingerprint"),
        pytest.param(_with("alerts.0.status", "ok"), "alerts[0].status", id="alert status"),
        pytest.param(
            _with("alerts.0.startsAt", "yesterday"), "alerts[0].startsAt: want an RFC 3339", id="time"
        ),
        pytest.param(_with("alerts.0.endsAt", "2026-11-28 10:00:00"), "alerts[0].endsAt", id="time no T"),
        pytest.param(_with("alerts.0.fingerprint", "9817E049D491A6A1"), "16 hex digits", id="fp upper case"),
        pytest.param(_with("alerts.0.fingerprint", "abc"), "16 hex digits", id="fp short"),
        pytest.param(
            _with("alerts.0.annotations", {"x": ["a"]}), "annotations.x: want a string", id="annotation"
        ),
        pytest.param(_with("alerts.0", "HostDown"), "alerts[0]: want an object", id="alert a string"),
    ],
)
def test_invalid_payloads_are_refused_with_the_problem(
    sink: WebhookSink, inbox: Inbox, payload: Any, problem: str
) -> None:
    assert problem in "\n".join(webhook_payload_problems(payload))
    answer = requests.post(sink.url, json=payload, timeout=5)
    assert answer.status_code == 400 and problem in answer.text
    assert inbox.count() == 0
    (rejection,) = sink.rejected
    assert problem in rejection.reason and json.loads(rejection.body) == payload


def test_a_body_that_is_not_json_is_refused(sink: WebhookSink, inbox: Inbox) -> None:
    answer = requests.post(sink.url, data=b"{not json", timeout=5)
    assert answer.status_code == 400 and "body is not JSON" in answer.text and inbox.count() == 0


def test_a_resolved_payload_is_recorded_as_resolved(sink: WebhookSink, inbox: Inbox) -> None:
    payload = _with("status", "resolved")
    payload["alerts"][0].update(status="resolved", endsAt="2026-11-28T11:00:00.5+01:00")
    assert requests.post(sink.url, json=payload, timeout=5).status_code == 200
    assert inbox.all()[0].status == "resolved"


label_names = st.text("abcdefghijklmnopqrstuvwxyzABCXYZ_0123456789", min_size=1, max_size=15)
label_sets = st.dictionaries(label_names, st.text(max_size=30), max_size=8)


@given(alerts=st.lists(label_sets, min_size=1, max_size=5), status=st.sampled_from(["firing", "resolved"]))
def test_any_well_formed_payload_is_valid_and_keeps_every_alerts_labels(
    alerts: list[dict[str, str]], status: str
) -> None:
    payload = copy.deepcopy(AM_PAYLOAD)
    template = payload["alerts"][0]
    payload["status"] = status
    payload["alerts"] = [{**template, "labels": labels, "status": status} for labels in alerts]
    assert webhook_payload_problems(payload) == []
    notification = webhook_notification(payload, b"", 0.0, "/")
    assert list(notification.alerts) == alerts and notification.status == status
