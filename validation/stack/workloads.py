"""The simulated world around the stack: what listens where, besides the components.

Service-discovery fixtures describe pods (or other workloads) with their IP and container
ports. The harness makes that true: a synthetic exposition target listens at each
(pod IP → loopback, container port). Which port the job's relabeling then scrapes is the
config's business — if its annotation logic picks the wrong port, the target is down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from validation.core.yamlload import load_yaml
from validation.render.addresses import split_host_port

_POD_IP = "__meta_kubernetes_pod_ip"
_CONTAINER_PORT = "__meta_kubernetes_pod_container_port_number"


@dataclass(frozen=True)
class WorkloadEndpoint:
    job: str
    host: str
    port: int
    labels: tuple[tuple[str, str], ...]


def workload_endpoints(fixtures_dir: Path, component_hosts: set[str]) -> list[WorkloadEndpoint]:
    """Every (host, port) the service-discovery fixtures say a workload listens on."""
    out: dict[tuple[str, int], WorkloadEndpoint] = {}
    sd_dir = fixtures_dir / "service_discovery"
    for path in sorted(sd_dir.glob("*.yml")) + sorted(sd_dir.glob("*.yaml")):
        job = path.stem
        for group in load_yaml(path) or []:
            labels = {str(k): str(v) for k, v in (group.get("labels") or {}).items()}
            for target in group.get("targets") or []:
                host, port = split_host_port(str(target))
                if labels.get(_POD_IP):
                    host = labels[_POD_IP]
                if labels.get(_CONTAINER_PORT, "").isdigit():
                    port = int(labels[_CONTAINER_PORT])
                if port is None or host in component_hosts:
                    continue
                keep = tuple(
                    sorted((k, v) for k, v in labels.items() if k.startswith("__meta_kubernetes_pod_name"))
                )
                out.setdefault((host, port), WorkloadEndpoint(job, host, port, keep))
    return list(out.values())
