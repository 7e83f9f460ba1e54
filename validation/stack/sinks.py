"""Which sinks a rendered alertmanager.yml needs, at the addresses render chose, serving the
endpoints fixtures/endpoints.yaml says exist (all addresses when the project has no such file)."""

from __future__ import annotations

from validation.fixtures.endpoints import Endpoints, HttpEndpoint
from validation.render.alertmanager import (
    SLACK_SECRET_HOST,
    SLACK_SECRET_PORT,
    WEBHOOK_SECRET_HOST,
    WEBHOOK_SECRET_PORT,
    RenderedAlertmanager,
    SinkEndpoint,
    secret_path,
)
from validation.sinks import Inbox, SlackSink, SmtpSink, WebhookSink
from validation.sinks.base import Sink


def served_paths(endpoints: Endpoints, at: SinkEndpoint) -> dict[str, HttpEndpoint]:
    """path → declared endpoint for the sink at ``at``; receiver-named ones (URL in a secret file)
    live at the URL the harness gives that receiver."""
    secret = {
        "slack": (SLACK_SECRET_HOST, SLACK_SECRET_PORT),
        "webhook": (WEBHOOK_SECRET_HOST, WEBHOOK_SECRET_PORT),
    }
    served: dict[str, HttpEndpoint] = {}
    for declared in endpoints.http(at.kind):
        if declared.receiver:
            if (at.host, at.port) == secret[at.kind]:
                served[secret_path(at.kind, declared.receiver)] = declared
        elif (declared.host, declared.port) == (at.host, at.port):
            served[declared.path] = declared
    return served


def notification_sinks(
    rendered: RenderedAlertmanager, inbox: Inbox, password: str, endpoints: Endpoints | None = None
) -> list[Sink]:
    """One real endpoint per (kind, address) the config sends to; SMTP requires the configured
    user names with the run's password, so a wrong user name fails delivery as it would in production."""
    sinks: list[Sink] = []
    for endpoint in sorted(rendered.sinks, key=lambda e: (e.kind, e.ip, e.port)):
        name = f"{endpoint.host}:{endpoint.port}"
        if endpoint.kind == "smtp":
            credentials = {user: password for user in rendered.smtp_users}
            sinks.append(
                SmtpSink(
                    endpoint.ip,
                    endpoint.port,
                    inbox,
                    credentials=credentials,
                    recipients=rendered.email_recipients,
                    mailboxes=endpoints.mailboxes_at(endpoint.host, endpoint.port) if endpoints else None,
                    name=name,
                )
            )
            continue
        served = served_paths(endpoints, endpoint) if endpoints else None
        prefix = f"{endpoint.kind} {name}"
        senders = {
            key[len(prefix) :]: receiver
            for key, receiver in rendered.senders.items()
            if key.startswith(prefix + "/")
        }
        sink_type = SlackSink if endpoint.kind == "slack" else WebhookSink
        sinks.append(sink_type(endpoint.ip, endpoint.port, inbox, served=served, name=name, senders=senders))
    return sinks
