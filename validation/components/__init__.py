"""The component registry: every component the harness knows, written once, in start order.

Everything else derives from it: the names stack.yaml accepts (core/project), the Stack's start
order and default selection, provision's default versions and optional components, the images.
To add a component: a module here with a ``Component`` subclass, and one entry below.
"""

from validation.components.alertmanager import Alertmanager
from validation.components.base import Component
from validation.components.grafana import Grafana
from validation.components.node_exporter import NodeExporter
from validation.components.prometheus import Prometheus
from validation.components.pushgateway import Pushgateway

# Start order: exporters and the gateway before Alertmanager, Alertmanager before Prometheus sends to it.
COMPONENTS: dict[str, Component] = {
    component.name: component
    for component in (NodeExporter(), Pushgateway(), Alertmanager(), Prometheus(), Grafana())
}


def component_names() -> tuple[str, ...]:
    return tuple(COMPONENTS)


def launched_by_default() -> tuple[str, ...]:
    """What a Stack starts unless told otherwise."""
    return tuple(name for name, component in COMPONENTS.items() if component.launched_by_stack)


def tool_package(tool: str) -> str:
    """The Debian package that ships a component's tool (promtool → prometheus)."""
    for component in COMPONENTS.values():
        if tool in component.extra_binaries:
            return component.debian_package
    return tool


__all__ = ["COMPONENTS", "Component", "component_names", "launched_by_default", "tool_package"]
