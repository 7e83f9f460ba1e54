"""An email as Alertmanager sends it (whole MIME message) → ``Notification``.

The receiver of a mail is, in order: an ``X-Stackcheck-Receiver`` or ``X-Alertmanager-Receiver``
header; the receiver ``recipients`` maps a To (or envelope) address to, compared without case;
the local part of the first To address.

Limits: only text/plain and text/html parts are read (attachments are ignored); labels come
from Alertmanager's default email layout only (see ``rendered``). A body that cannot be decoded
(unknown charset) is kept as raw text with ``meta["parse_error"]`` saying why.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import getaddresses

from validation.sinks.inbox import Notification
from validation.sinks.rendered import html_to_text, labels_from_default_email, status_from_text

RECEIVER_HEADERS = ("X-Stackcheck-Receiver", "X-Alertmanager-Receiver")


def receiver_for_address(address: str, recipients: Mapping[str, str]) -> str:
    """The receiver ``recipients`` maps ``address`` to (without case), else its local part."""
    lowered = {addr.lower(): name for addr, name in recipients.items()}
    return lowered.get(address.lower(), address.split("@", 1)[0])


def _part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_subtype() != subtype:
        return ""
    content = body.get_content()
    return content if isinstance(content, str) else content.decode("utf-8", "replace")


def email_notification(
    raw: bytes,
    received_at: float,
    *,
    rcpt_tos: list[str],
    mail_from: str,
    auth_user: str,
    recipients: Mapping[str, str],
    tls: bool = False,
) -> Notification:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    to = [addr for _, addr in getaddresses(message.get_all("To", []))] or list(rcpt_tos)
    receiver = next((str(message[h]) for h in RECEIVER_HEADERS if message[h]), "")
    if not receiver:
        lowered = {addr.lower(): name for addr, name in recipients.items()}
        receiver = next((lowered[a.lower()] for a in [*to, *rcpt_tos] if a.lower() in lowered), "")
    if not receiver and to:
        receiver = to[0].split("@", 1)[0]
    subject = str(message.get("Subject", ""))
    problem = ""
    try:
        text, html = _part(message, "plain"), _part(message, "html")
    except (LookupError, ValueError) as err:
        # An unknown charset or broken encoding: keep the mail readable rather than lose it.
        text, html, problem = raw.decode("utf-8", "replace"), "", f"{type(err).__name__}: {err}"
    alerts = labels_from_default_email(html_to_text(html) if html else text)
    return Notification(
        kind="email",
        receiver=receiver,
        received_at=received_at,
        status=status_from_text(subject, text, html_to_text(html)),
        subject=subject,
        text=text,
        html=html,
        raw=raw,
        alerts=alerts,
        structured=bool(alerts),
        meta={
            "to": to,
            "rcpt_tos": list(rcpt_tos),
            "mail_from": mail_from,
            "auth_user": auth_user,
            "parse_error": problem,
            "tls": tls,
        },
    )
