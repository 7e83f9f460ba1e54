"""Prometheus server: renders its config and rules, and its flags follow the time scale."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from validation.components.base import Component, LaunchInputs, Placement, Rendered, RenderInputs
from validation.core.errors import HarnessError
from validation.render.prometheus import render_prometheus
from validation.render.rules import render_rules
from validation.timescale.prometheus_config import compress_flags

if TYPE_CHECKING:
    from validation.core.project import ComponentConfig


class Prometheus(Component):
    name = "prometheus"
    binaries = ("prometheus",)
    debian_package = "prometheus"
    image = "prom/prometheus"
    container_entrypoint = "/bin/prometheus"
    ready_path = "/-/ready"
    healthy_path = "/-/healthy"
    default_version = "2.42.0"
    path_flags = ("storage.tsdb.path",)
    extra_binaries = ("promtool",)

    def render(self, own: Placement, config: ComponentConfig, inputs: RenderInputs) -> Rendered:
        if config.config is None:
            raise HarnessError(
                "components.prometheus.config is missing",
                hint="point it at prometheus.yml (relative to stack/)",
            )
        rules, skipped = render_rules(inputs.rule_files, inputs.ctx)
        rendered = render_prometheus(
            config.config,
            inputs.ctx,
            own_host=own.host,
            rule_files=rules,
            fixtures_dir=inputs.fixtures_dir,
            synthetic_address=inputs.synthetic_address,
        )
        return Rendered(rendered.path, rendered, tuple(skipped))

    def run_flags(self, flags: dict[str, Any], launch: LaunchInputs) -> dict[str, Any]:
        if launch.time_scale != 1:
            return compress_flags(flags, launch.time_scale)
        return flags
