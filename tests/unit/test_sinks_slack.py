"""The Slack sink answers as Slack's incoming webhooks do and names receivers by URL path."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from validation.sinks import Inbox, SlackSink
from validation.sinks.slack import slack_notification, slack_payload_problems

pytestmark = pytest.mark.unit

# Captured from Alertmanager 0.25 with the default Slack templates.
AM_PAYLOAD: dict[str, Any] = {
    "channel": "#oncall",
    "username": "Alertmanager",
    "attachments": [
        {
            "title": "[FIRING:1] HostOutOfMemory (gpu-node-7:9100 critical infra)",
            "title_link": "http://alertmanager:9093/#/alerts?receiver=slack-critical",
            "text": "",
            "fallback": "[FIRING:1] HostOutOfMemory (gpu-node-7:9100 critical infra) | http://alertmanager:9093/",
            "callback_id": "",
            "footer": "",
            "color": "danger",
            "mrkdwn_in": ["fallback", "pretext", "text"],
        }
    ],
}


@pytest.fixture()
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture()
def sink(inbox: Inbox) -> Iterator[SlackSink]:
    with SlackSink("127.0.0.1", 0, inbox) as started:
        assert isinstance(started, SlackSink)
        yield started


def test_an_alertmanager_message_is_answered_ok_and_recorded_for_the_receiver_in_the_path(
    sink: SlackSink, inbox: Inbox
) -> None:
    answer = requests.post(sink.url_for("slack-critical"), json=AM_PAYLOAD, timeout=5)
    assert (answer.status_code, answer.text) == (200, "ok")
    (got,) = inbox.all()
    assert (got.kind, got.receiver, got.status) == ("slack", "slack-critical", "firing")
    assert got.subject.startswith("[FIRING:1] HostOutOfMemory")
    assert got.meta == {"path": "/services/slack-critical", "channel": "#oncall"}
    assert got.payload == AM_PAYLOAD and not got.structured


def test_receivers_are_told_apart_by_path_and_the_path_is_url_decoded(sink: SlackSink, inbox: Inbox) -> None:
    for receiver in ("infra-slack", "ml slack", "T000/B000/XXXX"):
        assert requests.post(sink.url_for(receiver), json=AM_PAYLOAD, timeout=5).status_code == 200
    assert [n.receiver for n in inbox.all()] == ["infra-slack", "ml slack", "T000/B000/XXXX"]


def test_a_path_outside_services_is_answered_no_service(sink: SlackSink, inbox: Inbox) -> None:
    answer = requests.post(f"{sink.url}/hooks/x", json=AM_PAYLOAD, timeout=5)
    assert (answer.status_code, answer.text) == (404, "no_service") and inbox.count() == 0


def test_a_form_encoded_payload_is_accepted(sink: SlackSink, inbox: Inbox) -> None:
    answer = requests.post(sink.url_for("r"), data={"payload": json.dumps({"text": "hello"})}, timeout=5)
    assert answer.text == "ok" and inbox.all()[0].text == "hello"


def _with(value: dict[str, Any], **attachment: Any) -> dict[str, Any]:
    payload = copy.deepcopy(AM_PAYLOAD)
    payload.update(value)
    payload["attachments"][0].update(attachment)
    return payload


@pytest.mark.parametrize(
    ("payload", "code", "reason"),
    [
        pytest.param("[]", "invalid_payload", "want an object, got list", id="top level a list"),
        pytest.param("{", "invalid_payload", "not JSON", id="broken JSON"),
        pytest.param({}, "no_text", "no text, attachments or blocks", id="empty object"),
        pytest.param({"text": "  "}, "no_text", "no text", id="blank text"),
        pytest.param({"channel": "#a", "attachments": []}, "no_text", "no text", id="empty attachments"),
        pytest.param({"text": 5}, "invalid_payload", "payload.text: want str, got int", id="text a number"),
        pytest.param(
            {"text": "x", "channel": ["#a"]}, "invalid_payload", "channel: want str", id="channel list"
        ),
        pytest.param(
            {"text": "x", "colour": "red"}, "invalid_payload", "colour: not a key Slack knows", id="key"
        ),
        pytest.param(
            {"attachments": {"a": 1}}, "invalid_payload", "attachments: want list", id="attachments obj"
        ),
        pytest.param(
            {"attachments": ["hi"]}, "invalid_payload", "attachments[0]: want an object", id="att str"
        ),
        pytest.param(_with({}, titel="x"), "invalid_payload", "titel: not a key Slack knows", id="att typo"),
        pytest.param(_with({}, color=None), "invalid_payload", "color: want str, got null", id="att null"),
        pytest.param(_with({}, fields={}), "invalid_payload", "fields: want list", id="fields obj"),
        pytest.param(
            _with({}, fields=[{"title": "a", "value": 1}]),
            "invalid_payload",
            "value: want str",
            id="field value",
        ),
        pytest.param(
            _with({}, fields=[{"title": "a", "short": "yes"}]),
            "invalid_payload",
            "short: want bool",
            id="short",
        ),
        pytest.param(
            _with({}, actions=[{"text": "ack"}]), "invalid_payload", "missing type", id="action type"
        ),
        pytest.param(
            _with({}, mrkdwn_in="text"), "invalid_payload", "mrkdwn_in: want list", id="mrkdwn_in str"
        ),
        pytest.param(_with({}, mrkdwn_in=[1]), "invalid_payload", "list of strings", id="mrkdwn_in ints"),
        pytest.param(_with({}, id=True), "invalid_payload", "id: want int, got bool", id="bool is no int"),
        pytest.param({"blocks": [{"text": "x"}]}, "invalid_payload", "string type", id="block without type"),
        pytest.param(
            {"attachments": [{"text": "x"}] * 101}, "too_many_attachments", "101 > 100", id="101 attachments"
        ),
    ],
)
def test_payloads_slack_would_refuse_get_its_error(
    sink: SlackSink, inbox: Inbox, payload: Any, code: str, reason: str
) -> None:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    answer = requests.post(
        sink.url_for("r"), data=body, headers={"Content-Type": "application/json"}, timeout=5
    )
    assert (answer.status_code, answer.text) == (400, code)
    assert inbox.count() == 0
    (rejection,) = sink.rejected
    assert reason in rejection.reason


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        pytest.param(_with({}, title="[RESOLVED] HostDown", color="good"), "resolved", id="resolved title"),
        pytest.param(
            _with({}, title="HostDown", fallback="HostDown", color="danger"),
            "firing",
            id="colour when title says nothing",
        ),
        pytest.param(
            _with({}, title="HostDown", fallback="HostDown", color="good"),
            "resolved",
            id="good colour is resolved",
        ),
        pytest.param({"text": "HostDown is firing"}, "firing", id="text says firing"),
        pytest.param({"text": "HostDown"}, "", id="unknown"),
    ],
)
def test_status_is_read_from_the_title_text_or_colour(payload: dict[str, Any], status: str) -> None:
    assert slack_notification("r", payload, b"", 0.0, "/services/r").status == status


def test_text_fields_pretext_and_footer_are_searchable() -> None:
    payload = _with(
        {"text": "top"},
        pretext="pre",
        text="body",
        fields=[{"title": "node", "value": "gpu-node-7", "short": True}],
        footer="runbook",
    )
    assert slack_payload_problems(payload) == ("", [])
    content = slack_notification("r", payload, b"", 0.0, "/").content
    for word in ("top", "pre", "body", "node: gpu-node-7", "runbook", "[FIRING:1] HostOutOfMemory"):
        assert word in content


field_values = st.fixed_dictionaries(
    {"title": st.text(max_size=20), "value": st.text(max_size=40)}, optional={"short": st.booleans()}
)


@given(
    title=st.text(min_size=1, max_size=50),
    text=st.text(max_size=100),
    fields=st.lists(field_values, max_size=5),
    color=st.sampled_from(["danger", "good", "warning", "#439FE0"]),
)
def test_any_message_alertmanager_could_render_is_accepted(
    title: str, text: str, fields: list[dict[str, Any]], color: str
) -> None:
    payload = _with({}, title=title, text=text, fields=fields, color=color)
    assert slack_payload_problems(json.loads(json.dumps(payload))) == ("", [])
