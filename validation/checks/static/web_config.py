"""static/web-config/<component> — `promtool check web-config` on every web.yml.

Catches: a malformed web.yml or a basic_auth hash that is not bcrypt — which would lock
everyone out (or, with no users, let everyone in: reported as a failure too). A web.yml with
``tls_server_config`` is checked as the run serves it: its certificate paths name the deploy's
files, so promtool reads a copy holding a certificate of a throwaway CA.
"""

from __future__ import annotations

from validation.checks.base import Check, CheckContext, relative
from validation.clients.tools import run_tool
from validation.core.errors import ConfigError, StackcheckError
from validation.core.results import Report
from validation.render.addresses import AddressMap
from validation.render.context import RenderContext
from validation.render.web_config import read_users, render_web_config, serves_tls


class WebConfigCheck(Check):
    id = "static/web-config"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        for name, config in ctx.project.components.items():
            if config.web_config is None:
                continue
            check_id = f"{self.id}/{name}"
            timing = report.timed(check_id, self.kind)
            where = relative(ctx.project, config.web_config)
            checked = config.web_config
            try:
                if serves_tls(config.web_config):
                    render_ctx = RenderContext(ctx.work_dir / "web-config", AddressMap(block=0))
                    host = config.host or name
                    checked, _ = render_web_config(config.web_config, render_ctx, name, (host, "127.0.0.1"))
            except ConfigError as exc:  # a HarnessError (no cryptography, mutual TLS) is exit 2
                timing.failed(exc.render(), file=where)
                continue
            result = run_tool("promtool", ["check", "web-config", str(checked)])
            if not result.ok:
                timing.failed(
                    f"{where}: {result.output}. Hint: see the exporter-toolkit web configuration docs",
                    file=where,
                )
                continue
            try:
                users = read_users(config.web_config)
            except StackcheckError as exc:
                timing.failed(exc.render(), file=where)
                continue
            if not users:
                timing.failed(
                    f"{where}: no basic_auth_users — {name} would answer anyone. "
                    "Hint: add a user with a bcrypt hash",
                    file=where,
                )
                continue
            weak = [u for u, h in users.items() if not h.startswith(("$2a$", "$2b$", "$2y$"))]
            if weak:
                timing.failed(
                    f"{where}: users {weak} have no bcrypt hash. Hint: hash with `htpasswd -nBC 10 user`",
                    file=where,
                )
                continue
            timing.passed()
