"""node_exporter (Debian names it prometheus-node-exporter): one exporter per node target.

It has no /-/ready: /metrics is the readiness probe, and it is behind basic auth like
everything else. The nodes are the targets of the file_sd file stack.yaml names in ``targets``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from validation.components.base import Component, LaunchInputs, Placement
from validation.core.errors import HarnessError
from validation.core.yamlload import load_yaml
from validation.render.addresses import split_host_port

if TYPE_CHECKING:
    from validation.core.project import ComponentConfig

DEFAULT_PORT = 9100


class NodeExporter(Component):
    name = "node_exporter"
    binaries = ("prometheus-node-exporter", "node_exporter")
    debian_package = "prometheus-node-exporter"
    image = "prom/node-exporter"
    container_entrypoint = "/bin/node_exporter"
    ready_path = "/metrics"
    healthy_path = "/"
    default_version = "1.5.0"
    path_flags = ("collector.textfile.directory",)

    def instances(self, config: ComponentConfig, stack_file: Path) -> list[Placement]:
        """One exporter per target of the file_sd file, at the target's host and port."""
        if config.targets is None:
            raise HarnessError(
                "components.node_exporter.targets is missing",
                place=str(stack_file),
                hint="point it at the file_sd file that lists the nodes, e.g. prometheus/file_sd/nodes.yml",
            )
        out: list[Placement] = []
        for group in load_yaml(config.targets) or []:
            for target in group.get("targets") or []:
                host, port = split_host_port(str(target))
                out.append(Placement(f"{self.name}/{host}", host, port or DEFAULT_PORT))
        if not out:
            raise HarnessError(
                "the node targets file lists no target",
                place=str(config.targets),
                hint="list the nodes as file_sd target groups",
            )
        return out

    def run_flags(self, flags: dict[str, Any], launch: LaunchInputs) -> dict[str, Any]:
        textfile = flags.get("collector.textfile.directory")
        if textfile:
            Path(str(textfile)).mkdir(parents=True, exist_ok=True)
        return flags
