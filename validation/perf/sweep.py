"""Cardinality sweep: grow the benchmark load through 1k, 10k, 100k series (configurable) and
measure, at each size, Prometheus' memory, ingestion, query latency and scrape duration.

The load is the pre-rendered ``LoadTarget`` in its own scrape job (loadjob.py). At each size
the sweep waits until every series is in the head, lets ``settle_scrapes`` further scrapes
pass, then reads RSS and Go heap (median of those scrapes), the ingestion rate over them, the
load job's scrape duration, and times ``sum by (group) (rate(...))`` over the load series.
It also times the harness's own ``SyntheticTarget.render`` at that size (off-line, no server)
— the answer to "can the synthetic target serve this many series per scrape?".

Memory per series is the least-squares slope of RSS against head series over the sweep points;
the intercept is the stack's base memory. Limits: the head only grows during a sweep (series
leave it after ~2h), so sizes must increase; RSS is the OS view, garbage headroom included,
which is what a machine must provide.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from validation.core.wait import wait_until
from validation.perf.loadjob import patient_client, wait_for_head_series
from validation.perf.loadtarget import FAMILY, LoadTarget
from validation.perf.measure import LOAD_JOB, attach_load
from validation.perf.procstat import total_usage
from validation.perf.selfmetrics import read_self_metrics
from validation.perf.stats import fit_line, median, percentile
from validation.stack.stack import Stack
from validation.synthetic.exposition import SyntheticTarget

DEFAULT_SIZES = (1_000, 10_000, 100_000)


@dataclass
class SweepPoint:
    load_series: int
    head_series: float
    rss_bytes: float
    heap_inuse_bytes: float
    ingestion_samples_per_s: float
    query_p50_s: float
    query_p95_s: float
    scrape_duration_s: float
    load_render_s: float
    synthetic_render_s: float
    seconds_to_head: float


@dataclass
class SweepResult:
    interval_s: float
    points: list[SweepPoint] = field(default_factory=list)

    def fit(self) -> dict[str, float]:
        """RSS and heap per head series (slope) and the base (intercept) over the points."""
        xs = [p.head_series for p in self.points]
        rss_slope, rss_base = fit_line(xs, [p.rss_bytes for p in self.points])
        heap_slope, heap_base = fit_line(xs, [p.heap_inuse_bytes for p in self.points])
        return {
            "rss_bytes_per_series": rss_slope,
            "rss_base_bytes": rss_base,
            "heap_bytes_per_series": heap_slope,
            "heap_base_bytes": heap_base,
        }

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"interval_s": self.interval_s, "points": [asdict(p) for p in self.points]}
        if len({p.head_series for p in self.points}) >= 2:
            data["fit"] = {k: round(v, 3) for k, v in self.fit().items()}
        return data


def time_synthetic_render(series: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds ``SyntheticTarget.render`` takes for ``series`` one-sample-per-second series."""
    target = SyntheticTarget("127.0.0.1")
    for i in range(series):
        target.add_timeline((FAMILY, {"group": f"g{i % 100:02d}", "series": str(i)}), "1+1x3", 1.0)
    started = clock()
    target.render()
    return clock() - started


def run_sweep(
    stack: Stack,
    sizes: Sequence[int] = DEFAULT_SIZES,
    *,
    interval_s: float = 2.0,
    settle_scrapes: int = 3,
    queries: int = 7,
    synthetic_render: bool = True,
    clock: Callable[[], float] = time.monotonic,
    log: Callable[[str], None] = lambda _: None,
) -> SweepResult:
    if list(sizes) != sorted(sizes) or any(s <= 0 for s in sizes):
        from validation.core.errors import HarnessError

        raise HarnessError(
            f"sweep sizes {list(sizes)} must be positive and increasing", hint="e.g. 1000,10000,100000"
        )
    load = attach_load(stack, 0, interval_s)
    result = SweepResult(interval_s)
    try:
        result.points.append(_point(stack, load, 0, settle_scrapes, queries, False, clock, interval_s))
        for size in sizes:
            log(f"sweep: {size} series")
            load.resize(size)
            result.points.append(
                _point(stack, load, size, settle_scrapes, queries, synthetic_render, clock, interval_s)
            )
    finally:
        load.stop()
    return result


def _point(
    stack: Stack,
    load: LoadTarget,
    size: int,
    settle: int,
    queries: int,
    synthetic: bool,
    clock: Callable[[], float],
    interval_s: float,
) -> SweepPoint:
    client = patient_client(stack)
    started = clock()
    if size:
        wait_for_head_series(stack, f'{FAMILY}{{job="{LOAD_JOB}"}}', size, timeout=120)
    to_head = clock() - started
    prom = stack.instance("prometheus")
    pids = prom.handle.pids() if prom.handle else []
    rss, heap = [], []
    _next_scrape(load)  # both ends of the ingestion window sit just after a scrape
    first = read_self_metrics(client)
    first_at = clock()
    for _ in range(settle):
        _next_scrape(load)
        usage = total_usage(pids)
        rss.append(float(usage.rss_bytes) if usage else 0.0)
        heap.append(read_self_metrics(client).get("go_memstats_heap_inuse_bytes", 0.0))
    last = read_self_metrics(client)
    appended = "prometheus_tsdb_head_samples_appended_total"
    rate = (last.get(appended, 0.0) - first.get(appended, 0.0)) / max(clock() - first_at, 1e-6)
    window = f"{max(round(4 * interval_s), 1)}s"  # about four scrapes, as $__rate_interval would
    durations = []
    for _ in range(queries):
        t0 = time.perf_counter()
        client.query(f'sum by (group) (rate({FAMILY}{{job="{LOAD_JOB}"}}[{window}]))')
        durations.append(time.perf_counter() - t0)
    scrape = max((t.last_scrape_duration for t in client.targets() if t.job == LOAD_JOB), default=0.0)
    return SweepPoint(
        load_series=size,
        head_series=last.get("prometheus_tsdb_head_series", 0.0),
        rss_bytes=median(rss),
        heap_inuse_bytes=median(heap),
        ingestion_samples_per_s=rate,
        query_p50_s=percentile(durations, 50),
        query_p95_s=percentile(durations, 95),
        scrape_duration_s=scrape,
        load_render_s=load.last_render_s,
        synthetic_render_s=time_synthetic_render(size) if synthetic and size else 0.0,
        seconds_to_head=to_head,
    )


def _next_scrape(load: LoadTarget, timeout: float = 60.0) -> None:
    seen = load.scrapes
    wait_until(lambda: load.scrapes > seen, timeout=timeout, what="a scrape of the load target")
