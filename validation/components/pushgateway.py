"""Pushgateway (Debian names it prometheus-pushgateway): one instance at its address, no config."""

from __future__ import annotations

from validation.components.base import Component


class Pushgateway(Component):
    name = "pushgateway"
    binaries = ("prometheus-pushgateway", "pushgateway")
    debian_package = "prometheus-pushgateway"
    image = "prom/pushgateway"
    container_entrypoint = "/bin/pushgateway"
    ready_path = "/-/ready"
    healthy_path = "/-/healthy"
    default_version = "1.5.1"
    path_flags = ("persistence.file",)
