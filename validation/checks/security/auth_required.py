"""security/<instance>/auth-required — without credentials, or with a wrong password, every
protected endpoint answers 401.

Catches: a web.yml that is not loaded (flag missing), or users left out, which would expose
the admin surface of Prometheus, Alertmanager or the Pushgateway to anyone on the network.
"""

from __future__ import annotations

import requests

from validation.checks.base import Check, CheckContext
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
            timing = report.timed(check_id, self.kind)
            if not inst.user:
                report.failed(
                    check_id,
                    self.kind,
                    f"{inst.name} has no web config with users: anyone can call it. "
                    "Hint: set web_config in stack.yaml and add basic_auth_users",
                )
                continue
            seen = []
            for label, auth in (
                ("no credentials", None),
                ("wrong password", (inst.user, "not-the-password")),
            ):
                for path in dict.fromkeys(
                    (inst.component.healthy_path, inst.component.ready_path, "/metrics")
                ):
                    try:
                        code = requests.get(inst.url + path, auth=auth, timeout=5).status_code
                    except requests.RequestException as exc:
                        code = -1
                        seen.append(f"{label} {path}: {exc.__class__.__name__}")
                    if code != 401:
                        seen.append(f"{label} GET {path} → {code}")
            if seen:
                timing.failed(
                    f"exp: 401 for every request without valid credentials, got: "
                    f"{'; '.join(seen)}. Hint: check --web.config.file and basic_auth_users"
                )
            else:
                timing.passed()
