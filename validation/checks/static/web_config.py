"""static/web-config/<component> — `promtool check web-config` on every web.yml.

Catches: a malformed web.yml or a basic_auth hash that is not bcrypt — which would lock
everyone out (or, with no users, let everyone in: reported as a failure too).
"""

from __future__ import annotations

from validation.checks.base import Check, CheckContext, relative
from validation.clients.tools import run_tool
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.render.web_config import read_users


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
            result = run_tool("promtool", ["check", "web-config", str(config.web_config)])
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
