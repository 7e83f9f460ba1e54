"""security/alertmanager/clustering — Alertmanager gossips only where stack.yaml says so on purpose.

Catches: an Alertmanager whose stack.yaml flags leave ``cluster.listen-address`` out (or set a
wildcard address): upstream Alertmanager (the official image) then gossips, unauthenticated
and unencrypted, on 0.0.0.0:9094 — anyone who reaches the port can join the cluster, read
silences and alerts and inject state. Judged by upstream defaults, not by a distribution's
patched ones. A single Alertmanager needs ``cluster.listen-address: ""``; a high-availability
pair names its own address and its peers.

Static (stack.yaml only): runs in ``stackcheck check`` and in the run's security group. The
run never binds a non-loopback address: a config that gossips is run gossiping on the
instance's own loopback address (stack.py), so its meaning — gossip on — is kept.
"""

from __future__ import annotations

import time
from typing import Any

from validation.checks.base import Check, CheckContext, relative
from validation.core.results import Report
from validation.render.addresses import split_host_port

UPSTREAM_DEFAULT = "0.0.0.0:9094"
WILDCARDS = {"", "0.0.0.0", "::", "[::]"}


def gossip_address(flags: dict[str, Any]) -> str | None:
    """Where this Alertmanager gossips by upstream defaults; None when clustering is off."""
    if "cluster.listen-address" not in flags:
        return UPSTREAM_DEFAULT
    value = flags["cluster.listen-address"]
    if value in (None, "", False):
        return None
    return str(value)


class ClusteringCheck(Check):
    id = "security/alertmanager/clustering"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        config = ctx.project.components.get("alertmanager")
        if config is None:
            return
        start = time.monotonic()
        where = relative(ctx.project, ctx.project.stack_dir / "stack.yaml")
        address = gossip_address(config.flags)
        if address is None:
            report.passed(self.id, self.kind, "cluster.listen-address is empty: no gossip")
            return
        host, _ = split_host_port(address)
        if "cluster.listen-address" not in config.flags:
            report.failed(
                self.id,
                self.kind,
                f"{where}: components.alertmanager.flags: cluster.listen-address is not set, so "
                f"Alertmanager gossips on {UPSTREAM_DEFAULT} (the upstream default) to anyone who "
                'reaches the port. Hint: add `cluster.listen-address: ""` to the flags (or, for an HA '
                "pair, the node's own address and cluster.peer)",
                time.monotonic() - start,
                file=str(ctx.project.stack_dir / "stack.yaml"),
            )
        elif host.strip("[]") in WILDCARDS:
            report.failed(
                self.id,
                self.kind,
                f"{where}: components.alertmanager.flags.cluster.listen-address is {address!r}: "
                'gossip on every interface. Hint: set it to "" (single node) or to the node\'s own '
                "address (HA pair)",
                time.monotonic() - start,
                file=str(ctx.project.stack_dir / "stack.yaml"),
            )
        else:
            report.passed(
                self.id,
                self.kind,
                f"gossip on {address} only (peers: {config.flags.get('cluster.peer') or 'none'})",
                time.monotonic() - start,
            )
