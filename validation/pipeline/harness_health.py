"""Watch the harness itself while scenarios run: did Prometheus scrape the synthetic target and
evaluate the rules on time, did the sinks answer Alertmanager promptly?

A background thread samples Prometheus' and Alertmanager's own /metrics about once a second
(no scrape lag, independent of the config's scrape jobs); at the end the synthetic target's
``up`` samples are read back with their timestamps. ``pipeline/trouble.py`` turns the figures
into trouble windows; this module only collects them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from validation.clients.http import ApiError, HttpClient
from validation.clients.prometheus import PrometheusClient
from validation.core.results import Report
from validation.pipeline.trouble import (
    Trouble,
    evaluation_trouble,
    merge,
    scrape_trouble,
    sink_trouble,
    slow_scrape_trouble,
)

SYNTHETIC_JOB = "stackcheck-synthetic"


def parse_metrics(text: str) -> dict[str, list[tuple[str, float]]]:
    """Prometheus text exposition → name → [(label text, value)] (comments skipped)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name, _, labels = head.partition("{")
        try:
            out.setdefault(name.strip(), []).append((labels.rstrip("}").strip(), float(value)))
        except ValueError:
            continue
    return out


def evaluation_figures(metrics: dict[str, list[tuple[str, float]]]) -> tuple[float, float]:
    """(missed iterations summed over the rule groups, largest last duration / interval)."""
    missed = sum(v for _, v in metrics.get("prometheus_rule_group_iterations_missed_total", []))
    intervals = dict(metrics.get("prometheus_rule_group_interval_seconds", []))
    ratio = max(
        (
            v / intervals[labels]
            for labels, v in metrics.get("prometheus_rule_group_last_duration_seconds", [])
            if intervals.get(labels)
        ),
        default=0.0,
    )
    return missed, ratio


def notification_figures(metrics: dict[str, list[tuple[str, float]]]) -> tuple[float, float, float]:
    """(notification latency sum, count, how many took over a second) over every integration.
    The last one from the histogram's ``le="1"`` bucket: one slow email among many fast webhooks
    hides in the average, not there."""
    total = sum(v for _, v in metrics.get("alertmanager_notification_latency_seconds_sum", []))
    count = sum(v for _, v in metrics.get("alertmanager_notification_latency_seconds_count", []))
    within = [
        v
        for labels, v in metrics.get("alertmanager_notification_latency_seconds_bucket", [])
        if 'le="1"' in labels
    ]
    return total, count, count - sum(within) if within else 0.0


@dataclass
class HarnessHealth:
    troubles: list[Trouble] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def add(self, troubles: list[Trouble]) -> None:
        """Trouble found outside the monitor (the alert observer, overdue alerts)."""
        self.troubles = merge(self.troubles + troubles, gap=1.0)
        self.figures["trouble"] = [t.to_json() for t in self.troubles]


