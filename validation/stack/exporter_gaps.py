"""Scrape targets nothing in a run serves: exporters the harness does not run (cAdvisor, DCGM, …).

A job of prometheus.yml lists targets in ``static_configs`` or ``file_sd_configs`` files. A target
is *served* when a component of stack.yaml listens at its host and port (the node_exporters at
every node target), when a service-discovery workload (fixtures/service_discovery/) listens there,
or when fixtures/exporters.yaml describes its job (a synthetic stand-in then listens there). A
target on a service's host (Prometheus, Alertmanager, …) at another port stays judged: that is a
wrong port, and a wrong port stays a wrong port. Any other target (a node's DCGM exporter at
:9400, a cAdvisor host) would be down in every run for no fault of the config: the scrape check reports it
skipped with ``gap_message`` — the job, its targets, the metric families its rules and panels read
from it, and the exporters.yaml snippet that fills the gap — and ``stackcheck check`` warns the same.

Families a job provides: rule and panel selectors with ``job="<job>"`` (or a ``job=~`` regex
matching it); selectors without a job matcher count for every unserved job when no served source
provides them (the components' own namespaces, recording rules, other jobs' exporter fixtures).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import promql_parser

from validation.core.durations import parse_duration_seconds
from validation.core.errors import StackcheckError
from validation.core.project import Project
from validation.core.scrape_jobs import constant_address, scrape_jobs
from validation.core.yamlload import LineDict, load_yaml
from validation.fixtures.exporters import FILE_NAME, ExportersFixture, example_snippet, load_exporters
from validation.render.addresses import split_host_port

DEFAULT_SCRAPE_INTERVAL = 60.0  # Prometheus' global default (1m)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# families the components the harness runs export themselves (and Prometheus' per-target series)
_SERVED_PREFIXES = (
    "prometheus_",
    "alertmanager_",
    "pushgateway_",
    "node_",
    "go_",
    "process_",
    "promhttp_",
    "net_conntrack_",
    "scrape_",
    "grafana_",
    "stackcheck_",
)
_SERVED_NAMES = {"up", "ALERTS", "ALERTS_FOR_STATE", "push_time_seconds", "push_failure_time_seconds"}
_VARIABLE = "__stackcheck_variable__"


@dataclass(frozen=True)
class LocalJob:
    """A scrape job's own targets (static_configs and file_sd files), as prometheus.yml names them."""

    name: str
    line: int
    targets: tuple[str, ...]
    interval: float  # production seconds between scrapes
    scheme: str = "http"
    via: str = ""  # the exporter address relabeling scrapes every target at (blackbox), '' if none

    def host_port(self, target: str, own_host: str) -> tuple[str, int]:
        """Where a scrape of ``target`` goes (the loopback mapping aside)."""
        host, port = split_host_port(self.via or target)
        host = own_host if host.lower() in _LOCAL_HOSTS and own_host else host.lower()
        return host, port if port is not None else (443 if self.scheme == "https" else 80)


@dataclass(frozen=True)
class Gap:
    """A job whose targets (some or all) nothing in the run serves."""

    job: str
    line: int
    targets: tuple[str, ...]
    via: str = ""  # the exporter address every target is scraped at (blackbox pattern)
    by_job: tuple[str, ...] = ()  # families read with job="<job>"
    unattributed: tuple[str, ...] = ()  # read without a job matcher, served by nothing the harness runs

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(sorted({*self.by_job, *self.unattributed}))


@dataclass
class Reads:
    """Which metric families the rules and panels read, by the job their selectors name."""

    by_job: dict[str, set[str]] = field(default_factory=dict)
    regex_jobs: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    unattributed: set[str] = field(default_factory=set)
    recorded: set[str] = field(default_factory=set)

    def add(self, expr: str) -> None:
        try:
            tree = promql_parser.parse(expr)
        except (ValueError, RuntimeError):
            return

        def visit(node: object) -> bool:
            if isinstance(node, promql_parser.VectorSelector):
                self._selector(node)
            return True

        promql_parser.walk(tree, visit)

    def _selector(self, node: Any) -> None:
        name = node.name or ""
        job: Any = None
        for matcher in getattr(node.matchers, "matchers", []) or []:
            if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
                name = matcher.value
            elif matcher.name == "job" and _VARIABLE not in matcher.value:
                job = matcher
        if not name:
            return
        if job is None:
            self.unattributed.add(name)
        elif job.op == promql_parser.MatchOp.Equal:
            self.by_job.setdefault(job.value, set()).add(name)
        elif job.op == promql_parser.MatchOp.Re:
            try:
                self.regex_jobs.append((re.compile(job.value), name))
            except re.error:
                self.unattributed.add(name)
        # job!= / job!~ name what a selector does not read: no job to attribute it to

    def for_job(self, job: str) -> set[str]:
        found = set(self.by_job.get(job, set()))
        found |= {name for pattern, name in self.regex_jobs if pattern.fullmatch(job)}
        return {name for name in found - self.recorded if name not in _SERVED_NAMES}


