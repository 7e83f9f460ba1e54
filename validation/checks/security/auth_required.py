"""security/<instance>/auth-required — every GET endpoint refuses strangers (401).

Catches: a web.yml that is not loaded (flag missing), or has no users, which would expose the
API, the UI, the federation endpoint and the metrics of Prometheus, Alertmanager, the
Pushgateway or node_exporter to anyone who reaches the port. Each endpoint of
validation/checks/security/endpoints.py is sent without credentials and with a wrong password.
"""

from __future__ import annotations

import time

from validation.checks.base import Check, CheckContext
from validation.checks.security.endpoints import GET, Endpoint, send
from validation.core.results import Report


class AuthRequiredCheck(Check):
    id = "security"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        for inst in stack.instances():
            if not inst.component.auth_protected:
                continue
            check_id = f"{self.id}/{inst.name}/auth-required"
            start = time.monotonic()
            if not inst.user:
                report.failed(
                    check_id,
                    self.kind,
                    f"{inst.name} has no web config with users: anyone can call it. "
                    "Hint: set web_config in stack.yaml and add basic_auth_users",
                )
                continue
            seen = []
            paths = GET.get(
                inst.component.name, (inst.component.healthy_path, inst.component.ready_path, "/metrics")
            )
            for label, auth in (
                ("no credentials", None),
                ("wrong password", (inst.user, "not-the-password")),
            ):
                for path in paths:
                    code = send(inst.url, Endpoint("GET", path), auth, stack.verify)
                    if code != 401:
                        seen.append(f"{label} GET {path} → {code}")
            seconds = time.monotonic() - start
            if seen:
                report.failed(
                    check_id,
                    self.kind,
                    f"exp: 401 for every request without valid credentials, got: "
                    f"{'; '.join(seen)}. Hint: check --web.config.file and basic_auth_users",
                    seconds,
                )
            else:
                report.passed(
                    check_id, self.kind, f"{len(paths)} GET endpoints refused strangers", seconds=seconds
                )
