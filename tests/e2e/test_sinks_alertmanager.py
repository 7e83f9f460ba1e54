"""A real Alertmanager delivers to the sinks over SMTP, Slack's webhook contract and webhook JSON.

Proves the sinks speak the protocols as Alertmanager 0.25 does (AUTH over plain SMTP, Slack
payloads, webhook v4), that each parses what it received, and that injected faults are seen and
retried by the real client. Post → delivery latency is recorded as a test property and printed
(measured, never asserted: performance belongs to the perf tier).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from validation.sinks import (
    Inbox,
    Sinks,
    SlackSink,
    SmtpSink,
    WebhookSink,
    by_alertname,
    by_receiver,
    firing,
    resolved,
)
from validation.sinks.tls import self_signed_tls

pytestmark = pytest.mark.e2e

BINARY_NAMES = ("prometheus-alertmanager", "alertmanager")
SMTP_USER, SMTP_PASSWORD = "alertmanager", "s3cret-for-this-run"
DELIVERY_TIMEOUT = 15.0


def _alertmanager_binary() -> str:
    found = next((path for name in BINARY_NAMES if (path := shutil.which(name))), None)
    if found is None:
        reason = f"Alertmanager binary not found (looked for {', '.join(BINARY_NAMES)} on PATH)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must provide it (.ci/run installs the stack)")
        pytest.skip(reason)
    return found


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Endpoints:
    group: Sinks
    smtp: SmtpSink
    slack: SlackSink
    webhook: WebhookSink
    smtp_tls: SmtpSink | None  # None without the cryptography package
    ca_file: Path | None


def _config(sinks: Endpoints) -> dict[str, Any]:
    smtp, slack, webhook = sinks.smtp, sinks.slack, sinks.webhook
    critical = ['severity="critical"']
    config: dict[str, Any] = {
        "global": {
            "smtp_smarthost": f"{smtp.host}:{smtp.port}",
            "smtp_from": "alertmanager@cluster.example",
            "smtp_hello": "alertmanager.cluster.example",
            "smtp_auth_username": SMTP_USER,
            "smtp_auth_password": SMTP_PASSWORD,
            "smtp_require_tls": False,
        },
        "route": {
            "receiver": "webhook-ops",
            "group_by": ["alertname"],
            "group_wait": "0s",
            "group_interval": "1s",
            "repeat_interval": "1h",
            "routes": [
                {"receiver": "oncall-email", "matchers": critical, "continue": True},
                {"receiver": "slack-critical", "matchers": critical, "continue": True},
                {"receiver": "webhook-ops", "matchers": critical},
            ],
        },
        "receivers": [
            {
                "name": "oncall-email",
                "email_configs": [{"to": "oncall@cluster.example", "send_resolved": True}],
            },
            {
                "name": "slack-critical",
                "slack_configs": [
                    {"api_url": slack.url_for("slack-critical"), "channel": "#oncall", "send_resolved": True}
                ],
            },
            {
                "name": "webhook-ops",
                "webhook_configs": [{"url": f"{webhook.url}/alerts", "send_resolved": True}],
            },
        ],
    }
    if sinks.smtp_tls is not None:
        tls = sinks.smtp_tls
        config["route"]["routes"].insert(0, {"receiver": "secure-email", "matchers": ['transport="tls"']})
        config["receivers"].append({
            "name": "secure-email",
            "email_configs": [{
                "to": "security@cluster.example", "smarthost": f"{tls.host}:{tls.port}",
                "require_tls": True, "tls_config": {"ca_file": str(sinks.ca_file)},
            }],
        })  # fmt: skip
    return config


@dataclass
class Alertmanager:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def post(self, alertname: str, labels: dict[str, str], *, ends_now: bool = False) -> float:
        """Post one alert; returns the monotonic time just before the POST."""
        alert: dict[str, Any] = {
            "labels": {"alertname": alertname, **labels},
            "annotations": {"summary": f"{alertname} on {labels.get('instance', '?')}"},
            "generatorURL": "http://prometheus:9090/graph",
        }
        if ends_now:
            alert["endsAt"] = datetime.now(UTC).isoformat()
        posted = time.monotonic()
        answer = requests.post(f"{self.url}/api/v2/alerts", json=[alert], timeout=5)
        assert answer.status_code == 200, f"POST /api/v2/alerts: {answer.status_code} {answer.text}"
        return posted

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"Alertmanager exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)  # poll interval of a deadline-bounded readiness wait
    raise AssertionError(f"Alertmanager not ready at {url} within {timeout}s:\n{log.read_text()[-2000:]}")


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="module")
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture(scope="module")
def sinks(inbox: Inbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    credentials = {SMTP_USER: SMTP_PASSWORD}
    smtp = SmtpSink("127.0.0.1", 0, inbox, credentials=credentials,
                    recipients={"oncall@cluster.example": "oncall-email"})  # fmt: skip
    slack, webhook = SlackSink("127.0.0.1", 0, inbox), WebhookSink("127.0.0.1", 0, inbox)
    smtp_tls, ca_file = None, None
    if importlib.util.find_spec("cryptography") is not None:
        tls = self_signed_tls(["127.0.0.1"], tmp_path_factory.mktemp("tls"))
        smtp_tls = SmtpSink("127.0.0.1", 0, inbox, credentials=credentials, starttls=tls.server_context,
                            recipients={"security@cluster.example": "secure-email"})  # fmt: skip
        ca_file = tls.ca_file
    endpoints = [s for s in (smtp, slack, webhook, smtp_tls) if s is not None]
    with Sinks(inbox, endpoints) as group:
        yield Endpoints(group, smtp, slack, webhook, smtp_tls, ca_file)


@pytest.fixture(scope="module")
def alertmanager(sinks: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alertmanager]:
    binary = _alertmanager_binary()
    run_dir = tmp_path_factory.mktemp("alertmanager")
    config = run_dir / "alertmanager.yml"
    config.write_text(json.dumps(_config(sinks), indent=1))  # JSON is YAML
    address = f"127.0.0.1:{_free_port('127.0.0.1')}"
    log = run_dir / "alertmanager.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.path={run_dir / 'data'}",
             f"--web.listen-address={address}", "--cluster.listen-address="],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_ready(f"http://{address}", process, log)
        yield Alertmanager(f"http://{address}", process, log)
    finally:
        _terminate(process)


@pytest.fixture()
def fresh(sinks: Endpoints, inbox: Inbox) -> Iterator[Inbox]:
    inbox.clear()
    yield inbox
    sinks.group.recover_all()


def _latency(record_property: Any, name: str, seconds: float) -> None:
    record_property(f"latency_{name}_s", round(seconds, 4))
    print(f"post -> {name}: {seconds * 1000:.0f} ms")


def test_a_critical_alert_reaches_email_slack_and_webhook_parsed(
    alertmanager: Alertmanager, sinks: Endpoints, fresh: Inbox, record_property: Any
) -> None:
    labels = {"severity": "critical", "instance": "gpu-node-7:9100", "team": "infra"}
    posted = alertmanager.post("HostOutOfMemory", labels)
    wanted = by_alertname("HostOutOfMemory") & firing()
    try:
        mail = fresh.wait_for(by_receiver("oncall-email") & wanted, DELIVERY_TIMEOUT)
        chat = fresh.wait_for(by_receiver("slack-critical") & wanted, DELIVERY_TIMEOUT)
        hook = fresh.wait_for(by_receiver("webhook-ops") & wanted, DELIVERY_TIMEOUT)
    except AssertionError as err:
        rejected = [f"{s.kind}: {r.reason}" for s in sinks.group for r in s.rejected]
        raise AssertionError(
            f"{err}\nrejected: {rejected}\nAlertmanager log:\n{alertmanager.log_tail()}"
        ) from None

    assert mail.kind == "email" and mail.meta["auth_user"] == SMTP_USER
    assert mail.meta["to"] == ["oncall@cluster.example"]
    assert mail.subject.startswith("[FIRING:1] HostOutOfMemory")
    assert mail.structured and mail.alerts[0]["instance"] == "gpu-node-7:9100"
    assert "HostOutOfMemory on gpu-node-7:9100" in mail.html
    assert chat.kind == "slack" and chat.meta["channel"] == "#oncall"
    assert chat.subject.startswith("[FIRING:1] HostOutOfMemory")
    assert hook.kind == "webhook" and hook.meta["path"] == "/alerts"
    assert hook.alerts == ({"alertname": "HostOutOfMemory", **labels},)
    assert hook.payload["commonAnnotations"] == {"summary": "HostOutOfMemory on gpu-node-7:9100"}
    for sink_name, notification in (("email", mail), ("slack", chat), ("webhook", hook)):
        _latency(record_property, sink_name, notification.received_at - posted)


def test_a_resolved_alert_sends_resolved_notifications(alertmanager: Alertmanager, fresh: Inbox) -> None:
    labels = {"severity": "critical", "instance": "gpu-node-3:9100"}
    alertmanager.post("GpuFallenOffBus", labels)
    fresh.wait_for_count(by_alertname("GpuFallenOffBus") & firing(), 3, DELIVERY_TIMEOUT)
    alertmanager.post("GpuFallenOffBus", labels, ends_now=True)
    for receiver in ("oncall-email", "slack-critical", "webhook-ops"):
        got = fresh.wait_for(
            by_receiver(receiver) & by_alertname("GpuFallenOffBus") & resolved(), DELIVERY_TIMEOUT
        )
        assert got.subject.startswith("[RESOLVED]") or got.kind == "webhook"


def test_a_warning_is_routed_to_the_webhook_only(alertmanager: Alertmanager, fresh: Inbox) -> None:
    alertmanager.post("DiskFillingUp", {"severity": "warning", "instance": "gpu-node-1:9100"})
    fresh.wait_for(by_receiver("webhook-ops") & by_alertname("DiskFillingUp"), DELIVERY_TIMEOUT)
    # Every route here has group_wait 0s, and a delivery takes well under 100 ms: a second is
    # ample time for a wrongly routed copy to show up.
    fresh.expect_none(by_alertname("DiskFillingUp") & ~by_receiver("webhook-ops"), within=1.0)


def test_alertmanager_retries_a_webhook_answering_503(
    alertmanager: Alertmanager, sinks: Endpoints, fresh: Inbox
) -> None:
    webhook = sinks.webhook
    before = webhook.attempts
    webhook.fail_with(503, times=2)
    alertmanager.post("ScrapeTargetDown", {"severity": "warning", "instance": "pushgateway:9091"})
    fresh.wait_for(by_receiver("webhook-ops") & by_alertname("ScrapeTargetDown"), DELIVERY_TIMEOUT)
    assert webhook.attempts - before == 3


def test_alertmanager_retries_an_smtp_server_answering_451(
    alertmanager: Alertmanager, sinks: Endpoints, fresh: Inbox
) -> None:
    smtp = sinks.smtp
    before = smtp.attempts
    smtp.fail_with(451, times=1)
    alertmanager.post("NodeDown", {"severity": "critical", "instance": "gpu-node-9:9100"})
    fresh.wait_for(by_receiver("oncall-email") & by_alertname("NodeDown"), DELIVERY_TIMEOUT)
    assert smtp.attempts - before == 2


def test_with_require_tls_alertmanager_delivers_over_starttls_verifying_the_certificate(
    alertmanager: Alertmanager, sinks: Endpoints, fresh: Inbox
) -> None:
    if sinks.smtp_tls is None:
        pytest.skip("STARTTLS certificates need the cryptography package")
    alertmanager.post("AuditLogShipperDown", {"severity": "critical", "transport": "tls"})
    mail = fresh.wait_for(by_receiver("secure-email") & by_alertname("AuditLogShipperDown"), DELIVERY_TIMEOUT)
    assert mail.meta["tls"] is True and mail.meta["auth_user"] == SMTP_USER
