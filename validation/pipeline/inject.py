"""Inject scenario series: served by the synthetic scrape target, or pushed to the Pushgateway.

Intervals are production time; the run divides them by the time scale.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from validation.clients.alertmanager import AlertmanagerClient
from validation.clients.pushgateway import PushgatewayClient
from validation.scenarios.model import PostAlert, PushSeries, Scenario
from validation.synthetic.exposition import SyntheticTarget
from validation.synthetic.notation import STALE
from validation.synthetic.textformat import escape_label_value


def aligned_start(earliest: float, phase: float | None, step: float) -> float:
    """The first moment from ``earliest`` at which timelines of ``step`` (or a multiple) can
    start so that every scrape slot (``phase`` + n × a multiple of ``step``, or a divisor of it
    down to ``step``) sits half a step from a sample boundary: jitter then never decides whether
    a scrape reads one sample or the next. Without a phase, ``earliest``."""
    if phase is None or step <= 0:
        return earliest
    return earliest + (phase + step / 2 - earliest) % step


def serve_scenario(target: SyntheticTarget, scenario: Scenario, start: float, scale: float) -> None:
    for series in scenario.input_series:
        target.add_timeline(
            (series.name, series.labels),
            list(series.values),
            scenario.interval / scale,
            start,
            scenario=scenario.name,
        )


class _Ticking:
    """A background thread calling ``tick()`` until stopped; ``tick`` returns the seconds to wait."""

    jobs: list[Any]

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def tick(self) -> float:
        raise NotImplementedError

    def start(self) -> Self:
        if self.jobs:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self.tick())


class Pusher(_Ticking):
    """Pushes each push_series' current sample to its Pushgateway group once per interval."""

    def __init__(self, client: PushgatewayClient, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__("pusher")
        self.client = client
        self.clock = clock
        self.jobs: list[tuple[Scenario, float, float]] = []  # scenario, start, real interval
        self.errors: list[str] = []

    def add(self, scenario: Scenario, start: float, scale: float) -> None:
        if scenario.push_series:
            self.jobs.append((scenario, start, scenario.interval / scale))

    def stop(self) -> None:
        super().stop()
        for scenario, _, _ in self.jobs:
            for job, grouping in {(s.job, tuple(sorted(s.grouping.items()))) for s in scenario.push_series}:
                try:
                    self.client.delete(job, dict(grouping))
                except Exception as exc:  # cleanup must go on for the other groups
                    self.errors.append(f"delete {job}: {exc}")

    def push_once(self) -> float:
        """Push every group's current samples; returns seconds until the next sample is due."""
        now = self.clock()
        wait = 1.0
        for scenario, start, interval in self.jobs:
            index = math.floor((now - start) / interval) if now >= start else -1
            wait = min(wait, interval - ((now - start) % interval) if now >= start else start - now)
            groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[PushSeries]] = {}
            samples: dict[int, float] = {}
            for series in scenario.push_series:
                if index < 0:
                    continue
                sample = series.values[min(index, len(series.values) - 1)]
                key = (series.job, tuple(sorted(series.grouping.items())))
                groups.setdefault(key, [])
                if sample is None or sample is STALE:
                    continue
                groups[key].append(series)
                samples[id(series)] = float(sample)
            for (job, grouping), members in groups.items():
                lines = _body(members, samples)
                try:
                    if lines:
                        self.client.push(job, "\n".join(lines), dict(grouping))
                    else:
                        self.client.delete(job, dict(grouping))
                except Exception as exc:  # a failed push is recorded and judged by the expectations
                    self.errors.append(f"push {job}: {exc}")
        return max(0.02, wait)

    def tick(self) -> float:
        return self.push_once()


def _body(members: list[PushSeries], samples: dict[int, float]) -> list[str]:
    """Exposition lines of one push: each family's samples together, after its # TYPE if typed."""
    lines: list[str] = []
    for name in dict.fromkeys(s.name for s in members):
        family = [s for s in members if s.name == name]
        kind = next((s.type for s in family if s.type), "")
        if kind:
            lines.append(f"# TYPE {name} {kind}")
        lines += [_line(s, samples[id(s)]) for s in family]
    return lines


def _line(series: PushSeries, value: float) -> str:
    labels = {k: v for k, v in series.labels.items() if k not in series.grouping and k != "job"}
    pairs = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in sorted(labels.items()))
    return f"{series.name}{{{pairs}}} {value!r}" if pairs else f"{series.name} {value!r}"


class Poster(_Ticking):
    """Posts each scenario's post_alerts to Alertmanager, as another alert source would: again
    every ``resend`` seconds while active (endsAt a few resends ahead), then once resolved."""

    def __init__(
        self, client: AlertmanagerClient, resend: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__("poster")
        self.client = client
        self.resend = max(0.2, resend)
        self.clock = clock
        self.jobs: list[tuple[PostAlert, float, float]] = []  # alert, start, real end
        self.errors: list[str] = []
        self._resolved: set[int] = set()

    def add(self, scenario: Scenario, start: float, scale: float) -> None:
        for alert in scenario.post_alerts:
            self.jobs.append((alert, start, start + alert.active_for / scale))

    def post_once(self) -> None:
        now = self.clock()
        wall = datetime.now(UTC)
        batch = []
        for index, (alert, start, end) in enumerate(self.jobs):
            if now < start or index in self._resolved:
                continue
            ends = wall if now >= end else wall + timedelta(seconds=4 * self.resend)
            if now >= end:
                self._resolved.add(index)
            batch.append(
                {"labels": alert.labels, "annotations": alert.annotations, "endsAt": ends.isoformat()}
            )
        if batch:
            try:
                self.client.post_alerts(batch)
            except Exception as exc:  # judged by the expectations; recorded for the report
                self.errors.append(f"post: {exc}")

    def tick(self) -> float:
        self.post_once()
        return self.resend
