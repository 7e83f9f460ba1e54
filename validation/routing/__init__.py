"""Alertmanager routing-tree evaluation (labels → receivers), inhibition, and route test cases.

Entry points: ``load_alertmanager_config(path).receivers_for(labels)``, ``inhibited(...)``,
``run_routes_cases(alertmanager_yml, cases_file)`` / ``format_outcome(outcome)`` for
``stackcheck routes FILE``, and ``check_routing_properties(config, examples)``.
"""

from validation.routing.cases import RoutesOutcome, format_outcome, run_routes_cases
from validation.routing.config import AlertmanagerConfig, load_alertmanager_config, parse_alertmanager_config
from validation.routing.inhibition import InhibitRule, inhibited
from validation.routing.matchers import Matcher, MatcherError, parse_matcher, parse_matchers
from validation.routing.properties import check_routing_properties, example_label_sets
from validation.routing.tree import Route, RouteOpts

__all__ = [
    "AlertmanagerConfig",
    "InhibitRule",
    "Matcher",
    "MatcherError",
    "Route",
    "RouteOpts",
    "RoutesOutcome",
    "check_routing_properties",
    "example_label_sets",
    "format_outcome",
    "inhibited",
    "load_alertmanager_config",
    "parse_alertmanager_config",
    "parse_matcher",
    "parse_matchers",
    "run_routes_cases",
]
