"""node_exporter (Debian names it prometheus-node-exporter): one exporter per node target.

It has no /-/ready: /metrics is the readiness probe, and it is behind basic auth like
everything else. The nodes are the targets of the file_sd file stack.yaml names in ``targets``,
else the targets of prometheus.yml's node job (static_configs or file_sd; see core/scrape_jobs).
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
        """One exporter per node target, at the target's host and port."""
        if config.targets is not None:
            where = str(config.targets)
            addresses = [
                str(target)
                for group in load_yaml(config.targets) or []
                for target in group.get("targets") or []
            ]
        elif config.unresolved:
            raise HarnessError(
                f"the node_exporter instances come from prometheus.yml's node job: {config.unresolved}",
                place=str(stack_file),
                hint="set components.node_exporter.job (or .targets, a file_sd file) in stack.yaml",
            )
        else:
            where, addresses = f"job {config.job!r} of prometheus.yml", list(config.target_addresses)
        out: list[Placement] = []
        for address in addresses:
            host, port = split_host_port(address)
            out.append(Placement(f"{self.name}/{host}", host, port or DEFAULT_PORT))
        if not out:
            raise HarnessError(
                ("the node targets file" if config.targets is not None else where) + " lists no target",
                place=where if config.targets is not None else str(stack_file),
                hint="list the nodes in static_configs or a file_sd file of the node job",
            )
        return out

    def run_flags(self, flags: dict[str, Any], launch: LaunchInputs) -> dict[str, Any]:
        textfile = flags.get("collector.textfile.directory")
        if textfile:
            Path(str(textfile)).mkdir(parents=True, exist_ok=True)
        return flags
