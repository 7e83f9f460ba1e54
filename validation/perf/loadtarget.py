"""A scrape target serving N counter series from a pre-rendered block — load for benchmarks.

The harness's ``SyntheticTarget`` renders every series through the text-format module on each
scrape (flexible, but about a second at 100k series: too slow for a 1 s scrape). This target
renders the label part of every line once; a scrape joins those prefixes with the current
value in one C-level ``bytes.join``, so 100k series cost a few milliseconds. Every series is a
counter that advances by one per scrape (``rate()`` over it is meaningful; compression sees a
regular counter, the common production case).

Series: ``<family>{group="gNN", series="N"}`` with ``groups`` distinct groups, so
``sum by (group) (rate(...))`` has a realistic fan-in. Loopback addresses only.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from validation.core.httpserver import BackgroundHttpServer
from validation.synthetic.exposition import CONTENT_TYPE, _require_loopback

FAMILY = "stackcheck_perf_load_total"


def render_prefixes(count: int, family: str = FAMILY, groups: int = 100) -> list[bytes]:
    """The ``name{labels}`` part of each line (value appended per scrape)."""
    return [f'{family}{{group="g{i % groups:02d}",series="{i}"}}'.encode() for i in range(count)]


def render_block(prefixes: list[bytes], value: float, family: str = FAMILY) -> bytes:
    header = f"# HELP {family} Benchmark load served by stackcheck.\n# TYPE {family} counter\n".encode()
    if not prefixes:
        return header
    separator = f" {value:g}\n".encode()
    return header + separator.join(prefixes) + separator


class LoadTarget:
    """``http://host:port/metrics`` serving ``series`` counters; ``resize`` changes the count."""

    def __init__(self, host: str, port: int = 0, *, series: int = 0, family: str = FAMILY) -> None:
        _require_loopback(host)
        self.host = host
        self._port = port
        self.family = family
        self._lock = threading.Lock()
        self._prefixes = render_prefixes(series, family)
        self._scrapes = 0
        self.last_render_s = 0.0
        self._http: BackgroundHttpServer | None = None

    @property
    def series(self) -> int:
        with self._lock:
            return len(self._prefixes)

    @property
    def scrapes(self) -> int:
        with self._lock:
            return self._scrapes

    @property
    def address(self) -> str:
        return f"{self.host}:{self._port}"

    def resize(self, series: int) -> None:
        prefixes = render_prefixes(series, self.family)
        with self._lock:
            self._prefixes = prefixes

    def body(self) -> bytes:
        with self._lock:
            prefixes = self._prefixes
            self._scrapes += 1
            value = self._scrapes
        started = time.perf_counter()
        block = render_block(prefixes, value, self.family)
        self.last_render_s = time.perf_counter() - started
        return block

    def start(self) -> LoadTarget:
        self._http = BackgroundHttpServer(self.host, self._port, _handler(self), "perf load target")
        self._port = self._http.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()
            self._http = None


def _handler(target: LoadTarget) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/metrics":
                self.send_error(404)
                return
            body = target.body()
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
