"""The checks, grouped by what `--only` selects. One module, one class, one id prefix each."""

from __future__ import annotations

from validation.checks.base import Check, CheckContext
from validation.checks.health.endpoints import HealthCheck
from validation.checks.scrape.node_families import NodeFamiliesCheck
from validation.checks.scrape.targets import ScrapeTargetsCheck
from validation.checks.security.auth_required import AuthRequiredCheck
from validation.checks.static.alertmanager_config import AlertmanagerConfigCheck
from validation.checks.static.prometheus_config import PrometheusConfigCheck
from validation.checks.static.routes import RoutesCheck
from validation.checks.static.rule_tests import RuleTestsCheck
from validation.checks.static.rules import RulesCheck
from validation.checks.static.scenarios import ScenariosCheck
from validation.checks.static.templates import TemplatesCheck
from validation.checks.static.untested_rules import UntestedRulesCheck
from validation.checks.static.versions import VersionsCheck
from validation.checks.static.web_config import WebConfigCheck

STATIC: list[type[Check]] = [
    PrometheusConfigCheck,
    RulesCheck,
    RuleTestsCheck,
    WebConfigCheck,
    AlertmanagerConfigCheck,
    TemplatesCheck,
    RoutesCheck,
    ScenariosCheck,
    VersionsCheck,
    UntestedRulesCheck,
]
RUNTIME: dict[str, list[type[Check]]] = {
    "health": [HealthCheck, AuthRequiredCheck],
    "scrape": [ScrapeTargetsCheck, NodeFamiliesCheck],
}

__all__ = ["RUNTIME", "STATIC", "Check", "CheckContext"]
