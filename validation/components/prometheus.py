"""Prometheus server."""

from validation.components.base import ComponentSpec

PROMETHEUS = ComponentSpec(
    name="prometheus",
    binaries=("prometheus",),
    debian_package="prometheus",
    image="prom/prometheus",
    ready_path="/-/ready",
    healthy_path="/-/healthy",
    container_entrypoint="/bin/prometheus",
    path_flags=("storage.tsdb.path",),
    extra_binaries=("promtool",),
)
