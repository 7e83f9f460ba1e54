"""Alertmanager (Debian names it prometheus-alertmanager)."""

from validation.components.base import ComponentSpec

ALERTMANAGER = ComponentSpec(
    name="alertmanager",
    binaries=("prometheus-alertmanager", "alertmanager"),
    debian_package="prometheus-alertmanager",
    image="prom/alertmanager",
    ready_path="/-/ready",
    healthy_path="/-/healthy",
    container_entrypoint="/bin/alertmanager",
    path_flags=("storage.path",),
    extra_binaries=("amtool",),
)
