"""security/<instance>/headers — live responses carry the security headers web.yml sets.

Catches: ``http_server_config.headers`` of a web.yml that the running component does not send
(a binary too old for the setting, a web.yml not loaded, a typo in a header name that the
exporter-toolkit rejects), so browsers get no CSP, framing or HSTS protection (an error). A
web.yml that does not set X-Content-Type-Options, X-Frame-Options, Content-Security-Policy (and,
with TLS, Strict-Transport-Security) is a warning: nothing is broken, nothing is hardened.
"""

from __future__ import annotations

import time

import requests

from validation.checks.base import Check, CheckContext, relative
from validation.core.results import Report
from validation.core.yamlload import load_yaml

HARDENING = ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy")


def configured_headers(inst_web_config: object) -> dict[str, str]:
    data = load_yaml(inst_web_config) if inst_web_config else {}  # type: ignore[arg-type]
    headers = ((data or {}).get("http_server_config") or {}).get("headers") or {}
    return {str(k): str(v) for k, v in headers.items()}


class HeadersCheck(Check):
    id = "security"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        for inst in stack.instances():
            check_id = f"{self.id}/{inst.name}/headers"
            start = time.monotonic()
            wanted = configured_headers(inst.config.web_config)
            web = relative(ctx.project, inst.config.web_config) if inst.config.web_config else "no web.yml"
            auth = stack.credentials(inst.name) if inst.user else None
            problems, seen = [], 0
            for path in dict.fromkeys(("/", inst.component.ready_path)):
                try:
                    response = requests.get(inst.url + path, auth=auth, timeout=5, verify=stack.verify)
                except requests.RequestException as exc:
                    problems.append(f"GET {path}: {exc.__class__.__name__}")
                    continue
                seen += 1
                for name, value in wanted.items():
                    got = response.headers.get(name)
                    if got != value:
                        problems.append(f"GET {path}: {name} exp {value!r}, got {got!r}")
            seconds = time.monotonic() - start
            if problems:
                report.failed(
                    check_id,
                    self.kind,
                    f"{web}: {'; '.join(problems)}. Hint: http_server_config.headers "
                    "needs exporter-toolkit ≥ 0.7 (Prometheus ≥ 2.33, node_exporter ≥ 1.4)",
                    seconds,
                )
                continue
            missing = [h for h in HARDENING if h.lower() not in {k.lower() for k in wanted}]
            if inst.tls and "strict-transport-security" not in {k.lower() for k in wanted}:
                missing.append("Strict-Transport-Security")
            if missing:
                report.failed(
                    check_id,
                    self.kind,
                    f"{web}: sets no {', '.join(missing)} "
                    "(http_server_config.headers). Hint: see stack/prometheus/web.yml for a hardened set",
                    seconds,
                    severity="warning",
                )
            else:
                report.passed(
                    check_id, self.kind, f"{len(wanted)} configured headers on {seen} live responses", seconds
                )
