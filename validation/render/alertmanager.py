"""Render the run copy of alertmanager.yml and say which sinks it needs.

- the SMTP smarthost, webhook URLs and Slack URLs are sent to loopback stand-ins keeping
  their ports and paths (a wrong port or path stays wrong). Slack URLs that live in a secret
  file (``api_url_file``) are the harness's to choose: each Slack receiver gets
  ``http://<slack sink>/services/<receiver>`` so deliveries can be told apart;
- integrations without a sink here (PagerDuty, OpsGenie, …) are removed and reported, so no
  notification ever leaves the machine;
- secrets point to the run's files; template paths to the run's copies.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from validation.core.errors import ConfigError
from validation.core.yamlload import load_yaml, to_plain
from validation.render.addresses import split_host_port
from validation.render.context import RenderContext

SLACK_SECRET_HOST = "hooks.slack.com"
SLACK_SECRET_PORT = 8443
WEBHOOK_SECRET_HOST = "webhook-secret"
WEBHOOK_SECRET_PORT = 8080
SUPPORTED = ("email_configs", "slack_configs", "webhook_configs")
UNSUPPORTED_GLOBALS = (
    "pagerduty_url",
    "opsgenie_api_url",
    "opsgenie_api_key",
    "victorops_api_url",
    "wechat_api_url",
    "telegram_api_url",
    "webex_api_url",
)


@dataclass(frozen=True)
class SinkEndpoint:
    """Where a sink must listen for this config: kind, configured host, loopback ip, port."""

    kind: str  # smtp | slack | webhook
    host: str
    ip: str
    port: int


@dataclass
class RenderedAlertmanager:
    path: Path
    receivers: list[str]
    sinks: set[SinkEndpoint] = field(default_factory=set)
    uncompressible: list[str] = field(default_factory=list)
    email_recipients: dict[str, str] = field(default_factory=dict)  # address → receiver
    smtp_users: set[str] = field(default_factory=set)
    # "kind host:port/path" the config sends to → receiver: names a delivery to a wrong path
    senders: dict[str, str] = field(default_factory=dict)


def secret_path(kind: str, receiver: str) -> str:
    """The path of the URL the harness gives a receiver whose URL lives in a secret file."""
    return f"/services/{receiver}" if kind == "slack" else f"/{receiver}"


def sender_key(kind: str, host: str, port: int, path: str) -> str:
    return f"{kind} {host}:{port}{path.split('?', 1)[0] or '/'}"


def _map_url(
    url: str, ctx: RenderContext, kind: str, sinks: set[SinkEndpoint], senders: dict[str, str], receiver: str
) -> str:
    parts = urlsplit(url)
    host, port = split_host_port(parts.netloc.rpartition("@")[2])
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    ip = ctx.addresses.address_of(host)
    sinks.add(SinkEndpoint(kind, host, ip, port))
    senders.setdefault(sender_key(kind, host, port, parts.path), receiver)
    if parts.scheme == "https":
        ctx.warn(f"{url}: https is spoken as plain http to the loopback sink (no TLS under test)")
    return urlunsplit(("http", f"{ip}:{port}", parts.path, parts.query, ""))


def render_alertmanager(source: Path, ctx: RenderContext, *, own_host: str) -> RenderedAlertmanager:
    raw = load_yaml(source)
    if not isinstance(raw, dict):
        raise ConfigError(
            "expected a mapping at the top", place=f"{source}:1", hint="see alertmanager.yml docs"
        )
    data: dict[str, Any] = to_plain(raw)
    out_dir = ctx.config_dir / "alertmanager"
    out_dir.mkdir(parents=True, exist_ok=True)
    sinks: set[SinkEndpoint] = set()
    glob = data.setdefault("global", {}) or {}
    data["global"] = glob
    password_file = str(ctx.password_file())

    for key in UNSUPPORTED_GLOBALS:
        glob.pop(key, None)
    if "smtp_smarthost" in glob:
        glob["smtp_smarthost"] = _map_smarthost(str(glob["smtp_smarthost"]), ctx, sinks, own_host)
    if "smtp_auth_password_file" in glob or "smtp_auth_password" in glob:
        glob.pop("smtp_auth_password", None)
        glob["smtp_auth_password_file"] = password_file
    slack_global = glob.pop("slack_api_url", None)
    had_slack_file = glob.pop("slack_api_url_file", None) is not None
    _map_http_config(glob.get("http_config"), password_file)

    receivers: list[str] = []
    senders: dict[str, str] = {}
    recipients: dict[str, str] = {}
    smtp_users = {str(glob["smtp_auth_username"])} if glob.get("smtp_auth_username") else set()
    for receiver in data.get("receivers") or []:
        name = str(receiver.get("name", ""))
        receivers.append(name)
        for key in list(receiver):
            if key.endswith("_configs") and key not in SUPPORTED:
                ctx.warn(f"{source}: receiver {name!r}: {key} has no sink here and is not exercised")
                del receiver[key]
        for email in receiver.get("email_configs") or []:
            for address in str(email.get("to", "")).split(","):
                if address.strip():
                    recipients.setdefault(address.strip().lower(), name)
            if email.get("auth_username"):
                smtp_users.add(str(email["auth_username"]))
            if "smarthost" in email:
                email["smarthost"] = _map_smarthost(str(email["smarthost"]), ctx, sinks, own_host)
            if "auth_password_file" in email or "auth_password" in email:
                email.pop("auth_password", None)
                email["auth_password_file"] = password_file
            _map_http_config(email.get("http_config"), password_file)
        for slack in receiver.get("slack_configs") or []:
            url = slack.pop("api_url", None) or slack_global
            if slack.pop("api_url_file", None) is not None or (url is None and had_slack_file):
                url = f"http://{SLACK_SECRET_HOST}:{SLACK_SECRET_PORT}{secret_path('slack', name)}"
            if url is None:
                ctx.warn(
                    f"{source}: receiver {name!r}: slack_configs without api_url; Alertmanager rejects it"
                )
                continue
            slack["api_url"] = _map_url(str(url), ctx, "slack", sinks, senders, name)
            _map_http_config(slack.get("http_config"), password_file)
        for hook in receiver.get("webhook_configs") or []:
            if "url_file" in hook:
                hook.pop("url_file")
                hook["url"] = (
                    f"http://{WEBHOOK_SECRET_HOST}:{WEBHOOK_SECRET_PORT}{secret_path('webhook', name)}"
                )
            if "url" in hook:
                hook["url"] = _map_url(str(hook["url"]), ctx, "webhook", sinks, senders, name)
            _map_http_config(hook.get("http_config"), password_file)

    _copy_templates(data, source, out_dir, ctx)
    uncompressible: list[str] = []
    if ctx.time_scale != 1:
        from validation.timescale.alertmanager_config import compress_alertmanager_config

        data, uncompressible = compress_alertmanager_config(data, ctx.time_scale)
    path = out_dir / "alertmanager.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return RenderedAlertmanager(path, receivers, sinks, uncompressible, recipients, smtp_users, senders)


def _map_smarthost(smarthost: str, ctx: RenderContext, sinks: set[SinkEndpoint], own_host: str) -> str:
    host, port = split_host_port(smarthost)
    host = own_host if host in {"localhost", "127.0.0.1"} else host
    port = port or 25
    ip = ctx.addresses.address_of(host)
    sinks.add(SinkEndpoint("smtp", host, ip, port))
    return f"{ip}:{port}"


def _map_http_config(http: Any, password_file: str) -> None:
    if not isinstance(http, dict):
        return
    for section in ("basic_auth", "authorization", "oauth2"):
        inner = http.get(section)
        if not isinstance(inner, dict):
            continue
        for key in ("password_file", "credentials_file", "client_secret_file"):
            if key in inner:
                inner[key] = password_file


def _copy_templates(data: dict[str, Any], source: Path, out_dir: Path, ctx: RenderContext) -> None:
    """Copy the template files the config references into the run directory and point the config
    at the copies; missing ones are reported by the static check."""
    rendered: list[str] = []
    target_dir = out_dir / "templates"
    target_dir.mkdir(parents=True, exist_ok=True)
    for pattern in data.get("templates") or []:
        base = Path(pattern) if Path(pattern).is_absolute() else source.parent / pattern
        matches = sorted(base.parent.glob(base.name)) if base.parent.is_dir() else []
        if not matches:
            ctx.warn(f"{source}: templates entry {pattern!r} matches no file")
        for match in matches:
            target = target_dir / match.name
            shutil.copyfile(match, target)
        rendered.append(str(target_dir / base.name))
    if "templates" in data:
        data["templates"] = rendered
