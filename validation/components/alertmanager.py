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

    def run_flags(self, flags: dict[str, Any], launch: LaunchInputs) -> dict[str, Any]:
        """Durations compressed by the time scale; a config that gossips keeps gossiping, but on the
        instance's own loopback address.

        Upstream Alertmanager gossips on 0.0.0.0:9094 unless ``cluster.listen-address`` is empty;
        security/alertmanager/clustering reports that, and the run never binds a non-loopback
        address. Peers the config names go to their hosts' loopback stand-ins.
        """
        from validation.checks.security.clustering import gossip_address
        from validation.render.addresses import split_host_port

        if launch.time_scale != 1:
            flags = compress_alertmanager_flags(flags, launch.time_scale)
        address = gossip_address(flags)
        if address is None:
            return flags
        out = dict(flags)
        _, port = split_host_port(address)
        out["cluster.listen-address"] = f"{launch.listen[0]}:{port or 9094}"
        out.pop("cluster.advertise-address", None)
        peers = out.get("cluster.peer")
        if peers and launch.map_address is not None:
            listed = peers if isinstance(peers, list) else [peers]
            out["cluster.peer"] = [launch.map_address(str(p)) for p in listed]
        return out

    def render(self, own: Placement, config: ComponentConfig, inputs: RenderInputs) -> Rendered:
        if config.config is None:
            raise HarnessError(
                "components.alertmanager.config is missing",
                hint="point it at alertmanager.yml (relative to stack/)",
            )
        rendered = render_alertmanager(config.config, inputs.ctx, own_host=own.host)
        return Rendered(rendered.path, rendered, tuple(rendered.uncompressible))
