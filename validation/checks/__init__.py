"""The checks, grouped by what `--only` selects. One module, one class, one id prefix each."""

from __future__ import annotations

from validation.checks.base import Check, CheckContext
from validation.checks.health.endpoints import HealthCheck
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
from validation.checks.static.prometheus_config import PrometheusConfigCheck
from validation.checks.static.routes import RoutesCheck
from validation.checks.static.rule_tests import RuleTestsCheck
from validation.checks.static.rules import RulesCheck
from validation.checks.static.templates import TemplatesCheck
from validation.checks.static.web_config import WebConfigCheck

STATIC: list[type[Check]] = [
    PrometheusConfigCheck,
    RulesCheck,
    RuleTestsCheck,
    WebConfigCheck,
    AlertmanagerConfigCheck,
    TemplatesCheck,
    RoutesCheck,
]
# The security group's checks that need no stack: also part of `stackcheck check`. In a run they
# see the stack (admin-endpoints and advisories then read what really runs).
SECURITY_STATIC: list[type[Check]] = [
    ClusteringCheck,
    TlsConfigCheck,
    GrafanaIniCheck,
    AdminEndpointsCheck,
    AdvisoriesCheck,
]
RUNTIME: dict[str, list[type[Check]]] = {
    "health": [HealthCheck],
    "security": [
        *SECURITY_STATIC,
        AuthRequiredCheck,
        MutatingRefusedCheck,
        TlsLiveCheck,
        HeadersCheck,
        GrafanaUsersCheck,
    ],
    "scrape": [ScrapeTargetsCheck, NodeFamiliesCheck],
}

__all__ = ["RUNTIME", "SECURITY_STATIC", "STATIC", "Check", "CheckContext"]
