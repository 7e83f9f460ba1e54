"""Which sinks a rendered alertmanager.yml needs, at the addresses render chose."""

from __future__ import annotations

from validation.render.alertmanager import RenderedAlertmanager
from validation.sinks import Inbox, SlackSink, SmtpSink, WebhookSink
from validation.sinks.base import Sink


def notification_sinks(rendered: RenderedAlertmanager, inbox: Inbox, password: str) -> list[Sink]:
    """One real endpoint per (kind, address) the config sends to; SMTP requires the configured
    user names with the run's password, so a wrong user name fails delivery as it would in production."""
    sinks: list[Sink] = []
    for endpoint in sorted(rendered.sinks, key=lambda e: (e.kind, e.ip, e.port)):
        if endpoint.kind == "smtp":
            credentials = {user: password for user in rendered.smtp_users}
            sinks.append(
                SmtpSink(
                    endpoint.ip,
                    endpoint.port,
                    inbox,
                    credentials=credentials,
                    recipients=rendered.email_recipients,
                )
            )
        elif endpoint.kind == "slack":
            sinks.append(SlackSink(endpoint.ip, endpoint.port, inbox))
        else:
            sinks.append(WebhookSink(endpoint.ip, endpoint.port, inbox))
    return sinks
