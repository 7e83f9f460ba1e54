"""Pushgateway (Debian names it prometheus-pushgateway)."""

from validation.components.base import ComponentSpec

PUSHGATEWAY = ComponentSpec(
    name="pushgateway",
    binaries=("prometheus-pushgateway", "pushgateway"),
    debian_package="prometheus-pushgateway",
    image="prom/pushgateway",
    ready_path="/-/ready",
    healthy_path="/-/healthy",
    container_entrypoint="/bin/pushgateway",
    path_flags=("persistence.file",),
)
