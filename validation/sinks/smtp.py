"""Email sink: a real SMTP server (aiosmtpd) that Alertmanager delivers to.

AUTH PLAIN and LOGIN are offered over the plain connection (Alertmanager authenticates when
``smtp_auth_username`` is set). With ``credentials`` given, authentication is required and
checked, so a config that forgets ``smtp_auth_*`` or carries the wrong password fails as it would
against the real relay; without, any user is accepted and its name recorded. Whole MIME messages
are kept (``Notification.raw``) and parsed: subject, text and html bodies decoded.

``recipients`` maps To addresses to receiver names (the harness knows them from
alertmanager.yml); see ``email_message`` for how the receiver of a mail is found.
``mailboxes`` (fixtures/endpoints.yaml) are the addresses that exist: any other is refused at
RCPT with 550 and kept in ``rejected``.

STARTTLS is offered when a ``starttls`` server context is given (``tls.self_signed_tls`` makes
one): Alertmanager's default ``smtp_require_tls: true`` needs it, and then needs to trust the
certificate (``tls_config.ca_file``). ``Notification.meta["tls"]`` says whether the mail came
over TLS. Without it, the config under test needs ``smtp_require_tls: false``.

Limits: no implicit TLS (SMTPS, port 465); no CRAM-MD5.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import weakref
from collections.abc import Mapping
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from validation.sinks.base import Rejection, Sink
from validation.sinks.email_message import email_notification, receiver_for_address
from validation.sinks.faults import Decision
from validation.sinks.inbox import Inbox

FailStage = Literal["rcpt", "data", "message"]
FAIL_STAGES: tuple[FailStage, ...] = ("rcpt", "data", "message")


def _quiet_deprecations(record: logging.LogRecord) -> bool:
    # aiosmtpd itself touches its deprecated Session.login_data on every AUTH.
    return "login_data is deprecated" not in record.getMessage()


class _SMTP(SMTP):
    # The challenges real relays (Postfix, Exchange) send; Alertmanager's LOGIN client expects
    # exactly these and aborts on aiosmtpd's default "User Name".
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def connection_made(self, transport: Any) -> None:
        # aiosmtpd writes a multi-line reply line by line; with Nagle on, the client's delayed
        # ACK adds ~40 ms to every EHLO, which real relays (one write per reply) do not.
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

    async def smtp_DATA(self, arg: str) -> None:
        failure = self.event_handler._failure_at("data", self.session)
        if failure:
            await self.push(failure)
            return
        await super().smtp_DATA(arg)


class _BoundController(Controller):
    """aiosmtpd's Controller serving an already bound socket, so port 0 works without a race."""

    def __init__(self, handler: Any, sock: socket.socket, **kwargs: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._sock = sock

    def factory(self) -> SMTP:
        return _SMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class SmtpSink(Sink):
    """SMTP server recording every accepted message; one delivery attempt = one transaction."""

    kind = "email"

    def __init__(
        self,
        host: str,
        port: int,
        inbox: Inbox,
        *,
        credentials: Mapping[str, str] | None = None,
        recipients: Mapping[str, str] | None = None,
        starttls: ssl.SSLContext | None = None,
        mailboxes: frozenset[str] | None = None,
        name: str = "",
    ) -> None:
        """``mailboxes``: the addresses this relay accepts (fixtures/endpoints.yaml); any other is
        refused at RCPT, as a real relay does. None accepts every address."""
        super().__init__(host, port, inbox)
        self.mailboxes = frozenset(m.lower() for m in mailboxes) if mailboxes is not None else None
        self.name = name or f"{host}:{port}"
        self.starttls = starttls
        self.credentials = dict(credentials or {})
        self.recipients = dict(recipients or {})
        # No attribute of this handler may start with "auth_": aiosmtpd would offer it as a mechanism.
        self.refused_logins = 0
        self.fail_stage: FailStage = "data"
        self._decisions: weakref.WeakKeyDictionary[Session, Decision] = weakref.WeakKeyDictionary()
        self._controller: _BoundController | None = None

    def fail_with(
        self,
        status: int = 451,
        times: int | None = None,
        *,
        receiver: str | None = None,
        at: FailStage = "data",
    ) -> None:
        """Reply ``status`` to the ``at`` step of the next ``times`` transactions (all when None).

        ``receiver`` limits it to mails whose first recipient belongs to that receiver (by
        ``recipients``, else the address' local part). ``at``: "rcpt" (RCPT TO, where relays
        greylist), "data" (the DATA command itself, before any content) or "message" (the final
        reply after the content).
        Alertmanager 0.25 ignores the final reply (``defer wc.Close()`` in notify/email), so a
        failure "message" loses the mail without a retry or a log line; use "data" to see retries.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"an SMTP failure is a 4xx or 5xx reply, got {status}")
        if at not in FAIL_STAGES:
            raise ValueError(f"at must be one of {FAIL_STAGES}, got {at!r}")
        self.fail_stage = at
        super().fail_with(status, times, receiver=receiver)

    def _open(self) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
            sock.listen(64)
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        logging.getLogger("mail.log").addFilter(_quiet_deprecations)
        # Authentication is enforced in handle_MAIL rather than with aiosmtpd's auth_required,
        # which warns on every connection when TLS is not required (the point of this sink).
        tls: dict[str, Any] = {"tls_context": self.starttls} if self.starttls else {}
        controller = _BoundController(
            self, sock, authenticator=self._authenticate, auth_require_tls=False, ready_timeout=10.0, **tls
        )
        try:
            controller.start()
        except BaseException:
            sock.close()
            raise
        self._controller = controller

    def _shutdown(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        if self.credentials and self.credentials.get(user) != password:
            self.refused_logins += 1
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=user)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.credentials and not session.authenticated:
            return "530 5.7.0 Authentication required"
        self._decisions.pop(session, None)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if session not in self._decisions:
            # One transaction is one delivery attempt, for the receiver of its first recipient.
            decision = self.faults.begin_attempt(receiver_for_address(address, self.recipients))
            if decision.delay > 0:
                await asyncio.to_thread(self.faults.stall, decision.delay)
            self._decisions[session] = decision
        failure = self._failure_at("rcpt", session)
        if failure:
            return failure
        if self.mailboxes is not None and address.lower() not in self.mailboxes:
            known = ", ".join(sorted(self.mailboxes)) or "none"
            self.rejected.append(
                Rejection(
                    f"RCPT TO:<{address}>",
                    f"relay {self.name} has no mailbox {address} (it accepts: {known})",
                    b"",
                    receiver_for_address(address, self.recipients),
                    f"mail to {address} via {self.name}",
                )
            )
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    def _failure_at(self, stage: FailStage, session: Session) -> str:
        decision = self._decisions.get(session)
        if decision is None or decision.status is None or stage != self.fail_stage:
            return ""
        self._decisions[session] = Decision(decision.delay, None)
        code = decision.status
        return f"{code} {code // 100}.3.0 failure injected by stackcheck at {stage}"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self._failure_at("message", session)
        if failure:
            return failure
        received_at = self.inbox.clock()
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        notification = email_notification(
            raw,
            received_at,
            rcpt_tos=list(envelope.rcpt_tos),
            mail_from=envelope.mail_from or "",
            auth_user=str(session.auth_data or "") if session.authenticated else "",
            recipients=self.recipients,
            tls=session.ssl is not None,
        )
        self.inbox.record(notification)
        return "250 2.0.0 Message accepted for delivery"