class HarnessMonitor:
    """Samples both components' /metrics on a background thread from ``start()`` to ``stop()``."""

    def __init__(
        self,
        prometheus: PrometheusClient,
        alertmanager: HttpClient,
        origin_wall: float,
        interval: float = 1.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.prometheus = prometheus
        self.alertmanager = alertmanager
        self.origin_wall = origin_wall  # wall time of the pipeline's start
        self.interval = interval
        self.wall = wall
        self.evaluations: list[tuple[float, float, float]] = []
        self.notifications: list[tuple[float, float, float, float]] = []
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="harness-monitor", daemon=True)

    def start(self) -> HarnessMonitor:
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()

    def sample(self) -> None:
        at = self.wall() - self.origin_wall
        try:
            prom = parse_metrics(self.prometheus.request("GET", "/metrics").text)
            am = parse_metrics(self.alertmanager.request("GET", "/metrics").text)
        except ApiError:
            self.errors += 1
            return
        self.evaluations.append((at, *evaluation_figures(prom)))
        self.notifications.append((at, *notification_figures(am)))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def health(self, seconds: float) -> HarnessHealth:
        """Everything seen over the pipeline's ``seconds``, as trouble windows and figures."""
        try:
            scrapes, interval, durations = synthetic_scrapes(self.prometheus, self.origin_wall, seconds)
        except ApiError:  # the verdicts stand without the scrape figures; the count says so
            self.errors += 1
            scrapes, interval, durations = [], 0.0, []
        slowest = max((took for _, took in durations), default=0.0)
        troubles = merge(
            scrape_trouble(scrapes, interval)
            + slow_scrape_trouble(durations, interval)
            + evaluation_trouble(self.evaluations)
            + sink_trouble(self.notifications),
            gap=1.0,
        )
        missed = self.evaluations[-1][1] - self.evaluations[0][1] if len(self.evaluations) > 1 else 0.0
        sent = self.notifications[-1][2] - self.notifications[0][2] if len(self.notifications) > 1 else 0.0
        figures = {
            "synthetic_scrapes": {
                "total": len(scrapes),
                "failed": sum(1 for _, up in scrapes if up < 1),
                "slower_than_interval": sum(1 for _, took in durations if interval and took > interval),
                "interval_s": round(interval, 3),
                "slowest_s": round(slowest, 3),
            },
            "rule_evaluations": {
                "missed": missed,
                "worst_duration_to_interval": round(max((r for _, _, r in self.evaluations), default=0.0), 3),
            },
            "notifications": {"sent": sent},
            "samples": len(self.evaluations),
            "sample_errors": self.errors,
            "trouble": [t.to_json() for t in troubles],
        }
        return HarnessHealth(troubles, figures)


def synthetic_scrapes(
    prom: PrometheusClient, origin_wall: float, seconds: float
) -> tuple[list[tuple[float, float]], float, list[tuple[float, float]]]:
    """The synthetic target's ``up`` samples since the pipeline started, as (seconds since start,
    value); its scrape interval; each scrape's duration as (seconds since start, seconds)."""
    window = f"{max(1, round(seconds + 2))}s"
    selector = f'{{job="{SYNTHETIC_JOB}"}}'
    interval = next((t.scrape_interval for t in prom.targets() if t.job == SYNTHETIC_JOB), 0.0)

    def since_start(metric: str) -> list[tuple[float, float]]:
        data = prom.query_data(f"{metric}{selector}[{window}]")
        return sorted(
            (float(ts) - origin_wall, float(value))
            for series in data["result"]
            for ts, value in series.get("values", [])
            if float(ts) >= origin_wall - interval
        )

    return since_start("up"), interval, since_start("scrape_duration_seconds")


CHECKS = {
    "synthetic-scrapes": "scrapes of the harness's synthetic target",
    "rule-evaluations": "Prometheus' rule evaluations",
    "sinks": "deliveries to the harness's sinks",
    "alert-observer": "the harness's reading of Prometheus' alerts",
}


def record_health(health: HarnessHealth, report: Report) -> None:
    """One ``harness/<what>`` result each: passed, or a warning naming the trouble. Never a
    failure: whether trouble cost a verdict is decided over the verdicts (runner/attempts.py)."""
    report.measurements["harness"] = health.figures
    scrapes = health.figures["synthetic_scrapes"]
    for what, subject in CHECKS.items():
        found = [t for t in health.troubles if t.what == what]
        check_id = f"harness/{what}"
        if not found:
            note = (
                f"{scrapes['total']} scrapes, slowest {scrapes['slowest_s']:.3f}s"
                if what == "synthetic-scrapes"
                else ""
            )
            report.passed(check_id, "reliability", note).severity = "warning"  # it never fails a run
            continue
        report.warning(
            check_id,
            "reliability",
            f"{subject} fell behind in {len(found)} window(s): "
            + "; ".join(t.summary for t in found[:3])
            + ("; …" if len(found) > 3 else "")
            + ". The machine was too busy for this time scale at those moments; verdicts formed "
            "then are re-run at a gentler scale if they failed. Hint: a quieter machine or a lower "
            "--time-scale avoids it",
            trouble=[t.to_json() for t in found],
        )
