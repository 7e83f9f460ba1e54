"""Render a copy of an exporter-toolkit web.yml with the run's password.

Each configured user keeps its name; its bcrypt hash is replaced by a hash of the run's
password at the configured cost (so authentication costs what it costs in production).
TLS settings are dropped (the harness speaks plain HTTP on loopback) and reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bcrypt
import yaml

from validation.core.errors import ConfigError
from validation.core.yamlload import load_yaml, to_plain
from validation.render.context import RenderContext

DEFAULT_COST = 10


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


def _cost(hashed: str) -> int:
    parts = hashed.split("$")
    return int(parts[2]) if len(parts) > 3 and parts[2].isdigit() else DEFAULT_COST


def render_web_config(source: Path, ctx: RenderContext, name: str) -> tuple[Path, str]:
    """Write the run copy; returns (path, first user name) — the user probes authenticate as."""
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
    if "tls_server_config" in data:
        ctx.warn(f"{source}: tls_server_config is not used under test (plain HTTP on loopback)")
        data.pop("tls_server_config")
    if rendered_users:
        data["basic_auth_users"] = rendered_users
    target = ctx.config_dir / name / "web.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(to_plain(data), sort_keys=False), encoding="utf-8")
    return target, next(iter(users), "")
