"""Turn ``PanelResult``s into results.json checks (kind ``dashboard``) and panel coverage.

Check ids are ``dashboards/<dashboard uid>/<panel id>[/<repeat value>]`` — stable across runs as
long as panel ids are. A panel passes when every target built, parsed and ran and at least one
returned a series; it is skipped when nothing in it is runnable here (library panel, other
datasource types).
"""

from __future__ import annotations

from typing import Any

from validation.core.results import CheckResult
from validation.dashboards.execute import PanelResult


def panel_check(result: PanelResult) -> CheckResult:
    details: dict[str, Any] = {
        "title": result.title,
        "targets": [
            {"ref_id": t.ref_id, "expr": t.expr, "step": t.step, "series": t.series, "error": t.error}
            for t in result.targets
        ],
    }
    runnable = [t for t in result.targets if not t.skipped]
    if result.skipped or not runnable:
        reasons = result.skipped or "; ".join(sorted({t.skipped for t in result.targets})) or "no targets"
        return CheckResult(result.check_id, "dashboard", "skipped", message=reasons, details=details)
    if result.errors:
        message = (
            f"panel {result.title!r}: exp: every query runs, got: {'; '.join(result.errors)}. "
            "Hint: the expression shown in details is what Grafana would send; try it in Prometheus"
        )
        return CheckResult(result.check_id, "dashboard", "failed", message=message, details=details)
    if not result.has_data:
        exprs = "; ".join(t.expr for t in runnable)
        message = (
            f"panel {result.title!r}: exp: at least one series, got: none from {exprs}. "
            "Hint: check metric names and label values (job, node) against what the targets expose"
        )
        return CheckResult(result.check_id, "dashboard", "failed", message=message, details=details)
    return CheckResult(result.check_id, "dashboard", "passed", details=details)


def panel_coverage(results: list[PanelResult]) -> dict[str, Any]:
    """The ``coverage.panels`` member of results.json."""
    runnable = [r for r in results if not r.skipped and any(not t.skipped for t in r.targets)]
    return {
        "total": len(runnable),
        "with_data": sum(1 for r in runnable if r.has_data),
        "without_data": sorted(r.check_id for r in runnable if not r.has_data),
    }
