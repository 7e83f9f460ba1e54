"""The checks, registered once: ``GROUPS`` maps each group `--only` selects to its check classes,
in the order they run. One module, one class, one id prefix each.

A class listed under several groups runs once per run: the alert pipeline serves `alerts` and
`notifications` (it keeps the kinds of the groups selected), and the dashboard file checks belong
to `static` and, for a run without it, to `dashboards`. `dashboards` comes last on purpose: its
fixture serves GPU series that would fire alerts while the pipeline watches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from validation.checks.alerts.pipeline import AlertPipelineCheck
from validation.checks.base import Check, CheckContext, run_check
from validation.checks.dashboards.data import DashboardDataCheck
from validation.checks.dashboards.datasources import DashboardDatasourcesCheck
from validation.checks.dashboards.file import DashboardFileCheck
from validation.checks.dashboards.fixture import DashboardFixtureCheck
from validation.checks.dashboards.grafana import GrafanaApiCheck
from validation.checks.dashboards.panel_ids import DashboardPanelIdsCheck
from validation.checks.dashboards.previews import DashboardPreviewsCheck
from validation.checks.dashboards.provisioning import DashboardProvisioningCheck
from validation.checks.dashboards.queries import DashboardQueriesCheck
from validation.checks.dashboards.thresholds import DashboardThresholdsCheck
from validation.checks.dashboards.units import DashboardUnitsCheck
from validation.checks.dashboards.variables import DashboardVariablesCheck
from validation.checks.health.endpoints import HealthCheck
from validation.checks.scrape.exporter_series import ExporterSeriesCheck
from validation.checks.scrape.node_families import NodeFamiliesCheck
from validation.checks.scrape.targets import ScrapeTargetsCheck
from validation.checks.security.admin_endpoints import AdminEndpointsCheck
from validation.checks.security.advisories import AdvisoriesCheck
from validation.checks.security.auth_required import AuthRequiredCheck
from validation.checks.security.clustering import ClusteringCheck
from validation.checks.security.grafana_ini import GrafanaIniCheck
from validation.checks.security.grafana_users import GrafanaUsersCheck
from validation.checks.security.headers import HeadersCheck
from validation.checks.security.mutating import MutatingRefusedCheck
from validation.checks.security.tls_config import TlsConfigCheck
from validation.checks.security.tls_live import TlsLiveCheck
from validation.checks.static.alertmanager_config import AlertmanagerConfigCheck
from validation.checks.static.exporters import ExporterGapsCheck
from validation.checks.static.prometheus_config import PrometheusConfigCheck
from validation.checks.static.routes import RoutesCheck
from validation.checks.static.rule_tests import RuleTestsCheck
from validation.checks.static.rules import RulesCheck
from validation.checks.static.scenarios import ScenariosCheck
from validation.checks.static.templates import TemplatesCheck
from validation.checks.static.untested_rules import UntestedRulesCheck
from validation.checks.static.versions import VersionsCheck
from validation.checks.static.web_config import WebConfigCheck
from validation.core.results import Report

CheckType = type[Check]

DASHBOARD_FILES: tuple[CheckType, ...] = (
    DashboardFileCheck,
    DashboardDatasourcesCheck,
    DashboardPanelIdsCheck,
    DashboardUnitsCheck,
    DashboardThresholdsCheck,
    DashboardProvisioningCheck,
)
# The security group's checks that need no stack: `stackcheck check` runs them after `static`. In a
# run they see the stack (admin-endpoints and advisories then also read what really runs).
SECURITY_STATIC: tuple[CheckType, ...] = (
    ClusteringCheck,
    TlsConfigCheck,
    GrafanaIniCheck,
    AdminEndpointsCheck,
    AdvisoriesCheck,
)
GROUPS: dict[str, tuple[CheckType, ...]] = {
    "static": (
        PrometheusConfigCheck,
        RulesCheck,
        RuleTestsCheck,
        WebConfigCheck,
        AlertmanagerConfigCheck,
        TemplatesCheck,
        RoutesCheck,
        ScenariosCheck,
        ExporterGapsCheck,
        VersionsCheck,
        UntestedRulesCheck,
        *DASHBOARD_FILES,
    ),
    "health": (HealthCheck,),
    "security": (
        *SECURITY_STATIC,
        AuthRequiredCheck,
        MutatingRefusedCheck,
        TlsLiveCheck,
        HeadersCheck,
        GrafanaUsersCheck,
    ),
    "scrape": (ScrapeTargetsCheck, NodeFamiliesCheck, ExporterSeriesCheck),
    "alerts": (AlertPipelineCheck,),
    "notifications": (AlertPipelineCheck,),
    "dashboards": (
        *DASHBOARD_FILES,
        DashboardFixtureCheck,
        DashboardVariablesCheck,
        DashboardQueriesCheck,
        DashboardDataCheck,
        GrafanaApiCheck,
        DashboardPreviewsCheck,
    ),
    # a job of its own, not checks on the run's stack: validation.checks.faults.run_faults starts
    # its own stack beside this one (docs/faults.md)
    "faults": (),
}
ALL_GROUPS: tuple[str, ...] = tuple(GROUPS)


def checks_for(groups: Iterable[str], *, already_run: Iterable[CheckType] = ()) -> list[CheckType]:
    """The check classes of ``groups`` in registry order, each once, without ``already_run``."""
    wanted = set(groups)
    seen = set(already_run)
    chosen: list[CheckType] = []
    for group, check_types in GROUPS.items():
        if group not in wanted:
            continue
        for check_type in check_types:
            if check_type not in seen:
                seen.add(check_type)
                chosen.append(check_type)
    return chosen


def run_checks(check_types: Sequence[CheckType], ctx: CheckContext, report: Report) -> None:
    """Run each check in order (``run_check``: its severity stamped on its results); what they
    deferred (``ctx.defer``) runs at the end, even on error. ``ctx.progress`` hears each group
    start, each check finish with its results, each group end (a check reporting its own
    progress, the alert pipeline's per scenario, is left to it)."""
    try:
        for group, members in _by_group(check_types, ctx.groups):
            own = [t for t in members if getattr(t, "reports_progress", False)]
            if len(own) < len(members):
                ctx.progress.group_started(group, len(members) - len(own))
            for check_type in members:
                before = len(report.checks)
                run_check(check_type(), ctx, report)
                if check_type not in own:
                    ctx.progress.item_done(group, check_type.id, report.checks[before:])
            if len(own) < len(members):
                ctx.progress.group_finished(group)
    finally:
        ctx.close()


def _by_group(
    check_types: Sequence[CheckType], groups: Iterable[str] | None
) -> list[tuple[str, list[CheckType]]]:
    """Consecutive checks under the first selected group listing them, in order."""
    selected = [g for g in GROUPS if groups is None or g in set(groups)]
    out: list[tuple[str, list[CheckType]]] = []
    for check_type in check_types:
        group = next((g for g in selected if check_type in GROUPS[g]), check_type.id)
        if out and out[-1][0] == group:
            out[-1][1].append(check_type)
        else:
            out.append((group, [check_type]))
    return out


__all__ = ["ALL_GROUPS", "GROUPS", "SECURITY_STATIC", "Check", "CheckContext", "checks_for", "run_checks"]
