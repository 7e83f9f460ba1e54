"""Alertmanager (Debian names it prometheus-alertmanager): renders its config (receivers moved
onto the harness's sinks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from validation.components.base import Component, LaunchInputs, Placement, Rendered, RenderInputs
from validation.core.errors import HarnessError
from validation.render.alertmanager import render_alertmanager
from validation.timescale.component_flags import compress_alertmanager_flags

if TYPE_CHECKING:
    from validation.core.project import ComponentConfig


class Alertmanager(Component):
    name = "alertmanager"
    binaries = ("prometheus-alertmanager", "alertmanager")
    debian_package = "prometheus-alertmanager"
    image = "prom/alertmanager"
    container_entrypoint = "/bin/alertmanager"
    ready_path = "/-/ready"
    healthy_path = "/-/healthy"
    default_version = "0.25.0"
    path_flags = ("storage.path",)
    extra_binaries = ("amtool",)
    # The harness's own default, not the config's: gossip clustering off unless stack.yaml sets it.
    flag_defaults = (("cluster.listen-address", ""),)

    def render(self, own: Placement, config: ComponentConfig, inputs: RenderInputs) -> Rendered:
        if config.config is None:
            raise HarnessError(
                "components.alertmanager.config is missing",
                hint="point it at alertmanager.yml (relative to stack/)",
            )
        rendered = render_alertmanager(config.config, inputs.ctx, own_host=own.host)
        return Rendered(rendered.path, rendered, tuple(rendered.uncompressible))

    def run_flags(self, flags: dict[str, Any], launch: LaunchInputs) -> dict[str, Any]:
        if launch.time_scale != 1:
            return compress_alertmanager_flags(flags, launch.time_scale)
        return flags
