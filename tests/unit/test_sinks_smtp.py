"""The SMTP sink speaks SMTP as Alertmanager's relay would and parses what it receives."""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from validation.sinks import Inbox, SmtpSink
from validation.sinks.email_message import email_notification
from validation.sinks.tls import TlsFiles, self_signed_tls

pytestmark = pytest.mark.unit

USER, PASSWORD = "alertmanager", "run-password"

# Shaped as Alertmanager 0.25 renders its default email.html (quoted-printable, <br style=...>).
DEFAULT_HTML = """<html><body><table>
<tr><td>[2] Firing</td></tr>
<tr><td style="padding: 0">
<strong>Labels</strong><br style="margin: 0" />
alertname = GpuHot<br style="margin: 0" />gpu = 3<br style="margin: 0" />node = gpu-node-7<br style="margin: 0" />
<strong>Annotations</strong><br style="margin: 0" />
summary = GPU 3 at 95 &deg;C<br style="margin: 0" />
<a href="http://prometheus:9090/graph">Source</a><br style="margin: 0" />
</td></tr>
<tr><td>
<strong>Labels</strong><br />
alertname = GpuHot<br />gpu = 5<br />node = gpu-node-7<br />
<a href="http://prometheus:9090/graph">Source</a><br />
</td></tr>
</table></body></html>
"""


