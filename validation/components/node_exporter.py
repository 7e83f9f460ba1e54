"""node_exporter (Debian names it prometheus-node-exporter). It has no /-/ready: /metrics is
the readiness probe, and it is behind basic auth like everything else."""

from validation.components.base import ComponentSpec

NODE_EXPORTER = ComponentSpec(
    name="node_exporter",
    binaries=("prometheus-node-exporter", "node_exporter"),
    debian_package="prometheus-node-exporter",
    image="prom/node-exporter",
    ready_path="/metrics",
    healthy_path="/",
    container_entrypoint="/bin/node_exporter",
    path_flags=("collector.textfile.directory",),
)
