"""A small threaded HTTP server base for the HTTP sinks (Slack, webhook).

Subclasses implement ``handle_post(path, headers, body) -> Reply``; this base answers other
methods with 405, applies the injected faults (stall, failure status) before the handler runs,
and counts every POST as a delivery attempt.

Limits: HTTP/1.0 only (one request per connection, which keeps shutdown joinable: no idle
keep-alive thread outlives ``stop()``); no TLS.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote

from validation.core.httpserver import QuietThreadingHTTPServer
from validation.fixtures.endpoints import HttpEndpoint
from validation.sinks.base import Rejection, Sink
from validation.sinks.inbox import Inbox

READ_TIMEOUT_SECONDS = 10.0


def route_of(path: str) -> str:
    """The request path without its query, percent-decoded: the URL as alertmanager.yml (and
    fixtures/endpoints.yaml) write it (``/services/<id>`` arrives as ``/services/%3Cid%3E``)."""
    return unquote(path.split("?", 1)[0])


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"


class _Server(QuietThreadingHTTPServer):
    # Handler threads are joined by server_close(), so stop() leaves none behind.
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], sink: HttpSink) -> None:
        self.sink = sink
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"
    timeout = READ_TIMEOUT_SECONDS
    # Headers and body are two writes; Nagle would hold the body for the client's delayed ACK.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        body = self._read_body()
        self._send(self.server.sink.dispatch(self.path, self.headers, body))

    def do_GET(self) -> None:
        self._send(Reply(405, b"method not allowed"))

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class HttpSink(Sink):
    """Base of the HTTP sinks: binds a ThreadingHTTPServer and serves it from one thread."""

    def __init__(
        self,
        host: str,
        port: int,
        inbox: Inbox,
        *,
        served: Mapping[str, HttpEndpoint] | None = None,
        name: str = "",
        senders: Mapping[str, str] | None = None,
    ) -> None:
        """``served``: path → the endpoint that exists there (fixtures/endpoints.yaml); None serves
        any path. ``name``: the configured host:port, for messages. ``senders``: path → the
        receiver whose URL it is, to name a receiver whose delivery cannot tell it."""
        super().__init__(host, port, inbox)
        self.served = {unquote(k): v for k, v in served.items()} if served is not None else None
        self.name = name or f"{host}:{port}"
        self.senders = {unquote(k): v for k, v in (senders or {}).items()}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def endpoint_at(self, path: str) -> HttpEndpoint | None:
        """The declared endpoint at ``path``; None when any path is served (no oracle)."""
        if self.served is None:
            return None
        return self.served.get(route_of(path))

    def refuse_unknown(self, path: str, body: bytes, receiver: str, answer: bytes) -> Reply | None:
        """404 (kept as an endpoint rejection) when nothing exists at ``path``; None when something does."""
        if self.served is None:
            return None
        route = route_of(path)
        receiver = self.senders.get(route) or receiver
        declared = self.endpoint_at(path)
        if declared is not None:
            if declared.method == "POST":
                return None
            return self.refuse(
                path,
                body,
                receiver,
                f"POST {self.name}{route}",
                f"{self.name}{route} accepts {declared.method}, not POST",
                b"method not allowed",
                405,
            )
        known = ", ".join(sorted(self.served)) or "nothing"
        self.rejected.append(
            Rejection(
                path,
                f"nothing exists at {self.name}{route} (declared there: {known})",
                body,
                receiver,
                f"POST {self.name}{route}",
            )
        )
        return Reply(404, answer)

    def refuse(
        self, path: str, body: bytes, receiver: str, tried: str, reason: str, answer: bytes, status: int
    ) -> Reply:
        """Refuse a delivery to a declared endpoint that it does not accept (a wrong channel)."""
        self.rejected.append(Rejection(path, reason, body, receiver, tried))
        return Reply(status, answer)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def dispatch(self, path: str, headers: Message, body: bytes) -> Reply:
        decision = self.faults.begin_attempt(self.receiver_of(path, headers, body))
        self.faults.stall(decision.delay)
        if decision.status is not None:
            return Reply(decision.status, b"failure injected by stackcheck\n")
        return self.handle_post(path, headers, body)

    def reject(self, path: str, body: bytes, reason: str, answer: bytes, status: int = 400) -> Reply:
        """Keep the refused delivery in ``rejected`` and build the answer the real service gives."""
        self.rejected.append(Rejection(path, reason, body))
        return Reply(status, answer)

    @abstractmethod
    def receiver_of(self, path: str, headers: Message, body: bytes) -> str:
        """The receiver a delivery is for, as far as it can be told before validation ("" if not)."""

    @abstractmethod
    def handle_post(self, path: str, headers: Message, body: bytes) -> Reply: ...

    def _open(self) -> None:
        server = _Server((self.host, self.port), self)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.kind}-sink-{self.host}:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def _shutdown(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
