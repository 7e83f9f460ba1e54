"""Injected failures of the HTTP sinks: status codes, stalls, closed ports, attempt counts."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests

from validation.sinks import Inbox, SlackSink, WebhookSink
from validation.sinks.faults import Faults
from validation.sinks.httpserver import HttpSink

pytestmark = pytest.mark.unit

SLACK_MESSAGE = {"text": "[FIRING:1] HostDown"}
WEBHOOK_PAYLOAD = {
    "version": "4", "groupKey": "{}:{alertname=\"HostDown\"}", "status": "firing", "receiver": "r",
    "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093",
    "alerts": [{
        "status": "firing", "labels": {"alertname": "HostDown"}, "annotations": {},
        "startsAt": "2026-11-28T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "",
        "fingerprint": "0123456789abcdef",
    }],
}  # fmt: skip


@pytest.fixture(params=[SlackSink, WebhookSink], ids=["slack", "webhook"])
def sink(request: pytest.FixtureRequest) -> Iterator[HttpSink]:
    with request.param("127.0.0.1", 0, Inbox()) as started:
        yield started


def post(sink: HttpSink, timeout: float = 10, receiver: str = "r") -> requests.Response:
    """A delivery for ``receiver`` the sink accepts when healthy."""
    body = SLACK_MESSAGE if isinstance(sink, SlackSink) else {**WEBHOOK_PAYLOAD, "receiver": receiver}
    return requests.post(f"{sink.url}/services/{receiver}", json=body, timeout=timeout)


@pytest.mark.parametrize("status", [500, 502, 503, 429, 404])
def test_fail_with_answers_the_status_to_every_attempt_and_counts_them(sink: HttpSink, status: int) -> None:
    sink.fail_with(status)
    assert [post(sink).status_code for _ in range(3)] == [status] * 3
    assert sink.attempts == 3 and sink.inbox.count() == 0


def test_fail_with_times_fails_that_many_attempts_then_answers_normally(sink: HttpSink) -> None:
    sink.fail_with(503, times=2)
    assert [post(sink).status_code for _ in range(3)] == [503, 503, 200]
    assert sink.attempts == 3 and sink.inbox.count() == 1


def test_a_failure_for_one_receiver_leaves_the_others_answered(sink: HttpSink) -> None:
    sink.fail_with(503, times=1, receiver="slack-critical")
    answers = [post(sink, receiver=r).status_code for r in ("infra", "slack-critical", "slack-critical")]
    assert answers == [200, 503, 200]
    assert (sink.attempts_for("infra"), sink.attempts_for("slack-critical"), sink.attempts) == (1, 2, 3)
    assert [n.receiver for n in sink.inbox.all()] == ["infra", "slack-critical"]


def test_a_slow_receiver_does_not_slow_the_others(sink: HttpSink) -> None:
    sink.slow(60, receiver="slow-one")
    assert post(sink, receiver="fast-one", timeout=5).status_code == 200
    with pytest.raises(requests.Timeout):
        post(sink, receiver="slow-one", timeout=0.2)


def test_recover_ends_the_failure(sink: HttpSink) -> None:
    sink.fail_with(503)
    assert post(sink).status_code == 503
    sink.recover()
    assert post(sink).status_code == 200


def test_a_closed_port_refuses_connections_until_reopened_on_the_same_port(sink: HttpSink) -> None:
    port = sink.port
    sink.close()
    assert not sink.running
    with pytest.raises(requests.ConnectionError):
        post(sink, timeout=2)
    sink.reopen()
    assert sink.port == port and post(sink).status_code == 200


def test_recover_reopens_a_closed_port(sink: HttpSink) -> None:
    sink.close()
    sink.recover()
    assert sink.running and post(sink).status_code == 200


def test_a_slow_sink_makes_the_client_time_out(sink: HttpSink) -> None:
    sink.slow(60)
    with pytest.raises(requests.Timeout):
        post(sink, timeout=0.2)
    assert sink.attempts == 1


def test_stop_releases_stalled_requests_and_joins_every_thread(sink: HttpSink) -> None:
    sink.slow(60)
    answers: list[int] = []
    client = threading.Thread(target=lambda: answers.append(post(sink).status_code))
    client.start()
    while sink.attempts == 0 and client.is_alive():
        client.join(0.01)
    sink.stop()  # would block 60 s if the stall were not released
    client.join(10)
    assert not client.is_alive() and len(answers) == 1
    assert [t.name for t in threading.enumerate() if t.name.endswith(f":{sink.port}")] == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.fail_with(503, times=0), "times must be at least 1"),
        (lambda f: f.slow(-1), "must not be negative"),
    ],
)
def test_nonsense_fault_settings_are_refused(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=message):
        call(Faults())
