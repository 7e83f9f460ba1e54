"""Watch Prometheus' alerts while scenarios run: when each alert was first pending, firing,
and when it stopped — polled at half the evaluation interval on a background thread — and
Prometheus' own ``activeAt`` of the activation that fired (the evaluation that first saw the
condition, exact where the poll is not), converted to the observer's clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from validation.clients.http import ApiError
from validation.clients.prometheus import PrometheusClient


@dataclass
class AlertTrace:
    name: str
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    first_pending: float | None = None
    first_firing: float | None = None
    last_seen: float = 0.0
    gone_at: float | None = None
    active_at: float | None = None  # Prometheus' activeAt, on the observer's clock


class AlertObserver:
    def __init__(
        self,
        client: PrometheusClient,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.interval = max(0.05, interval)
        self.clock = clock
        self.wall = wall
        self.traces: dict[tuple[tuple[str, str], ...], AlertTrace] = {}
        self.errors = 0
        self.polls: list[float] = []  # when each successful poll asked (its answer is at least that fresh)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="alert-observer", daemon=True)

    def start(self) -> AlertObserver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def poll(self) -> None:
        now = self.clock()
        try:
            alerts = self.client.alerts()
        except ApiError:
            self.errors += 1
            return
        wall_minus_clock = self.wall() - self.clock()
        seen = set()
        with self._lock:
            for alert in alerts:
                key = tuple(sorted(alert.labels.items()))
                seen.add(key)
                trace = self.traces.setdefault(key, AlertTrace(alert.name, dict(alert.labels)))
                trace.annotations = dict(alert.annotations)
                trace.last_seen = now
                trace.gone_at = None
                if trace.first_firing is None and alert.active_at:
                    # the activation that fires is the one to time: an earlier pending one may
                    # have ended before its `for` ran out
                    active = _epoch(alert.active_at)
                    if active is not None:
                        trace.active_at = active - wall_minus_clock
                if alert.state == "pending" and trace.first_pending is None:
                    trace.first_pending = now
                if alert.state == "firing" and trace.first_firing is None:
                    trace.first_firing = now
            for key, trace in self.traces.items():
                if key not in seen and trace.gone_at is None:
                    trace.gone_at = now
            self.polls.append(now)

    @property
    def seen_until(self) -> float:
        """What the traces say holds at least until this moment (the last successful poll)."""
        with self._lock:
            return self.polls[-1] if self.polls else float("-inf")

    def poll_times(self) -> list[float]:
        with self._lock:
            return list(self.polls)

    def snapshot(self) -> list[AlertTrace]:
        with self._lock:
            return [AlertTrace(**vars(t)) for t in self.traces.values()]

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.interval)


def _epoch(rfc3339: str) -> float | None:
    try:
        return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
