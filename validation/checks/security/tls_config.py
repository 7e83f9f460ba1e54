"""security/tls/<component> — every web.yml serves TLS and every Prometheus client of it verifies.

Catches, statically (no stack): a web.yml without ``tls_server_config`` (named, and all the
more when the other components keep TLS); a scrape job or Alertmanager client in
prometheus.yml that speaks ``http`` to a TLS endpoint (every scrape fails) or ``https`` to a
plain one; and ``insecure_skip_verify: true``, which accepts any certificate.
Runs in ``stackcheck check`` and in the run's security group.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from validation.checks.base import Check, CheckContext, relative
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.core.yamlload import load_yaml
from validation.render.web_config import serves_tls


def component_addresses(ctx: CheckContext) -> dict[str, set[str]]:
    """component → the host:port addresses the configs name it by."""
    out: dict[str, set[str]] = {}
    for name, config in ctx.project.components.items():
        if name == "node_exporter" and config.targets is not None:
            out[name] = {t.lower() for g in load_yaml(config.targets) or [] for t in g.get("targets") or []}
        elif config.address:
            out[name] = {config.address.lower()}
    return out


def prometheus_clients(prometheus_yml: Path) -> list[tuple[str, dict[str, Any], set[str]]]:
    """(what, client config, target addresses) for every scrape job and Alertmanager client."""
    data = load_yaml(prometheus_yml) or {}
    clients: list[tuple[str, dict[str, Any], set[str]]] = []
    for am in (data.get("alerting") or {}).get("alertmanagers") or []:
        clients.append(("alerting.alertmanagers", am, _targets(am, prometheus_yml.parent)))
    for job in data.get("scrape_configs") or []:
        clients.append((f"scrape job {job.get('job_name')!r}", job, _targets(job, prometheus_yml.parent)))
    return clients


def _targets(client: dict[str, Any], base: Path) -> set[str]:
    found = {str(t).lower() for g in client.get("static_configs") or [] for t in g.get("targets") or []}
    for sd in client.get("file_sd_configs") or []:
        for pattern in sd.get("files") or []:
            path = Path(pattern) if Path(pattern).is_absolute() else base / pattern
            for match in sorted(path.parent.glob(path.name)):
                for group in load_yaml(match) or []:
                    found |= {str(t).lower() for t in group.get("targets") or []}
    return found


class TlsConfigCheck(Check):
    id = "security/tls"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        components = {n: c for n, c in ctx.project.components.items() if n != "grafana"}
        tls = {n: serves_tls(c.web_config) for n, c in components.items()}
        prometheus = ctx.project.components.get("prometheus")
        try:
            clients = prometheus_clients(prometheus.config) if prometheus and prometheus.config else []
            addresses = component_addresses(ctx)
        except StackcheckError as exc:
            report.failed(f"{self.id}/prometheus", self.kind, exc.render())
            return
        for name, config in components.items():
            start = time.monotonic()
            check_id = f"{self.id}/{name}"
            problems: list[str] = []
            where = relative(ctx.project, config.web_config) if config.web_config else "stack.yaml"
            if not tls[name]:
                keep = [n for n, on in tls.items() if on]
                others = f" while {', '.join(keep)} keep TLS" if keep else ""
                problems.append(f"{where}: no tls_server_config{others} — passwords and data travel in clear")
            assert prometheus is not None and prometheus.config is not None
            prom_yml = relative(ctx.project, prometheus.config)
            for what, client, targets in clients:
                if not targets & addresses.get(name, set()):
                    continue
                scheme = str(client.get("scheme", "http"))
                tls_config = client.get("tls_config") or {}
                if tls[name] and scheme != "https":
                    problems.append(f"{prom_yml}: {what} speaks {scheme} to {name}, which serves TLS")
                if not tls[name] and scheme == "https":
                    problems.append(f"{prom_yml}: {what} speaks https to {name}, which serves plain HTTP")
                if tls_config.get("insecure_skip_verify"):
                    problems.append(
                        f"{prom_yml}: {what} sets tls_config.insecure_skip_verify: any certificate passes"
                    )
            seconds = time.monotonic() - start
            if problems:
                report.failed(
                    check_id,
                    self.kind,
                    "; ".join(problems) + ". Hint: tls_server_config in every web.yml; scheme: https and "
                    "tls_config.ca_file (the cluster's CA) in every client",
                    seconds,
                    file=str(config.web_config or ctx.project.stack_dir / "stack.yaml"),
                )
            else:
                report.passed(
                    check_id, self.kind, f"{where} serves TLS; its Prometheus clients verify", seconds
                )
