"""fixtures/endpoints.yaml is parsed strictly, and the sinks built from it serve exactly the
declared endpoints: another path is 404, another mailbox refused at RCPT, another channel
rejected — each kept as a rejection naming the receiver and what it tried."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest
import requests

from tests.unit.test_sinks_slack import AM_PAYLOAD as SLACK_PAYLOAD
from tests.unit.test_sinks_webhook import AM_PAYLOAD as WEBHOOK_PAYLOAD
from validation.core.errors import HarnessError
from validation.core.results import Report
from validation.fixtures.endpoints import load_endpoints
from validation.pipeline.endpoints import record_endpoint_checks
from validation.render.alertmanager import RenderedAlertmanager, SinkEndpoint
from validation.sinks import Inbox, SlackSink, SmtpSink, WebhookSink
from validation.stack.sinks import notification_sinks

pytestmark = pytest.mark.unit

ORACLE = """\
smtp:
  - {relay: "smtp.example:587", mailboxes: [Oncall@example.com]}
webhooks:
  - {url: "http://archive:8080/alerts"}
  - {receiver: audit}
slack:
  - {receiver: pager, channel: "#oncall"}
"""


def _oracle(tmp_path: Path, text: str = ORACLE):
    path = tmp_path / "endpoints.yaml"
    path.write_text(text)
    return load_endpoints(path)


def test_a_project_without_the_file_has_no_oracle(tmp_path: Path) -> None:
    assert load_endpoints(tmp_path / "endpoints.yaml") is None


def test_the_oracle_is_read_with_ports_paths_and_lower_case_mailboxes(tmp_path: Path) -> None:
    oracle = _oracle(tmp_path)
    assert oracle is not None
    assert oracle.mailboxes_at("smtp.example", 587) == {"oncall@example.com"}
    assert oracle.mailboxes_at("smtp.example", 25) == frozenset()
    archive, audit = oracle.webhooks
    assert (archive.host, archive.port, archive.path, archive.method) == ("archive", 8080, "/alerts", "POST")
    assert audit.receiver == "audit" and oracle.slack[0].channel == "#oncall"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("smpt: []\n", "did you mean 'smtp'", 1),
        ("slack:\n  - {receiver: a, chanel: '#x'}\n", "did you mean 'channel'", 2),
        ("slack:\n  - {receiver: a}\n", "posts to one channel", 2),
        ("webhooks:\n  - {url: 'http://a/x', receiver: b}\n", "exactly one of url and receiver", 2),
        ("webhooks:\n  - {url: 'archive:8080/x'}\n", "not an http(s) URL", 2),
    ],
)
def test_a_wrong_oracle_names_its_line(tmp_path: Path, text: str, message: str, line: int) -> None:
    with pytest.raises(HarnessError) as err:
        _oracle(tmp_path, text)
    assert message in str(err.value.what) + str(err.value.hint)
    assert err.value.place.endswith(f"endpoints.yaml:{line}")


def _sinks(tmp_path: Path, inbox: Inbox):
    rendered = RenderedAlertmanager(
        tmp_path / "am.yml",
        ["archive", "audit", "pager", "mail"],
        {
            SinkEndpoint("webhook", "archive", "127.0.0.1", 0),
            SinkEndpoint("webhook", "webhook-secret", "127.0.0.1", 0),
            SinkEndpoint("slack", "hooks.slack.com", "127.0.0.1", 0),
            SinkEndpoint("smtp", "smtp.example", "127.0.0.1", 0),
        },
        email_recipients={"oncal@example.com": "mail"},
        senders={"webhook archive:0/alertz": "archive"},
    )
    return notification_sinks(rendered, inbox, "pw", _oracle(tmp_path))


def test_without_a_port_match_a_sink_serves_nothing(tmp_path: Path) -> None:
    # the rendered endpoints above listen on port 0 (ephemeral): no declared endpoint lives there
    inbox = Inbox()
    archive = next(s for s in _sinks(tmp_path, inbox) if isinstance(s, WebhookSink) and "archive" in s.name)
    assert archive.served == {}


def _webhook(served_host: str, tmp_path: Path, inbox: Inbox) -> WebhookSink:
    oracle = _oracle(tmp_path)
    assert oracle is not None
    from validation.stack.sinks import served_paths

    served = served_paths(oracle, SinkEndpoint("webhook", served_host, "127.0.0.1", 8080))
    return WebhookSink(
        "127.0.0.1", 0, inbox, served=served, name=f"{served_host}:8080", senders={"/alertz": "archive"}
    )


def test_the_webhook_sink_serves_the_declared_path_and_404s_another(tmp_path: Path) -> None:
    inbox = Inbox()
    with _webhook("archive", tmp_path, inbox) as sink:
        assert isinstance(sink, WebhookSink)
        assert requests.post(f"{sink.url}/alerts", json=WEBHOOK_PAYLOAD, timeout=5).status_code == 200
        typo = requests.post(f"{sink.url}/alertz", json=WEBHOOK_PAYLOAD, timeout=5)
    assert typo.status_code == 404 and inbox.count() == 1
    (rejection,) = sink.rejected
    # the config says whose URL it is; the path typo is what it tried
    assert (rejection.receiver, rejection.endpoint) == ("archive", "POST archive:8080/alertz")
    assert "declared there: /alerts" in rejection.reason


def test_a_receiver_named_webhook_lives_at_the_harness_secret_url(tmp_path: Path) -> None:
    inbox = Inbox()
    with _webhook("webhook-secret", tmp_path, inbox) as sink:
        assert requests.post(f"{sink.url}/audit", json=WEBHOOK_PAYLOAD, timeout=5).status_code == 200
        assert requests.post(f"{sink.url}/other", json=WEBHOOK_PAYLOAD, timeout=5).status_code == 404


def test_the_slack_sink_rejects_a_channel_other_than_the_declared_one(tmp_path: Path) -> None:
    oracle = _oracle(tmp_path)
    assert oracle is not None
    from validation.stack.sinks import served_paths

    served = served_paths(oracle, SinkEndpoint("slack", "hooks.slack.com", "127.0.0.1", 8443))
    inbox = Inbox()
    with SlackSink("127.0.0.1", 0, inbox, served=served, name="hooks.slack.com:8443") as sink:
        assert isinstance(sink, SlackSink)
        good = requests.post(sink.url_for("pager"), json={**SLACK_PAYLOAD, "channel": "#oncall"}, timeout=5)
        wrong = requests.post(sink.url_for("pager"), json={**SLACK_PAYLOAD, "channel": "#random"}, timeout=5)
        unknown = requests.post(sink.url_for("nobody"), json=SLACK_PAYLOAD, timeout=5)
    assert (good.status_code, wrong.status_code, unknown.status_code) == (200, 404, 404)
    assert [n.meta["channel"] for n in inbox.all()] == ["#oncall"]
    assert [(r.receiver, r.endpoint) for r in sink.rejected] == [
        ("pager", "channel #random via hooks.slack.com:8443/services/pager"),
        ("nobody", "POST hooks.slack.com:8443/services/nobody"),
    ]


def test_the_smtp_sink_refuses_an_unknown_mailbox_at_rcpt(tmp_path: Path) -> None:
    inbox = Inbox()
    boxes = frozenset({"oncall@example.com"})
    with (
        SmtpSink(
            "127.0.0.1",
            0,
            inbox,
            mailboxes=boxes,
            name="smtp.example:587",
            recipients={"oncal@example.com": "mail"},
        ) as sink,
        smtplib.SMTP(*sink.address, timeout=5) as client,
    ):
        client.sendmail("am@example.com", ["ONCALL@example.com"], b"Subject: x\r\n\r\nbody\r\n")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("am@example.com", ["oncal@example.com"], b"Subject: x\r\n\r\nbody\r\n")
    assert refused.value.recipients["oncal@example.com"][0] == 550
    assert inbox.count() == 1
    (rejection,) = sink.rejected
    assert (rejection.receiver, rejection.endpoint) == (
        "mail",
        "mail to oncal@example.com via smtp.example:587",
    )


def test_the_endpoint_check_fails_naming_the_receiver_and_passes_the_others(tmp_path: Path) -> None:
    inbox = Inbox()
    with _webhook("archive", tmp_path, inbox) as sink:
        requests.post(f"{sink.url}/alerts", json={**WEBHOOK_PAYLOAD, "receiver": "fine"}, timeout=5)
        requests.post(f"{sink.url}/alertz", json=WEBHOOK_PAYLOAD, timeout=5)
    report = Report()
    record_endpoint_checks(sink.rejected, inbox.all(), True, report)
    status = {c.id: (c.status, c.message) for c in report.checks}
    assert status["notifications/fine/endpoint"][0] == "passed"
    failed, message = status["notifications/archive/endpoint"]
    assert failed == "failed" and "POST archive:8080/alertz" in message


def test_without_an_oracle_the_endpoint_check_says_it_is_skipped() -> None:
    report = Report()
    record_endpoint_checks([], [], False, report)
    assert [(c.id, c.status) for c in report.checks] == [("notifications/endpoints", "skipped")]


def test_a_declared_path_matches_the_percent_encoded_request(tmp_path: Path) -> None:
    # alertmanager.yml names /services/<id>; Alertmanager sends /services/%3Cid%3E
    from validation.stack.sinks import served_paths

    oracle = _oracle(
        tmp_path, 'slack:\n  - {url: "https://hooks.slack.com/services/<id>", channel: "#alerts"}\n'
    )
    assert oracle is not None
    inbox = Inbox()
    served = served_paths(oracle, SinkEndpoint("slack", "hooks.slack.com", "127.0.0.1", 443))
    with SlackSink("127.0.0.1", 0, inbox, served=served, name="hooks.slack.com:443") as sink:
        reply = requests.post(
            f"{sink.url}/services/%3Cid%3E", json={**SLACK_PAYLOAD, "channel": "#alerts"}, timeout=5
        )
        other = requests.post(f"{sink.url}/services/%3Cother%3E", json=SLACK_PAYLOAD, timeout=5)
    assert reply.status_code == 200 and inbox.count() == 1
    assert other.status_code == 404
