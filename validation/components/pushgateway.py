"""Pushgateway (Debian names it prometheus-pushgateway): one instance at its address, no config.

Without ``persistence.file`` in stack.yaml it runs with upstream's default, no persistence
(Debian's build would write to /var/lib/prometheus); ``persistence.interval`` follows the time
scale."""

from __future__ import annotations

from typing import Any

from validation.components.base import Component, LaunchInputs
from validation.timescale.component_flags import compress_pushgateway_flags


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
    flag_defaults = (("persistence.file", None),)  # upstream's default: --persistence.file=

    def run_flags(self, flags: dict[str, Any], launch: LaunchInputs) -> dict[str, Any]:
        if launch.time_scale != 1:
            return compress_pushgateway_flags(flags, launch.time_scale)
        return flags
