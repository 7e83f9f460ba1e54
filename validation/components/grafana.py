"""Grafana. No reachable registry ships it on these machines: it runs when a binary is on
PATH (grafana / grafana-server) or an image is present; GRAFANA_URL points at an existing one.
The Stack does not launch it by default (its run layout differs: no --web.listen-address)."""

from __future__ import annotations

from validation.components.base import Component


class Grafana(Component):
    name = "grafana"
    binaries = ("grafana", "grafana-server")
    debian_package = "grafana (not in Debian: use Grafana's own package or image)"
    image = "grafana/grafana"
    container_entrypoint = "/run.sh"
    ready_path = "/api/health"
    healthy_path = "/api/health"
    default_version = "10.4.2"
    required_by_default = False
    launched_by_stack = False
    auth_protected = False  # /api/health is public by design; the API is checked separately
