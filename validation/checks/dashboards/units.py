"""dashboards/<uid>/units: every panel that plots numbers declares a unit, and it fits the data.

Catches: a panel without ``fieldConfig.defaults.unit``: Grafana then prints bare numbers, so a ratio
of 0.93 and 93 % look alike and bytes have no prefix — the on-call reads the wrong magnitude. Tables,
text and panels without queries are exempt. With the executed data: a 0–1 ratio (a division, no
``100``) shown with unit ``percent`` reads "0.9 %", and a 0–100 percentage (``* 100``) shown with
``percentunit`` reads "9300 %".
"""

from __future__ import annotations

import re

from validation.checks.dashboards.session import SessionCheck
from validation.core.results import Report
from validation.dashboards.execute import PanelResult
from validation.dashboards.model import Panel
from validation.dashboards.session import DashboardSession, dashboard_key

_HUNDRED = re.compile(r"(?<![\w.])100(?:\.0*)?(?![\w.])")
_RATIO_NAME = re.compile(r"ratio|utili[sz]ation|fraction", re.IGNORECASE)

NUMERIC_TYPES = frozenset(
    {"timeseries", "graph", "stat", "gauge", "bargauge", "singlestat", "heatmap", "barchart"}
)


class DashboardUnitsCheck(SessionCheck):
    id = "dashboards"
    kind = "dashboard"
    severity = "warning"  # presentation: the panel still shows the right data

    def evaluate(self, session: DashboardSession, report: Report) -> None:
        for dashboard in session.dashboards:
            check_id = f"{self.id}/{dashboard_key(dashboard)}/units"
            missing = [
                f"{p.title!r} (id {p.id})"
                for p in dashboard.query_panels()
                if p.type in NUMERIC_TYPES and p.targets and not p.unit
            ]
            run = session.run_of(dashboard)
            results = {r.panel_id: r for r in run.panels} if run and not run.error else {}
            wrong = [
                problem
                for p in dashboard.query_panels()
                if p.type in NUMERIC_TYPES and p.id in results
                for problem in [unit_contradiction(p, results[p.id])]
                if problem
            ]
            problems = []
            if missing:
                problems.append(
                    f"exp: a unit on every numeric panel, got: none on {', '.join(missing)}. Hint: set "
                    "Standard options > Unit (percentunit, bytes, s, ...)"
                )
            problems += wrong
            if problems:
                report.failed(
                    check_id,
                    self.kind,
                    f"dashboard {dashboard_key(dashboard)}: " + "; ".join(problems),
                    file=dashboard.source or None,
                )
            else:
                report.passed(check_id, self.kind)


def _unit_overridden(panel: Panel) -> bool:
    overrides = ((panel.raw.get("fieldConfig") or {}).get("overrides")) or []
    return any(
        isinstance(p, dict) and p.get("id") == "unit"
        for o in overrides
        if isinstance(o, dict)
        for p in o.get("properties") or []
    )


def unit_contradiction(panel: Panel, result: PanelResult) -> str:
    """Why the panel's unit misreads the values its queries returned ("" when it fits)."""
    if panel.unit not in ("percent", "percentunit") or _unit_overridden(panel):
        return ""
    ran = [t for t in result.targets if t.executed and not t.error and t.last_values]
    values = [v for t in ran for v in t.last_values if v == v]
    if not ran or not values:
        return ""
    exprs = [t.expr or t.raw_expr for t in ran]
    where = f"panel {panel.title!r} (id {panel.id})"
    if panel.unit == "percent":
        ratio = all(not _HUNDRED.search(e) and ("/" in e or _RATIO_NAME.search(e)) for e in exprs)
        if ratio and all(0 <= v <= 1 for v in values) and any(v > 0 for v in values):
            shown = max(values)
            return (
                f'{where}: unit percent on a 0–1 ratio: {shown:.3g} reads as "{shown:.3g} %". '
                "Hint: use unit percentunit (0–1), or multiply the query by 100"
            )
    elif all(_HUNDRED.search(e) for e in exprs) and any(1.5 < v <= 100 for v in values):
        shown = max(values)
        return (
            f"{where}: unit percentunit on a 0–100 percentage (the query multiplies by 100): "
            f'{shown:.3g} reads as "{shown * 100:.4g} %". Hint: use unit percent, or drop the * 100'
        )
    return ""
