"""Grafana dashboards with Grafana's own semantics, proven through Prometheus (no Grafana needed).

Modules: ``loader`` (JSON → ``model``), ``datasources`` (provisioned datasources, references),
``formats`` + ``interpolate`` (variable syntax and formats), ``variables`` (resolution, query
variables), ``macros`` (interval, step, $__rate_interval…), ``execute`` (run every target),
``thresholds`` (panel thresholds for the alert cross-check), ``report`` (results.json checks),
``client`` (the Prometheus API Protocol; ``validation.clients.prometheus`` implements it).

Typical use::

    dashboards = load_dashboards(Path("stack/grafana/dashboards"))
    datasources = load_provisioned_datasources(Path("stack/grafana/provisioning/datasources"))
    for dashboard in dashboards:
        results = execute_dashboard(dashboard, client, TimeRange.last(3600), datasources)
"""

from validation.dashboards.datasources import Datasource, load_provisioned_datasources
from validation.dashboards.execute import PanelResult, TargetResult, execute_dashboard
from validation.dashboards.loader import load_dashboard, load_dashboards, parse_dashboard
from validation.dashboards.macros import TimeRange

__all__ = [
    "Datasource",
    "PanelResult",
    "TargetResult",
    "TimeRange",
    "execute_dashboard",
    "load_dashboard",
    "load_dashboards",
    "load_provisioned_datasources",
    "parse_dashboard",
]