def alert_email(
    to: str = "oncall@cluster.example",
    subject: str = "[FIRING:2] GpuHot (gpu-node-7)",
    html: str = DEFAULT_HTML,
    text: str = "",
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "alertmanager@cluster.example"
    message["To"] = to
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text or "see html", cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture()
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture()
def sink(inbox: Inbox) -> Iterator[SmtpSink]:
    recipients = {"OnCall@cluster.example": "oncall-critical"}
    with SmtpSink("127.0.0.1", 0, inbox, credentials={USER: PASSWORD}, recipients=recipients) as started:
        assert isinstance(started, SmtpSink)
        yield started


@pytest.fixture()
def open_sink(inbox: Inbox) -> Iterator[SmtpSink]:
    with SmtpSink("127.0.0.1", 0, inbox) as started:
        assert isinstance(started, SmtpSink)
        yield started


def send(
    sink: SmtpSink, message: EmailMessage, *, mechanism: str | None = "LOGIN", password: str = PASSWORD
) -> None:
    with smtplib.SMTP(*sink.address, timeout=10) as client:
        client.ehlo("alertmanager.cluster.example")
        if mechanism == "LOGIN":
            client.user, client.password = USER, password
            client.auth("LOGIN", client.auth_login)
        elif mechanism == "PLAIN":
            client.user, client.password = USER, password
            client.auth("PLAIN", client.auth_plain)
        client.send_message(message)


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_a_mail_sent_after_auth_is_recorded_with_the_user_who_authenticated(
    sink: SmtpSink, inbox: Inbox, mechanism: str
) -> None:
    send(sink, alert_email(), mechanism=mechanism)
    (got,) = inbox.all()
    assert (got.kind, got.receiver, got.status) == ("email", "oncall-critical", "firing")
    assert got.meta["auth_user"] == USER and got.meta["mail_from"] == "alertmanager@cluster.example"
    assert got.subject == "[FIRING:2] GpuHot (gpu-node-7)" and sink.attempts == 1


def test_auth_is_offered_without_tls_and_login_asks_as_real_relays_do(sink: SmtpSink) -> None:
    with smtplib.SMTP(*sink.address, timeout=10) as client:
        client.ehlo()
        assert not client.has_extn("starttls")
        assert client.esmtp_features["auth"].split() == ["LOGIN", "PLAIN"]
        # Alertmanager's LOGIN client answers only the challenges "Username:" / "Password:".
        assert client.docmd("AUTH", "LOGIN") == (334, b"VXNlcm5hbWU6")
        assert client.docmd(b64(USER)) == (334, b"UGFzc3dvcmQ6")
        assert client.docmd(b64(PASSWORD))[0] == 235


def test_replies_are_not_held_back_by_nagle(open_sink: SmtpSink) -> None:
    # aiosmtpd writes multi-line replies line by line: with Nagle on, every EHLO waits ~40 ms
    # for the client's delayed ACK, a cost no real relay has, and it would skew latency numbers.
    with smtplib.SMTP(*open_sink.address, timeout=10) as client:
        client.ehlo()
        controller = open_sink._controller
        assert controller is not None and controller.smtpd is not None
        server_socket = controller.smtpd.transport.get_extra_info("socket")
        assert server_socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_with_credentials_a_client_that_does_not_authenticate_is_refused(
    sink: SmtpSink, inbox: Inbox
) -> None:
    with pytest.raises(smtplib.SMTPSenderRefused) as caught:
        send(sink, alert_email(), mechanism=None)
    assert caught.value.smtp_code == 530 and inbox.count() == 0


def test_with_credentials_a_wrong_password_is_refused(sink: SmtpSink, inbox: Inbox) -> None:
    with pytest.raises(smtplib.SMTPAuthenticationError):
        send(sink, alert_email(), password="stale")
    assert sink.refused_logins == 1 and inbox.count() == 0


def test_without_credentials_any_client_is_accepted(open_sink: SmtpSink, inbox: Inbox) -> None:
    send(open_sink, alert_email(), mechanism=None)
    send(open_sink, alert_email(), password="anything")
    assert [n.meta["auth_user"] for n in inbox.all()] == ["", USER]


def test_the_mime_message_is_kept_whole_and_decoded(open_sink: SmtpSink, inbox: Inbox) -> None:
    send(open_sink, alert_email(text="GPU 3 at 95 °C on gpu-node-7"), mechanism=None)
    (got,) = inbox.all()
    assert got.text.strip() == "GPU 3 at 95 °C on gpu-node-7"
    assert "alertname = GpuHot" in got.html and "=3D" not in got.html
    assert b"Content-Transfer-Encoding: quoted-printable" in got.raw
    assert got.meta["rcpt_tos"] == ["oncall@cluster.example"]


def test_labels_are_read_back_from_alertmanagers_default_email_layout() -> None:
    got = email_notification(
        bytes(alert_email()), 0.0, rcpt_tos=[], mail_from="", auth_user="", recipients={}
    )
    assert got.structured
    assert got.alerts == (
        {"alertname": "GpuHot", "gpu": "3", "node": "gpu-node-7"},
        {"alertname": "GpuHot", "gpu": "5", "node": "gpu-node-7"},
    )


def test_a_custom_layout_leaves_the_mail_unstructured_but_searchable() -> None:
    message = alert_email(html="<p>GpuHot on <b>gpu-node-7</b></p>", subject="GPU alert")
    got = email_notification(bytes(message), 0.0, rcpt_tos=[], mail_from="", auth_user="", recipients={})
    assert not got.structured and got.alerts == () and got.status == ""
    assert "gpu-node-7" in got.content


def test_a_body_in_an_unknown_charset_is_kept_as_raw_text_with_the_reason() -> None:
    raw = (
        b"To: oncall@cluster.example\r\nSubject: [FIRING:1] X\r\n"
        b"Content-Type: text/plain; charset=x-klingon\r\n\r\nHostDown on gpu-node-7\r\n"
    )
    got = email_notification(raw, 0.0, rcpt_tos=[], mail_from="", auth_user="", recipients={})
    assert "HostDown on gpu-node-7" in got.text and got.status == "firing"
    assert "LookupError" in got.meta["parse_error"]


@pytest.mark.parametrize(
    ("message", "recipients", "receiver"),
    [
        pytest.param(alert_email(X_Stackcheck_Receiver="ml-oncall"), {}, "ml-oncall", id="stackcheck header"),
        pytest.param(alert_email(X_Alertmanager_Receiver="infra"), {}, "infra", id="alertmanager header"),
        pytest.param(
            alert_email(), {"ONCALL@cluster.example": "oncall-critical"}, "oncall-critical", id="to map"
        ),
        pytest.param(alert_email(to="a@x, b@y"), {"b@y": "team-b"}, "team-b", id="any to address maps"),
        pytest.param(alert_email(), {}, "oncall", id="local part of to"),
    ],
)
def test_the_receiver_is_found_from_headers_the_address_map_or_the_to_address(
    message: EmailMessage, recipients: dict[str, str], receiver: str
) -> None:
    got = email_notification(
        bytes(message), 0.0, rcpt_tos=[], mail_from="", auth_user="", recipients=recipients
    )
    assert got.receiver == receiver


@pytest.mark.parametrize(
    ("subject", "status"),
    [("[FIRING:1] X", "firing"), ("[RESOLVED] X", "resolved"), ("X resolved", "resolved"), ("X", "")],
)
def test_status_is_read_from_the_subject(subject: str, status: str) -> None:
    message = alert_email(subject=subject, html="<p>x</p>")
    assert (
        email_notification(bytes(message), 0.0, rcpt_tos=[], mail_from="", auth_user="", recipients={}).status
        == status
    )


@pytest.mark.parametrize(
    ("at", "status", "error"),
    [
        pytest.param("rcpt", 450, smtplib.SMTPRecipientsRefused, id="RCPT TO greylisting"),
        pytest.param("data", 451, smtplib.SMTPDataError, id="DATA command"),
        pytest.param("message", 554, smtplib.SMTPDataError, id="after the message"),
    ],
)
def test_an_injected_failure_is_answered_at_the_chosen_step_and_nothing_is_recorded(
    open_sink: SmtpSink, inbox: Inbox, at: str, status: int, error: type[Exception]
) -> None:
    open_sink.fail_with(status, at=at)  # type: ignore[arg-type]
    with pytest.raises(error, match=str(status)):
        send(open_sink, alert_email(), mechanism=None)
    assert inbox.count() == 0 and open_sink.attempts == 1


def test_a_failure_for_n_attempts_then_delivers(open_sink: SmtpSink, inbox: Inbox) -> None:
    open_sink.fail_with(451, times=2)
    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError):
            send(open_sink, alert_email(), mechanism=None)
    send(open_sink, alert_email(), mechanism=None)
    assert inbox.count() == 1 and open_sink.attempts == 3


