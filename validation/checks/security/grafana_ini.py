"""security/grafana/<setting> — grafana.ini read statically: closed to strangers, no default secrets.

Catches, by Grafana's upstream defaults (defaults.ini) where grafana.ini says nothing:
- ``anonymous``: ``[auth.anonymous] enabled = true`` publishes every dashboard (the cluster's
  topology, node names, GPU use) to anyone who reaches Grafana;
- ``sign-up``: ``[users] allow_sign_up = true`` lets anyone create an account;
- ``admin-password``: unset (upstream default ``admin``) or written inline in the file instead
  of coming from the environment (``$__env{…}``, ``${…}``) or a file (``$__file{…}``);
- ``secret-key``: unset (the upstream default key, public, encrypts datasource passwords) or inline;
- ``cookies``: ``cookie_secure`` off (the session cookie would travel over plain HTTP) or
  ``cookie_samesite`` none/disabled (cross-site requests carry the session);
- ``embedding``: ``allow_embedding = true`` lets any site frame Grafana (clickjacking).
Runs in ``stackcheck check`` and in the run's security group; no Grafana needed.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from validation.checks.base import Check, CheckContext, relative
from validation.core.results import Report

INDIRECT = re.compile(r"^\$(__env|__file|__vault)\{[^}]+\}$|^\$\{[^}]+\}$")
UPSTREAM_DEFAULTS = {
    ("auth.anonymous", "enabled"): "false",
    ("users", "allow_sign_up"): "false",
    ("security", "admin_password"): "admin",
    ("security", "secret_key"): "SW2YcwTIb9zpOOhoPsMm",
    ("security", "cookie_secure"): "false",
    ("security", "cookie_samesite"): "lax",
    ("security", "allow_embedding"): "false",
}


# (check, section, key, what "on" exposes, the passed message): settings that must be off
MUST_BE_OFF = (
    (
        "anonymous",
        "auth.anonymous",
        "enabled",
        "anonymous access is on — every dashboard is public",
        "anonymous access off",
    ),
    ("sign-up", "users", "allow_sign_up", "anyone can sign up", "sign-up off"),
    ("embedding", "security", "allow_embedding", "any site may frame Grafana", "embedding off"),
)


@dataclass(frozen=True)
class Setting:
    value: str
    line: int  # 0: not in the file (the upstream default applies)


def read_ini(path: Path) -> dict[tuple[str, str], Setting]:
    """Grafana's ini: ``[section]``, ``key = value``, ``;`` / ``#`` comments; lines kept."""
    settings: dict[tuple[str, str], Setting] = {}
    section = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip().lower()
            continue
        key, sep, value = line.partition("=")
        if sep:
            value = value.strip()
            if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            settings[(section, key.strip().lower())] = Setting(value, number)
    return settings


class GrafanaIniCheck(Check):
    id = "security/grafana"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        config = ctx.project.components.get("grafana")
        if config is None or config.config is None:
            return
        start = time.monotonic()
        where = relative(ctx.project, config.config)
        settings = read_ini(config.config)

        def get(section: str, key: str) -> Setting:
            return settings.get((section, key), Setting(UPSTREAM_DEFAULTS.get((section, key), ""), 0))

        def place(section: str, key: str) -> str:
            setting = get(section, key)
            return (
                f"{where}:{setting.line} [{section}] {key}"
                if setting.line
                else f"{where} [{section}] {key} (unset)"
            )

        def verdict(name: str, problem: str | None, ok: str, line: int = 0) -> None:
            if problem:
                report.failed(
                    f"{self.id}/{name}",
                    self.kind,
                    problem,
                    time.monotonic() - start,
                    file=str(config.config),
                    line=line or None,
                )
            else:
                report.passed(f"{self.id}/{name}", self.kind, ok, time.monotonic() - start)

        def on(section: str, key: str) -> bool:
            return get(section, key).value.lower() in ("true", "1", "yes", "on")

        for name, section, key, risk, off in MUST_BE_OFF:
            verdict(
                name,
                f"{place(section, key)}: {risk}. Hint: {key} = false" if on(section, key) else None,
                off,
                get(section, key).line,
            )
        for name, key in (("admin-password", "admin_password"), ("secret-key", "secret_key")):
            setting = get("security", key)
            problem = None
            if not setting.line:
                problem = f"{place('security', key)}: the upstream default applies, which is public"
            elif not INDIRECT.match(setting.value):
                problem = f"{place('security', key)}: written inline in the file"
            verdict(
                name,
                f"{problem}. Hint: {key} = $__env{{GF_SECURITY_{key.upper()}}} or $__file{{/run/secrets/…}}"
                if problem else None,
                f"from {setting.value.split('{')[0]}{{…}}",
                setting.line,
            )  # fmt: skip
        cookie_problems = []
        if not on("security", "cookie_secure"):
            cookie_problems.append(
                f"{place('security', 'cookie_secure')}: off — the session cookie may travel in clear"
            )
        if get("security", "cookie_samesite").value.lower() in ("none", "disabled"):
            cookie_problems.append(
                f"{place('security', 'cookie_samesite')}: cross-site requests carry the session"
            )
        verdict(
            "cookies",
            "; ".join(cookie_problems) + ". Hint: cookie_secure = true (TLS in front of Grafana), "
            "cookie_samesite = lax or strict"
            if cookie_problems
            else None,
            f"cookie_secure on, cookie_samesite {get('security', 'cookie_samesite').value}",
            get("security", "cookie_secure").line,
        )
