"""health/<instance>/{healthy,ready} — every component answers its health and readiness
endpoints with credentials.

Catches: a component that started but is not serving (storage, config reload, cluster).
"""

from __future__ import annotations

import requests

from validation.checks.base import Check, CheckContext
from validation.core.results import Report


class HealthCheck(Check):
    id = "health"
    kind = "health"

    def run(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        for inst in stack.instances():
            auth = stack.credentials(inst.name) if inst.user else None
            for probe, path in (
                ("healthy", inst.component.healthy_path),
                ("ready", inst.component.ready_path),
            ):
                timing = report.timed(f"{self.id}/{inst.name}/{probe}", self.kind)
                try:
                    response = requests.get(inst.url + path, auth=auth, timeout=5, verify=stack.verify)
                except requests.RequestException as exc:
                    timing.failed(
                        f"GET {path}: {exc.__class__.__name__}: {exc}. Hint: see "
                        f"`stackcheck` logs of {inst.name}"
                    )
                    continue
                if response.status_code == 200:
                    timing.passed()
                else:
                    timing.failed(
                        f"GET {path}: exp: 200, got: {response.status_code} "
                        f"{response.text[:200]!r}. Hint: the component log says why"
                    )
