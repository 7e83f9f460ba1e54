"""Grafana. No reachable registry ships it on these machines: it runs when a binary is on
PATH (grafana / grafana-server) or an image is present; GRAFANA_URL points at an existing one."""

from validation.components.base import ComponentSpec

GRAFANA = ComponentSpec(
    name="grafana",
    binaries=("grafana", "grafana-server"),
    debian_package="grafana (not in Debian: use Grafana's own package or image)",
    image="grafana/grafana",
    ready_path="/api/health",
    healthy_path="/api/health",
    container_entrypoint="/run.sh",
    auth_protected=False,  # /api/health is public by design; the API is checked separately
)
