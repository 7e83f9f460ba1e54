"""security/<component>/admin-endpoints — lifecycle and admin APIs are off, or behind authentication.

Catches: ``web.enable-admin-api`` (Prometheus: delete series, snapshot, clean tombstones;
Pushgateway: wipe) or ``web.enable-lifecycle`` (``/-/reload``, ``/-/quit``) switched on for a
component without basic-auth users — anyone could wipe or stop it (a failure); switched on
with authentication, it is a failed warning that reports the state (on without a stated need
widens what a leaked password can do; warnings change the exit code only with --strict). Judged by upstream defaults (both off), not by a distribution's.
Alertmanager's ``/-/reload`` cannot be switched off: it must be authenticated.

Static from stack.yaml; in a run the state Prometheus really runs with is read from its
``/api/v1/status/flags`` (with credentials, read-only).
"""

from __future__ import annotations

import time

from validation.checks.base import Check, CheckContext
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.render.web_config import read_users

SWITCHES = {
    "prometheus": ("web.enable-lifecycle", "web.enable-admin-api"),
    "pushgateway": ("web.enable-lifecycle", "web.enable-admin-api"),
}
ALWAYS_ON = {"alertmanager": "/-/reload"}


def _on(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


class AdminEndpointsCheck(Check):
    id = "security"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        for name, config in ctx.project.components.items():
            if name not in SWITCHES and name not in ALWAYS_ON:
                continue
            start = time.monotonic()
            check_id = f"{self.id}/{name}/admin-endpoints"
            try:
                authenticated = bool(config.web_config and read_users(config.web_config))
            except StackcheckError:
                authenticated = False
            state = {flag: _on(config.flags.get(flag, False)) for flag in SWITCHES.get(name, ())}
            live = ""
            if (
                ctx.stack is not None
                and name == "prometheus"
                and "prometheus" in {i.name for i in ctx.stack.instances()}
            ):
                try:
                    flags = ctx.stack.prometheus().get_json("/api/v1/status/flags").get("data", {})
                    state = {flag: _on(flags.get(flag, "false")) for flag in SWITCHES[name]}
                    live = " (as running: /api/v1/status/flags)"
                except StackcheckError as exc:
                    report.failed(check_id, self.kind, f"reading the running flags: {exc.render()}")
                    continue
            on = [f for f, v in state.items() if v] + ([ALWAYS_ON[name]] if name in ALWAYS_ON else [])
            described = ", ".join(f"{f}={'on' if v else 'off'}" for f, v in state.items()) or "no switch"
            if name in ALWAYS_ON:
                described += f"; {ALWAYS_ON[name]} always on"
            seconds = time.monotonic() - start
            if on and not authenticated:
                report.failed(
                    check_id,
                    self.kind,
                    f"{name}: {', '.join(on)} on without authentication{live}: anyone can reload, stop or "
                    "wipe it. Hint: turn them off in stack.yaml flags or add basic_auth_users to its web.yml",
                    seconds,
                )
            elif [f for f in on if f in state]:
                report.failed(
                    check_id,
                    self.kind,
                    f"{described}{live} — on and authenticated; a leaked password can also reload, stop "
                    "or wipe it. Hint: switch off in stack.yaml flags what nothing needs",
                    seconds,
                    severity="warning",
                    state=state,
                )
            else:
                report.passed(check_id, self.kind, f"{described}{live}", seconds, state=state)
