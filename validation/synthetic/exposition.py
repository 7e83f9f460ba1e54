"""A real HTTP scrape target serving scenario series as they evolve over time.

Each series is a ``Timeline``: samples one ``interval`` apart from ``start`` (monotonic
seconds, from the injected clock). At time t the target serves the sample at index
``floor((t - start) / interval)``:

- before ``start``: the series is not served;
- ``_`` (missing) or ``stale``: the series is omitted from that scrape (Prometheus marks a
  series that disappears from a scrape stale);
- after the last sample: with ``hold_last`` (the default) the last sample keeps being served —
  the pipeline needs a stable tail; if the last sample is ``_`` / ``stale`` the series stays
  absent. Without ``hold_last`` the series ends, as in promtool. With ``continues`` (an exporter
  fixture's trailing ``x``, ``0+15x``) the last step repeats forever, whatever the series' name.

One target listens on one (host, port); targets that are pods at their own addresses get a
``SyntheticTarget`` each. Only loopback addresses are accepted.

Scrape slots: Prometheus stamps a sample with the moment its scrape was *scheduled*, on a
fixed grid (one offset per target, then every interval), while the request reaches the target
a little later — later still on a busy machine. Once ``follow_scrapes(interval)`` is called the
target renders each scrape at its slot on that grid (estimated from the least-delayed recent
arrivals) instead of at its arrival, so a late request serves the sample its timestamp says;
``scrape_phase`` lets the pipeline start its timelines half a step away from the slots, so no
scrape sits on a step boundary where jitter would pick one sample or the next.
"""

from __future__ import annotations

import ipaddress
import math
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from validation.core.errors import HarnessError
from validation.core.httpserver import BackgroundHttpServer
from validation.synthetic.notation import STALE, Sample, parse_series, parse_values
from validation.synthetic.textformat import TYPES, Point, render_exposition

Clock = Callable[[], float]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Timeline:
    """One series of one scenario: samples ``interval`` seconds apart from ``start``."""

    scenario: str
    name: str
    labels: tuple[tuple[str, str], ...]
    samples: tuple[Sample, ...]
    interval: float
    start: float
    hold_last: bool = True
    continues: bool = False  # after the data the last step repeats (``0+15x``), gauge or counter

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.name, self.labels

    @property
    def end(self) -> float:
        """When the last sample starts being served."""
        return self.start + max(len(self.samples) - 1, 0) * self.interval

    def value_at(self, now: float) -> float | None:
        """The value served at ``now``, or None when the series is absent from the scrape."""
        if now < self.start or not self.samples:
            return None
        index = math.floor((now - self.start) / self.interval)
        if index >= len(self.samples):
            if not self.hold_last:
                return None
            return self._tail(index)
        sample = self.samples[index]
        return None if sample is None or sample is STALE else float(sample)

    def _tail(self, index: int) -> float | None:
        """After the data: a gauge holds its last value; a counter keeps its last slope (a frozen
        counter would read as "rate 0", which the data never said)."""
        last = self.samples[-1]
        if last is None or last is STALE:
            return None
        if not (self.continues or _is_counter(self.name)) or len(self.samples) < 2:
            return float(last)
        previous = self.samples[-2]
        if previous is None or previous is STALE:
            return float(last)
        if float(previous) > float(last) and not self.continues:
            return float(last)
        return float(last) + (index - len(self.samples) + 1) * (float(last) - float(previous))