def local_jobs(prometheus_yml: Path) -> list[LocalJob]:
    """The jobs of prometheus.yml that list their own targets; [] when it does not parse (its own
    check reports that)."""
    try:
        data = load_yaml(prometheus_yml)
        jobs = scrape_jobs(prometheus_yml)
    except StackcheckError:
        return []
    raw = data.get("scrape_configs") if isinstance(data, dict) else None
    configs = {str(j.get("job_name", "")): j for j in raw or [] if isinstance(j, dict)}
    global_cfg = (data.get("global") if isinstance(data, dict) else None) or {}
    default = _seconds(global_cfg.get("scrape_interval"), DEFAULT_SCRAPE_INTERVAL)
    out = []
    for job in jobs:
        try:
            targets = tuple(job.addresses())
        except StackcheckError:  # a file_sd file that is missing or broken: render warns about it
            targets = tuple(job.static)
        config = configs.get(job.name, {})
        line = config.line_of("job_name") if isinstance(config, LineDict) else 0
        interval = _seconds(config.get("scrape_interval"), default)
        via = constant_address(config.get("relabel_configs"))
        out.append(LocalJob(job.name, line, targets, interval, str(config.get("scheme", "http")), via))
    return out


def _seconds(value: object, default: float) -> float:
    if value is None:
        return default
    try:
        return parse_duration_seconds(value) or default
    except StackcheckError:
        return default


def unserved_targets(
    jobs: Iterable[LocalJob], served: Collection[tuple[str, int]], own_host: str
) -> dict[str, tuple[str, ...]]:
    """job → its targets that no (host, port) of ``served`` covers (jobs fully served left out)."""
    out: dict[str, tuple[str, ...]] = {}
    for job in jobs:
        missing = tuple(t for t in job.targets if job.host_port(t, own_host) not in served)
        if missing:
            out[job.name] = missing
    return out


def component_places(project: Project) -> set[tuple[str, int]]:
    """(host, port) of every component instance stack.yaml describes (what a run starts)."""
    from validation.components import COMPONENTS

    places: set[tuple[str, int]] = set()
    for name, config in project.components.items():
        component = COMPONENTS.get(name)
        if component is None:
            continue
        try:
            placements = component.instances(config, project.stack_file)
        except StackcheckError:  # reported where the instances are needed
            continue
        places |= {(p.host.lower(), p.port) for p in placements}
    return places


def service_hosts(project: Project) -> set[str]:
    """Hosts of the components that are services (Prometheus, Alertmanager, Pushgateway, Grafana):
    another port on such a host is a wrong port — judged, never a gap — while a node (a
    node_exporter host) runs other exporters beside it (DCGM at :9400, cAdvisor …)."""
    return {
        config.host.lower()
        for name, config in project.components.items()
        if name != "node_exporter" and config.host
    }


def workload_places(project: Project, component_hosts: set[str]) -> set[tuple[str, int]]:
    from validation.stack.workloads import workload_endpoints

    try:
        return {(w.host.lower(), w.port) for w in workload_endpoints(project.fixtures_dir, component_hosts)}
    except StackcheckError:
        return set()


def prometheus_host(project: Project) -> str:
    config = project.components.get("prometheus")
    return config.host.lower() if config is not None else ""