@pytest.mark.parametrize(("status", "at"), [(250, "data"), (600, "data"), (451, "quit"), (451, "mail")])
def test_failures_that_are_not_smtp_failures_are_refused(open_sink: SmtpSink, status: int, at: str) -> None:
    with pytest.raises(ValueError):
        open_sink.fail_with(status, at=at)  # type: ignore[arg-type]


def test_a_closed_port_refuses_connections_until_reopened_on_the_same_port(
    open_sink: SmtpSink, inbox: Inbox
) -> None:
    port = open_sink.port
    open_sink.close()
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(*open_sink.address, timeout=5)
    open_sink.reopen()
    assert open_sink.port == port
    send(open_sink, alert_email(), mechanism=None)
    assert inbox.count() == 1


def test_a_slow_server_stalls_until_recovered(open_sink: SmtpSink, inbox: Inbox) -> None:
    open_sink.slow(60)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            send(open_sink, alert_email(), mechanism=None)
        except BaseException as err:
            errors.append(err)

    sender = threading.Thread(target=deliver)
    sender.start()
    while open_sink.attempts == 0 and sender.is_alive():
        sender.join(0.01)  # the attempt is counted before it stalls
    assert inbox.count() == 0
    open_sink.recover()
    sender.join(10)
    assert not sender.is_alive() and errors == [] and inbox.count() == 1


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    pytest.importorskip("cryptography", reason="STARTTLS certificates need the cryptography package")
    return self_signed_tls(["127.0.0.1", "smtp.cluster.example"], tmp_path_factory.mktemp("tls"))


def test_starttls_is_offered_only_with_a_server_context(open_sink: SmtpSink, tls_files: TlsFiles) -> None:
    with smtplib.SMTP(*open_sink.address, timeout=10) as client:
        client.ehlo()
        assert not client.has_extn("starttls")
    tls_sink = SmtpSink("127.0.0.1", 0, Inbox(), starttls=tls_files.server_context)
    with tls_sink, smtplib.SMTP(*tls_sink.address, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls")


def test_a_mail_sent_after_starttls_verifies_against_the_ca_and_is_marked_tls(tls_files: TlsFiles) -> None:
    inbox = Inbox()
    verify = ssl.create_default_context(cafile=str(tls_files.ca_file))
    with SmtpSink(
        "127.0.0.1", 0, inbox, credentials={USER: PASSWORD}, starttls=tls_files.server_context
    ) as sink:
        with smtplib.SMTP(*sink.address, timeout=10) as client:
            client.starttls(context=verify)
            client.login(USER, PASSWORD)
            client.send_message(alert_email())
        with smtplib.SMTP(*sink.address, timeout=10) as client:
            client.login(USER, PASSWORD)
            client.send_message(alert_email())
    assert [n.meta["tls"] for n in inbox.all()] == [True, False]
