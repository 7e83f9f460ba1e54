"""security/<instance>/mutating-refused — reload, quit, admin, silences and pushes refuse strangers.

Catches: a component whose mutating endpoints (Prometheus ``/-/reload``, ``/-/quit``,
``/api/v1/admin/tsdb/*``; Alertmanager ``/-/reload``, silences and alerts; Pushgateway
PUT / POST / DELETE of groups, ``/api/v1/admin/wipe``, ``/-/quit``) can be called without valid
credentials — anyone could stop it, wipe its data, silence every alert or push fake series.

Requests are sent only without credentials or with a wrong password, and only when every GET
already answered 401: a component that lets strangers in would otherwise really be stopped.
"""

from __future__ import annotations

import time

from validation.checks.base import Check, CheckContext
from validation.checks.security.endpoints import GET, MUTATING, Endpoint, send
from validation.core.results import Report


class MutatingRefusedCheck(Check):
    id = "security"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        for inst in stack.instances():
            endpoints = MUTATING.get(inst.component.name, ())
            if not endpoints:
                continue
            check_id = f"{self.id}/{inst.name}/mutating-refused"
            start = time.monotonic()
            if not inst.user:
                report.failed(check_id, self.kind, f"{inst.name} has no users: nothing refuses strangers. "
                              "Hint: set web_config in stack.yaml and add basic_auth_users")  # fmt: skip
                continue
            open_gets = [
                p
                for p in GET.get(inst.component.name, ())
                if send(inst.url, Endpoint("GET", p), None, stack.verify) != 401
            ]
            if open_gets:
                report.failed(
                    check_id,
                    self.kind,
                    f"not probed: GET {', '.join(open_gets)} answered strangers, so a request without "
                    "credentials would really reload, stop or wipe it. Hint: fix auth-required first",
                    time.monotonic() - start,
                )
                continue
            seen = []
            for label, auth in (
                ("no credentials", None),
                ("wrong password", (inst.user, "not-the-password")),
            ):
                for endpoint in endpoints:
                    code = send(inst.url, endpoint, auth, stack.verify)
                    if code != 401:
                        seen.append(f"{label} {endpoint} → {code}")
            seconds = time.monotonic() - start
            if seen:
                report.failed(
                    check_id,
                    self.kind,
                    f"exp: 401 for every mutating request without valid credentials, got: {'; '.join(seen)}. "
                    "Hint: the web.yml must cover every endpoint (exporter-toolkit basic_auth_users)",
                    seconds,
                )
            else:
                names = ", ".join(str(e) for e in endpoints)
                report.passed(check_id, self.kind, f"refused without valid credentials: {names}", seconds)