def rule_and_panel_reads(project: Project) -> Reads:
    """What the rule files and the provisioned dashboards' panels select, by job."""
    reads = Reads()
    for path in project.rule_files():
        try:
            data = load_yaml(path)
        except StackcheckError:
            continue
        for group in (data.get("groups") if isinstance(data, dict) else None) or []:
            for rule in (group.get("rules") if isinstance(group, dict) else None) or []:
                if isinstance(rule, dict):
                    reads.add(str(rule.get("expr", "")))
                    if rule.get("record"):
                        reads.recorded.add(str(rule["record"]))
    grafana = project.components.get("grafana")
    if grafana is not None and grafana.dashboards is not None:
        from validation.dashboards.loader import load_dashboards

        try:
            dashboards = load_dashboards(grafana.dashboards)
        except StackcheckError:
            dashboards = []
        for dashboard in dashboards:
            for panel in dashboard.query_panels():
                for target in panel.targets:
                    reads.add(without_variables(target.expr))
    return reads


def without_variables(expr: str) -> str:
    """A panel expression that parses: Grafana's interval macros become 5m, other variables a
    placeholder a job matcher is not attributed by."""
    expr = re.sub(r"\$__\w+|\$\{__[^}]*\}", "5m", expr)
    return re.sub(r"\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\]", _VARIABLE, expr)


def find_gaps(project: Project, fixture: ExportersFixture) -> list[Gap]:
    """Every job with targets nothing serves in a run and that exporters.yaml does not describe."""
    prometheus = project.components.get("prometheus")
    if prometheus is None or prometheus.config is None:
        return []
    jobs = local_jobs(prometheus.config)
    places = component_places(project)
    served = places | workload_places(project, {host for host, _ in places})
    own = prometheus_host(project)
    services = service_hosts(project)
    missing: dict[str, tuple[str, ...]] = {}
    for job, targets in unserved_targets(jobs, served, own).items():
        by_name = next(j for j in jobs if j.name == job)
        exporters = tuple(t for t in targets if by_name.host_port(t, own)[0] not in services)
        if exporters and job not in fixture.jobs:
            missing[job] = exporters
    if not missing:
        return []
    reads = rule_and_panel_reads(project)
    lines = {job.name: job.line for job in jobs}
    vias = {job.name: job.via for job in jobs}
    others = set().union(*(fixture.families(job) for job in fixture.jobs), reads.recorded)
    for job in {j.name for j in jobs} - set(missing):
        others |= reads.for_job(job)
    loose = {
        name
        for name in reads.unattributed - others
        if name not in _SERVED_NAMES and not name.startswith(_SERVED_PREFIXES)
    }
    gaps = []
    for job, targets in sorted(missing.items()):
        read = reads.for_job(job)
        gaps.append(
            Gap(
                job,
                lines.get(job, 0),
                targets,
                vias.get(job, ""),
                tuple(sorted(read)),
                tuple(sorted(loose - read)),
            )
        )
    return gaps


def project_gaps(project: Project) -> list[Gap]:
    """``find_gaps`` with exporters.yaml read as a run reads it (a malformed one raises)."""
    prometheus = project.components.get("prometheus")
    if prometheus is None or prometheus.config is None:
        return []
    names = [job.name for job in local_jobs(prometheus.config)]
    return find_gaps(project, load_exporters(project.fixtures_dir / FILE_NAME, names))


def gap_message(gap: Gap, fixtures_dir: Path) -> str:
    """Names the job, its targets, the families its rules and panels read, and the fix."""
    targets = ", ".join(gap.targets) + (f" (through {gap.via})" if gap.via else "")
    text = (
        f"job {gap.job!r} scrapes {targets}, where nothing the harness runs listens (no component of "
        f"stack.yaml, no service-discovery workload, no entry in {FILE_NAME}): the harness cannot tell "
        "whether the exporter there would be up, so it does not judge these targets."
    )
    if gap.by_job:
        text += f' The rules and panels read from job="{gap.job}": {", ".join(gap.by_job)}.'
    if gap.unattributed:
        text += (
            " They also read, without a job selector, families nothing the harness runs serves: "
            + ", ".join(gap.unattributed)
            + "."
        )
    if not gap.families:
        text += " No rule or panel reads a family from it."
    path = fixtures_dir / FILE_NAME
    return (
        f"{text} Hint: describe the exporter in {path} (a synthetic stand-in then serves these series at "
        f"each target, one step per scrape interval; edit labels and values to what it exports), e.g.\n"
        + example_snippet(gap.job, gap.families)
    )
