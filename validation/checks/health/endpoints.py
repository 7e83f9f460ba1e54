"""health/<instance>/{healthy,ready} — every component answers its health and readiness
endpoints with credentials.

Catches: a component that started but is not serving (storage, config reload, cluster).
"""

from __future__ import annotations

import time

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
                check_id = f"{self.id}/{inst.name}/{probe}"
                start = time.monotonic()
                try:
                    response = requests.get(inst.url + path, auth=auth, timeout=5)
                except requests.RequestException as exc:
                    report.failed(
                        check_id,
                        self.kind,
                        f"GET {path}: {exc.__class__.__name__}: {exc}. Hint: see "
                        f"`stackcheck` logs of {inst.name}",
                        time.monotonic() - start,
                    )
                    continue
                seconds = time.monotonic() - start
                if response.status_code == 200:
                    report.passed(check_id, self.kind, seconds=seconds)
                else:
                    report.failed(
                        check_id,
                        self.kind,
                        f"GET {path}: exp: 200, got: {response.status_code} "
                        f"{response.text[:200]!r}. Hint: the component log says why",
                        seconds,
                    )
