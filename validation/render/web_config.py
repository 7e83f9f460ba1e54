"""Render a copy of an exporter-toolkit web.yml with the run's password.

Each configured user keeps its name; its bcrypt hash is replaced by a hash of the run's
password at the configured cost (so authentication costs what it costs in production).
``tls_server_config`` is honoured: its certificate and key become a certificate the run's CA
issued for the component's configured host name and its loopback address (render/tls.py), so
the component serves TLS under test exactly when the config says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from validation.core.errors import ConfigError, HarnessError
from validation.core.yamlload import load_yaml, to_plain
from validation.render.context import RenderContext

DEFAULT_COST = 10
CLIENT_CERT_REQUIRED = ("RequireAnyClientCert", "RequireAndVerifyClientCert")


def read_users(path: Path) -> dict[str, str]:
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise ConfigError(
            "expected a mapping", place=str(path), hint="see the exporter-toolkit web config docs"
        )
    users = data.get("basic_auth_users") or {}
    if not isinstance(users, dict):
        raise ConfigError("basic_auth_users must be a mapping user: bcrypt-hash", place=str(path))
    return {str(k): str(v) for k, v in users.items()}


def serves_tls(path: Path | None) -> bool:
    """Whether this web.yml turns TLS on (a ``tls_server_config`` with a certificate)."""
    if path is None:
        return False
    data = load_yaml(path) or {}
    tls = data.get("tls_server_config") if isinstance(data, dict) else None
    return isinstance(tls, dict) and bool(tls.get("cert_file") or tls.get("cert"))


def _cost(hashed: str) -> int:
    parts = hashed.split("$")
    return int(parts[2]) if len(parts) > 3 and parts[2].isdigit() else DEFAULT_COST


def render_web_config(
    source: Path, ctx: RenderContext, name: str, tls_hosts: Sequence[str] = ()
) -> tuple[Path, str]:
    """Write the run copy; returns (path, first user name) — the user probes authenticate as.

    ``tls_hosts``: the names the run's certificate is issued for (configured host, loopback IP).
    """
    data: dict[str, Any] = dict(load_yaml(source) or {})
    users = read_users(source)
    if not users:
        ctx.warn(f"{source}: no basic_auth_users — {name} accepts unauthenticated requests")
    cache: dict[int, str] = {}
    rendered_users = {}
    for user, hashed in users.items():
        cost = _cost(hashed)
        if cost not in cache:
            cache[cost] = bcrypt.hashpw(ctx.password.encode(), bcrypt.gensalt(rounds=cost)).decode()
        rendered_users[user] = cache[cost]
    if serves_tls(source):
        data["tls_server_config"] = _render_tls(dict(data["tls_server_config"]), source, ctx, name, tls_hosts)
    if rendered_users:
        data["basic_auth_users"] = rendered_users
    target = ctx.config_dir / name / "web.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(to_plain(data), sort_keys=False), encoding="utf-8")
    return target, next(iter(users), "")


def _render_tls(
    tls: dict[str, Any], source: Path, ctx: RenderContext, name: str, hosts: Sequence[str]
) -> dict[str, Any]:
    if str(tls.get("client_auth_type", "")) in CLIENT_CERT_REQUIRED:
        raise HarnessError(
            f"{name}: client_auth_type {tls['client_auth_type']} (mutual TLS) cannot be exercised yet",
            place=str(source),
            hint="the harness issues server certificates only; use VerifyClientCertIfGiven or no client auth",
        )
    if not hosts:
        raise HarnessError(f"{name}: no host name to issue a TLS certificate for", place=str(source))
    cert_file, key_file = ctx.ca.issue(name, hosts)
    for inline in ("cert", "key"):
        tls.pop(inline, None)
    tls["cert_file"], tls["key_file"] = str(cert_file), str(key_file)
    if tls.get("client_ca_file") or tls.get("client_ca"):
        tls.pop("client_ca", None)
        tls["client_ca_file"] = str(ctx.ca.ca_file)
    return tls
