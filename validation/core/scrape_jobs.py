"""The scrape jobs of the user's prometheus.yml, read as Prometheus reads them: which job scrapes
the node_exporters, and the targets it names (static_configs, or file_sd files relative to
prometheus.yml). Job names are the user's; none is assumed.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.core.errors import HarnessError
from validation.core.yamlload import load_yaml

NODE_EXPORTER_PORT = 9100  # node_exporter's registered default port


@dataclass(frozen=True)
class ScrapeJobTargets:
    name: str
    static: tuple[str, ...] = ()
    file_sd: tuple[Path, ...] = field(default=())

    def addresses(self) -> list[str]:
        out = list(self.static)
        for path in self.file_sd:
            for group in load_yaml(path, error=HarnessError) or []:
                out += [str(t) for t in (group.get("targets") or []) if isinstance(group, dict)]
        return out


def scrape_jobs(prometheus_yml: Path) -> list[ScrapeJobTargets]:
    data: Any = load_yaml(prometheus_yml, error=HarnessError) or {}
    jobs = []
    for job in data.get("scrape_configs") or []:
        static = tuple(str(t) for c in job.get("static_configs") or [] for t in c.get("targets") or [])
        files: list[Path] = []
        for sd in job.get("file_sd_configs") or []:
            for pattern in sd.get("files") or []:
                full = str(prometheus_yml.parent / str(pattern))
                files += sorted(Path(p) for p in glob.glob(full)) if glob.has_magic(full) else [Path(full)]
        jobs.append(ScrapeJobTargets(str(job.get("job_name", "")), static, tuple(p.resolve() for p in files)))
    return jobs


def node_job(
    prometheus_yml: Path, *, name: str = "", targets_file: Path | None = None, place: str = ""
) -> ScrapeJobTargets:
    """The job whose targets are the node_exporters: ``name`` when stack.yaml gives
    ``components.node_exporter.job``; else the job reading ``targets_file``; else the one job whose
    targets all listen on node_exporter's port 9100."""
    jobs = scrape_jobs(prometheus_yml)
    names = [j.name for j in jobs]
    if name:
        for job in jobs:
            if job.name == name:
                return job
        raise HarnessError(
            f"components.node_exporter.job {name!r} is not a job of {prometheus_yml.name}",
            place=place,
            hint=f"its jobs are: {', '.join(names)}",
        )
    if targets_file is not None:
        for job in jobs:
            if targets_file.resolve() in job.file_sd:
                return job
    by_port = [j for j in jobs if _all_on_node_port(j)]
    if len(by_port) == 1:
        return by_port[0]
    raise HarnessError(
        "cannot tell which scrape job scrapes the node_exporters"
        + (
            f" (several listen on :{NODE_EXPORTER_PORT}: {', '.join(j.name for j in by_port)})"
            if by_port
            else ""
        ),
        place=place,
        hint=f"set components.node_exporter.job in stack.yaml to one of: {', '.join(names)}",
    )


def _all_on_node_port(job: ScrapeJobTargets) -> bool:
    try:
        addresses = job.addresses()
    except HarnessError:
        return False
    return bool(addresses) and all(a.rsplit(":", 1)[-1] == str(NODE_EXPORTER_PORT) for a in addresses)


def constant_address(relabel_configs: Any) -> str:
    """The ``host:port`` a job's relabeling scrapes every target at, when a rule sets
    ``__address__`` to a constant (the blackbox / SNMP exporter pattern: the targets become
    ``__param_target`` and the exporter's own address is scraped); '' otherwise. The last such
    rule wins, as it would in Prometheus."""
    found = ""
    for rule in relabel_configs if isinstance(relabel_configs, list) else []:
        if not isinstance(rule, dict) or rule.get("target_label") != "__address__":
            continue
        if str(rule.get("action", "replace")).lower() != "replace":
            continue
        replacement = str(rule.get("replacement", "$1"))
        found = "" if "$" in replacement else replacement
    return found
