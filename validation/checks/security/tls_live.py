"""security/<instance>/tls — the endpoint speaks verified TLS and nothing else.

Catches: a component whose web.yml has no ``tls_server_config`` (basic-auth passwords, alerts
and metrics travel in clear), most often one web.yml that turns TLS off while the others keep
it; and a TLS endpoint that still answers plain HTTP. Live, on the running stack:
- with the run's CA and valid credentials, HTTPS must answer the readiness path (200);
- plain HTTP to the same port must not be served (Go answers 400);
- HTTPS verified against the system's roots instead of the run's CA must fail verification.
Prometheus' own clients are proven by the scrape and alert groups (their scrapes verify too).
"""

from __future__ import annotations

import time

from validation.checks.base import Check, CheckContext, relative
from validation.checks.security.endpoints import Endpoint, send
from validation.core.results import Report


class TlsLiveCheck(Check):
    id = "security"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        instances = stack.instances()
        with_tls = [i.name for i in instances if i.tls]
        for inst in instances:
            check_id = f"{self.id}/{inst.name}/tls"
            start = time.monotonic()
            web = inst.config.web_config
            where = relative(ctx.project, web) if web else "stack.yaml (no web_config)"
            place = str(web or ctx.project.stack_dir / "stack.yaml")
            if not inst.tls:
                others = f" while {', '.join(with_tls)} serve TLS" if with_tls else ""
                report.failed(
                    check_id,
                    self.kind,
                    f"{where}: no tls_server_config — {inst.name} serves plain HTTP{others}; its "
                    "basic-auth password and data travel in clear. Hint: add tls_server_config "
                    "(cert_file, key_file) and scheme: https + tls_config.ca_file in its clients",
                    time.monotonic() - start,
                    file=place,
                )
                continue
            auth = stack.credentials(inst.name) if inst.user else None
            ready = Endpoint("GET", inst.component.ready_path)
            problems = []
            code = send(inst.url, ready, auth, stack.verify)
            if code != 200:
                problems.append(f"HTTPS with the run's CA: exp 200, got {code}")
            plain = send(inst.url.replace("https://", "http://", 1), ready, auth, True)
            if isinstance(plain, int) and 200 <= plain < 400:
                problems.append(f"plain HTTP was served ({plain})")
            untrusted = send(inst.url, ready, auth, True)
            if untrusted != "SSLError":
                problems.append(f"HTTPS verified against the system roots: exp SSLError, got {untrusted}")
            seconds = time.monotonic() - start
            if problems:
                report.failed(check_id, self.kind, f"{where}: {'; '.join(problems)}", seconds, file=place)
            else:
                report.passed(
                    check_id,
                    self.kind,
                    f"verified TLS; plain HTTP answered {plain}; an unknown CA is refused",
                    seconds,
                )