class SyntheticTarget:
    """Serves registered timelines at ``http://host:port/metrics`` (text format 0.0.4)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Clock = time.monotonic,
        hold_last: bool = True,
        any_path: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """``any_path``: answer a scrape on every path, not only ``/metrics`` (an exporter stand-in:
        the path is the scrape config's own choice, and nothing says what the real one serves).
        ``ssl_context``: serve HTTPS only, with its certificate."""
        _require_loopback(host)
        self.any_path = any_path
        self._ssl_context = ssl_context
        self._host = host
        self._port = port
        self._clock = clock
        self._hold_last = hold_last
        self._lock = threading.Lock()
        self._scraped = threading.Condition(self._lock)
        self._timelines: dict[tuple[str, tuple[tuple[str, str], ...]], Timeline] = {}
        self._types: dict[str, str] = {}
        self._scrapes = 0
        self._arrivals: deque[float] = deque(maxlen=64)  # when recent scrape requests arrived
        self._scrape_interval = 0.0  # > 0: render each scrape at its slot (follow_scrapes)
        self._http: BackgroundHttpServer | None = None

    # registry -------------------------------------------------------------------------------

    def add_timeline(
        self,
        series: str | tuple[str, Mapping[str, str]],
        values: str | Sequence[Sample],
        interval_seconds: float,
        start_monotonic: float | None = None,
        *,
        scenario: str = "",
        hold_last: bool | None = None,
        continues: bool = False,
    ) -> Timeline:
        """Register a series: a selector string or (name, labels); values as notation or samples.

        ``start_monotonic`` defaults to now. A series already served (same name and labels)
        raises ``HarnessError``: two timelines for one series would make scrapes ambiguous.
        """
        if interval_seconds <= 0:
            raise HarnessError(f"interval must be positive, got {interval_seconds}", hint="pass seconds > 0")
        name, labels = parse_series(series) if isinstance(series, str) else (series[0], dict(series[1]))
        samples = parse_values(values) if isinstance(values, str) else list(values)
        timeline = Timeline(
            scenario=scenario,
            name=name,
            labels=tuple(sorted(labels.items())),
            samples=tuple(samples),
            interval=float(interval_seconds),
            start=self._clock() if start_monotonic is None else float(start_monotonic),
            hold_last=self._hold_last if hold_last is None else hold_last,
            continues=continues,
        )
        with self._lock:
            other = self._timelines.get(timeline.key)
            if other is not None:
                raise HarnessError(
                    f"series {_describe(timeline)} is already served for scenario {other.scenario!r}",
                    place=f"scenario {scenario!r}",
                    hint="give each scenario its own instance/node labels (Scenario.isolate does this)",
                )
            self._timelines[timeline.key] = timeline
        return timeline

    def set_type(self, family: str, kind: str) -> None:
        if kind not in TYPES:
            raise HarnessError(f"unknown metric type {kind!r}", hint=f"use one of {', '.join(TYPES)}")
        with self._lock:
            self._types[family] = kind

    def remove_scenario(self, name: str) -> int:
        """Stop serving every series of scenario ``name``; returns how many were removed."""
        with self._lock:
            keys = [key for key, timeline in self._timelines.items() if timeline.scenario == name]
            for key in keys:
                del self._timelines[key]
        return len(keys)

    def clear(self) -> None:
        with self._lock:
            self._timelines.clear()

    def timelines(self) -> list[Timeline]:
        with self._lock:
            return list(self._timelines.values())

    # scrape slots ----------------------------------------------------------------------------

    def scrape_phase(self, interval: float) -> float | None:
        """A moment on the target's clock when a scrape was scheduled (modulo ``interval``): the
        recent arrival the others follow most closely (the least sum of ``(a - c) mod interval``)
        — the least-delayed one of the usual cluster, as delays only ever add; a late outlier
        would have the others wrap almost a whole interval behind it. None before any scrape."""
        with self._lock:
            arrivals = list(self._arrivals)
        if not arrivals or interval <= 0:
            return None
        return min(arrivals, key=lambda c: sum((a - c) % interval for a in arrivals))

    def follow_scrapes(self, interval: float) -> None:
        """Render every later scrape at its scheduled slot on a grid ``interval`` apart."""
        with self._lock:
            self._scrape_interval = interval

    def slot_of(self, arrival: float) -> float:
        """The scheduled slot a request arriving at ``arrival`` belongs to (itself when not
        following scrapes). A request a tenth of an interval early still counts as its slot:
        the phase is an estimate."""
        interval = self._scrape_interval
        phase = self.scrape_phase(interval) if interval > 0 else None
        if phase is None:
            return arrival
        return phase + math.floor((arrival - phase) / interval + 0.1) * interval

    def _arrived(self, at: float) -> None:
        with self._lock:
            self._arrivals.append(at)

    def render(self, now: float | None = None) -> str:
        """The exposition body a scrape at ``now`` (default: the clock) receives."""
        with self._lock:
            timelines = list(self._timelines.values())
            types = dict(self._types)
        moment = self._clock() if now is None else now
        points = []
        for timeline in timelines:
            value = timeline.value_at(moment)
            if value is not None:
                points.append(Point(timeline.name, timeline.labels, value))
        return render_exposition(points, types=types)

    # serving --------------------------------------------------------------------------------

    def start(self) -> SyntheticTarget:
        if self._http is not None:
            return self
        self._http = BackgroundHttpServer(
            self._host, self._port, _handler_for(self), "synthetic target", self._ssl_context
        )
        self._port = self._http.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()
            self._http = None

    def __enter__(self) -> SyntheticTarget:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def address(self) -> str:
        """``host:port`` as a Prometheus static target."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{host}:{self._port}"

    @property
    def url(self) -> str:
        return f"{'https' if self._ssl_context else 'http'}://{self.address}/metrics"

    @property
    def scrapes(self) -> int:
        with self._lock:
            return self._scrapes

    def wait_for_scrapes(self, count: int, timeout: float) -> bool:
        """Block until at least ``count`` scrapes in total were served, or ``timeout`` passed."""
        deadline = time.monotonic() + timeout
        with self._scraped:
            while self._scrapes < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._scraped.wait(remaining)
            return True

    def _served_scrape(self) -> None:
        with self._scraped:
            self._scrapes += 1
            self._scraped.notify_all()


def _handler_for(target: SyntheticTarget) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path != "/metrics" and not target.any_path:
                self._reply(404, "text/plain; charset=utf-8", b"not found: scrape /metrics\n")
                return
            arrival = target._clock()
            target._arrived(arrival)
            body = target.render(target.slot_of(arrival)).encode("utf-8")
            self._reply(200, CONTENT_TYPE, body)
            target._served_scrape()

        def _reply(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes every second would flood the harness output

    return Handler


def _is_counter(name: str) -> bool:
    return name.endswith(("_total", "_count", "_sum", "_bucket"))


def _require_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise HarnessError(
            f"synthetic target address {host!r} is not a loopback address",
            hint="the harness serves synthetic series on 127.0.0.0/8 (or ::1) only",
        )


def _describe(timeline: Timeline) -> str:
    labels = ", ".join(f'{key}="{value}"' for key, value in timeline.labels)
    return f"{timeline.name}{{{labels}}}"
