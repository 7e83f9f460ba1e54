"""The checks, grouped by what `--only` selects. One module, one class, one id prefix each."""

from __future__ import annotations

from validation.checks.base import Check, CheckContext
from validation.checks.health import HealthCheck
from validation.checks.scrape_node_families import NodeFamiliesCheck
from validation.checks.scrape_targets import ScrapeTargetsCheck
from validation.checks.security_auth import AuthRequiredCheck
from validation.checks.static_alertmanager_config import AlertmanagerConfigCheck
from validation.checks.static_prometheus_config import PrometheusConfigCheck
from validation.checks.static_routes import RoutesCheck
from validation.checks.static_rule_tests import RuleTestsCheck
from validation.checks.static_rules import RulesCheck
from validation.checks.static_templates import TemplatesCheck
from validation.checks.static_web_config import WebConfigCheck

STATIC: list[type[Check]] = [
    PrometheusConfigCheck,
    RulesCheck,
    RuleTestsCheck,
    WebConfigCheck,
    AlertmanagerConfigCheck,
    TemplatesCheck,
    RoutesCheck,
]
RUNTIME: dict[str, list[type[Check]]] = {
    "health": [HealthCheck, AuthRequiredCheck],
    "scrape": [ScrapeTargetsCheck, NodeFamiliesCheck],
}

__all__ = ["RUNTIME", "STATIC", "Check", "CheckContext"]
