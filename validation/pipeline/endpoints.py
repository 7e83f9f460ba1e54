"""notifications/<receiver>/endpoint: every delivery went to an endpoint that exists outside the
stack (fixtures/endpoints.yaml) — a webhook path, a mailbox, a Slack channel.

Catches: a typo in a webhook URL's path, an email ``to:`` no mailbox answers, a Slack config
posting to a channel its webhook does not belong to. The sinks refuse such deliveries as the
real services would; this names the receiver and what it tried.
"""

from __future__ import annotations

from collections.abc import Iterable

from validation.core.results import Report
from validation.fixtures.endpoints import FILE_NAME
from validation.sinks import Notification
from validation.sinks.base import Rejection


def record_endpoint_checks(
    rejections: Iterable[Rejection], inbox: list[Notification], has_oracle: bool, report: Report
) -> None:
    """One check per receiver that delivered or tried to: ``rejections`` are the sinks' refusals
    of every stack the scenarios ran on, ``inbox`` what they accepted."""
    if not has_oracle:
        report.skipped(
            "notifications/endpoints",
            "notification",
            f"no fixtures/{FILE_NAME}: deliveries are not checked against the endpoints that exist "
            "outside the stack (a typo in a URL path, a to: or a channel passes)",
        )
        return
    tried: dict[str, dict[str, str]] = {}  # receiver → what it tried → why it does not exist
    for rejection in rejections:
        if rejection.endpoint:
            tried.setdefault(rejection.receiver or "?", {}).setdefault(rejection.endpoint, rejection.reason)
    for receiver, attempts in sorted(tried.items()):
        report.failed(
            f"notifications/{receiver}/endpoint",
            "notification",
            f"receiver {receiver!r} sent to what does not exist outside the stack: "
            + "; ".join(f"{what} ({why})" for what, why in sorted(attempts.items()))
            + f". Hint: fix the receiver in alertmanager.yml, or declare the endpoint in fixtures/{FILE_NAME} "
            "if it really exists",
        )
    for receiver in sorted({n.receiver for n in inbox} - set(tried)):
        report.passed(
            f"notifications/{receiver}/endpoint", "notification", "every delivery reached a declared endpoint"
        )
