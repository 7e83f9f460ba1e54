"""Measure a running stack: start-up, first scrape, scrape and rule timings, panel queries,
alert latency, CPU and memory per component, TSDB head and ingestion — as ``Figures``.

A measurement is one stack start (start-up and first scrape, measured once) followed by
``samples`` rounds on the running stack (everything else, one sample per round) and, if asked,
one run of the alert pipeline (alert latency). Rounds are paced by the benchmark load target:
each round waits for at least one new scrape of it and ``min_round_s`` of wall time, so CPU
rates cover a real interval. The load (``load_series`` counters scraped every
``load_interval_s``) is part of the baseline's options: figures are only comparable under the
same load.

Limits: CPU and RSS come from /proc (Linux); panel query latency needs the stack to configure
Grafana dashboards (stack.yaml ``grafana.dashboards``), Grafana itself need not run.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from validation.clients.http import ApiError
from validation.clients.prometheus import PrometheusClient
from validation.core.errors import StackcheckError
from validation.core.ports import free_port
from validation.core.project import Project
from validation.core.results import Report
from validation.core.wait import wait_until
from validation.dashboards.datasources import Datasource
from validation.dashboards.model import Dashboard
from validation.perf.dashboards import load_stack_dashboards, time_dashboard_queries
from validation.perf.loadjob import add_scrape_job, patient_client, wait_for_head_series
from validation.perf.loadtarget import FAMILY, LoadTarget
from validation.perf.metrics import Figures
from validation.perf.procstat import ProcUsage, total_usage
from validation.perf.selfmetrics import read_self_metrics
from validation.perf.stats import percentile
from validation.stack.instance import Instance
from validation.stack.stack import Stack

LOAD_JOB = "stackcheck-perf-load"
LOAD_HOST = "stackcheck-perf-load"


@dataclass
class MeasureOptions:
    samples: int = 5
    load_series: int = 10_000
    load_interval_s: float = 1.0
    min_round_s: float = 1.0
    warmup_rounds: int = 1
    alerts: bool = True
    dashboards: bool = True

    def comparable(self) -> dict[str, float]:
        """What must match between a baseline and a comparison."""
        return {"load_series": self.load_series, "load_interval_s": self.load_interval_s}


@dataclass
class _Snapshot:
    at: float
    usage: dict[str, ProcUsage] = field(default_factory=dict)
    self_metrics: dict[str, float] = field(default_factory=dict)


def measure_start(
    stack: Stack, clock: Callable[[], float] = time.monotonic, timeout: float = 30.0
) -> Figures:
    """Start-up per component and time to first scrape; call right after ``stack.start()``."""
    figures = Figures()
    for component, instances in _by_component(stack).items():
        figures.add(f"startup_s/{component}", "startup", max(i.startup_seconds for i in instances))
    ready = max(i.ready_at for i in stack.instances())
    client = patient_client(stack)
    first: list[float] = []

    def all_scraped() -> bool:
        try:
            targets = client.targets()
        except ApiError:
            return False
        if not first and any(t.health != "unknown" for t in targets):
            first.append(clock() - ready)
        return bool(targets) and all(t.health != "unknown" for t in targets)

    wait_until(all_scraped, timeout=timeout, what="a first scrape of every target", interval=0.05)
    figures.add("first_scrape_s/any", "startup", first[0] if first else clock() - ready)
    figures.add("first_scrape_s/all", "startup", clock() - ready)
    return figures


def attach_load(stack: Stack, series: int, interval_s: float, timeout: float = 60.0) -> LoadTarget:
    """Serve ``series`` counters in job stackcheck-perf-load and wait until all are in the head."""
    ip = stack.ctx.addresses.address_of(LOAD_HOST)
    target = LoadTarget(ip, free_port(ip), series=series).start()
    try:
        add_scrape_job(stack, LOAD_JOB, target.address, interval_s, timeout=timeout)
        if series:
            wait_for_head_series(stack, f'{FAMILY}{{job="{LOAD_JOB}"}}', series, timeout=timeout)
    except BaseException:
        target.stop()
        raise
    return target


class RoundSampler:
    """Takes one sample of every per-round metric each ``next()``."""

    def __init__(
        self,
        stack: Stack,
        load: LoadTarget | None,
        options: MeasureOptions,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stack = stack
        self.load = load
        self.options = options
        self.clock = clock
        self.client = patient_client(stack)
        grafana = stack.project.components.get("grafana")
        self.notes: list[str] = []
        self.dashboards: list[Dashboard] = []
        self.datasources: list[Datasource] = []
        if grafana is not None and options.dashboards:
            try:
                self.dashboards, self.datasources = load_stack_dashboards(
                    grafana.dashboards, grafana.provisioning
                )
            except StackcheckError as exc:  # the dashboard checks report it; timing goes on without them
                self.notes.append(f"panel queries not timed: {exc.render()}")
        self.window_s = max(3600.0 / stack.options.time_scale, 60.0)
        self.previous = self._snapshot()

    def _snapshot(self) -> _Snapshot:
        usage = {}
        for component, instances in _by_component(self.stack).items():
            pids = [pid for i in instances if i.handle is not None for pid in i.handle.pids()]
            found = total_usage(pids)
            if found is not None:
                usage[component] = found
        return _Snapshot(self.clock(), usage, read_self_metrics(self.client))

    def _wait_round(self) -> None:
        started = self.clock()
        scrapes = self.load.scrapes if self.load is not None else 0

        def done() -> bool:
            advanced = self.load is None or self.load.scrapes > scrapes
            return advanced and self.clock() - started >= self.options.min_round_s

        wait_until(done, timeout=self.options.min_round_s + 30, what="a new scrape of the load target")

    def next(self) -> Figures:
        figures = Figures()
        self._panel_queries(figures)
        self._wait_round()
        snap = self._snapshot()
        elapsed = max(snap.at - self.previous.at, 1e-6)
        for component, usage in snap.usage.items():
            figures.add(f"rss_bytes/{component}", "memory", usage.rss_bytes)
            before = self.previous.usage.get(component)
            if before is not None:
                figures.add(
                    f"cpu_cores/{component}", "cpu", (usage.cpu_seconds - before.cpu_seconds) / elapsed
                )
        self._tsdb(figures, snap, elapsed)
        self._scrapes(figures)
        self._rules(figures)
        self.previous = snap
        return figures

    def _tsdb(self, figures: Figures, snap: _Snapshot, elapsed: float) -> None:
        metrics, before = snap.self_metrics, self.previous.self_metrics
        series = metrics.get("prometheus_tsdb_head_series")
        if not series:
            return
        figures.add("tsdb/head_series", "count", series)
        rss = snap.usage.get("prometheus")
        if rss is not None:
            figures.add("tsdb/rss_bytes_per_series", "size", rss.rss_bytes / series)
        # Go heap in use per series is not kept: it swings x1.5 between garbage collections
        # (the sweep reports it as a sweep-level slope instead)
        chunks = metrics.get("prometheus_tsdb_head_chunks_storage_size_bytes")
        if chunks:
            figures.add("tsdb/head_chunks_bytes", "memory", chunks)
        appended = "prometheus_tsdb_head_samples_appended_total"
        if appended in metrics and appended in before:
            figures.add(
                "tsdb/ingestion_samples_per_s", "rate", (metrics[appended] - before[appended]) / elapsed
            )

    def _scrapes(self, figures: Figures) -> None:
        by_job: dict[str, float] = {}
        for target in self.client.targets():
            if target.health == "up":
                by_job[target.job] = max(by_job.get(target.job, 0.0), target.last_scrape_duration)
        for job, seconds in by_job.items():
            figures.add(f"scrape_duration_s/{job}", "timing", seconds)

    def _rules(self, figures: Figures) -> None:
        total = 0.0
        for group in self.client.rules():
            seconds = float(group.get("evaluationTime") or 0.0)
            total += seconds
            figures.add(f"rule_eval_s/{group['name']}", "timing", seconds)
        figures.add("rule_eval_s/total", "timing", total)

    def _panel_queries(self, figures: Figures) -> None:
        if not self.dashboards:
            return
        auth = self.stack.credentials("prometheus") if self.stack.instance("prometheus").user else None
        client = PrometheusClient(
            self.stack.url("prometheus"), auth=auth, timeout=60.0, ca_bundle=self.stack.ca_file
        )
        timings = time_dashboard_queries(self.dashboards, client, self.datasources, self.window_s)
        for dashboard, durations in timings.items():
            if durations:
                figures.add(f"panel_query_p50_s/{dashboard}", "timing", percentile(durations, 50))
                figures.add(f"panel_query_p95_s/{dashboard}", "tail", percentile(durations, 95))


def measure_alert_latency(stack: Stack, project: Project) -> tuple[Figures, dict[str, object]]:
    """One run of the alert pipeline: injection → delivery p50/p95 and its ratio to the floor."""
    from validation.checks.alerts.pipeline import AlertPipelineCheck
    from validation.checks.base import CheckContext

    report = Report()
    with tempfile.TemporaryDirectory(prefix="stackcheck-perf-") as tmp:
        AlertPipelineCheck(coverage=False).run(CheckContext(project, Path(tmp), stack=stack), report)
    latencies: dict[str, dict[str, float]] = report.measurements.get("alert_latency") or {}
    figures = Figures()
    delays = [v["active_to_delivery_s"] for v in latencies.values()]
    ratios = [v["ratio_to_floor"] for v in latencies.values()]
    if delays:
        figures.add("alert_latency_s/p50", "latency", percentile(delays, 50))
        figures.add("alert_latency_s/p95", "latency", percentile(delays, 95))
        figures.add("alert_latency_ratio_to_floor/p50", "ratio", percentile(ratios, 50))
        figures.add("alert_latency_ratio_to_floor/p95", "ratio", percentile(ratios, 95))
    failed = [c.id for c in report.checks if c.failed]
    return figures, {"scenarios": latencies, "failed_checks": failed}


def measure_running(
    stack: Stack,
    load: LoadTarget | None,
    options: MeasureOptions,
    clock: Callable[[], float] = time.monotonic,
    notes: list[str] | None = None,
) -> Figures:
    """``options.samples`` rounds on a running stack (no start-up, no alert pipeline); what
    could not be measured is appended to ``notes``."""
    sampler = RoundSampler(stack, load, options, clock)
    if notes is not None:
        notes += sampler.notes
    for _ in range(options.warmup_rounds):
        sampler.next()  # the first round after a change pays for series creation and cold caches
    figures = Figures()
    for _ in range(max(options.samples, 1)):
        figures.merge(sampler.next())
    return figures


def _by_component(stack: Stack) -> dict[str, list[Instance]]:
    out: dict[str, list[Instance]] = {}
    for inst in stack.instances():
        out.setdefault(inst.component.name, []).append(inst)
    return out
