"""One module per component; ``SPECS`` maps the stack.yaml name to its spec."""

from validation.components.alertmanager import ALERTMANAGER
from validation.components.base import ComponentSpec
from validation.components.grafana import GRAFANA
from validation.components.node_exporter import NODE_EXPORTER
from validation.components.prometheus import PROMETHEUS
from validation.components.pushgateway import PUSHGATEWAY

SPECS: dict[str, ComponentSpec] = {
    spec.name: spec for spec in (PROMETHEUS, ALERTMANAGER, PUSHGATEWAY, NODE_EXPORTER, GRAFANA)
}

__all__ = ["SPECS", "ComponentSpec"]
