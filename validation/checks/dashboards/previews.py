"""dashboards/previews/… — a PNG per executed dashboard in ``<report_dir>/dashboards/``.

Skipped, with the reason, where a preview cannot be drawn (matplotlib not installed — the
``previews`` extra —, a panel type it cannot draw). Measurements: ``dashboards_previews_s`` and
``dashboards_previews`` (the files written).
"""

from __future__ import annotations

from validation.checks.base import Check, CheckContext
from validation.checks.dashboards.session import session_for
from validation.core.extras import missing_extra
from validation.core.results import Report


class DashboardPreviewsCheck(Check):
    id = "dashboards/previews"
    kind = "dashboard"

    def run(self, ctx: CheckContext, report: Report) -> None:
        try:
            import validation.dashboards.preview  # noqa: F401  (needs matplotlib, optional)
            from validation.dashboards.preview_process import render_session_elsewhere
        except ImportError as exc:  # matplotlib is optional
            report.skipped(self.id, self.kind, f"no previews: {missing_extra(exc, 'previews')}")
            return
        drawing = report.timed(self.id, self.kind)
        errors: list[str] = []
        # in a child process: drawing holds the GIL, and other jobs' stacks are served from this one
        written = render_session_elsewhere(session_for(ctx), ctx.report_dir / "dashboards", errors)
        for error in errors:
            report.skipped(f"{self.id}/{error.split(':', 1)[0]}", self.kind, f"no preview: {error}")
        report.measurements["dashboards_previews_s"] = round(drawing.seconds, 3)
        report.measurements["dashboards_previews"] = [str(p) for p in written]
