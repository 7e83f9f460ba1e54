"""A ThreadingHTTPServer that does not print a traceback when a client hangs up.

Prometheus closes scrape connections at shutdown and Alertmanager times out slow sinks on
purpose: a peer that went away is normal here, not an error worth a stack trace on stderr.
"""

from __future__ import annotations

import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from validation.core.errors import HarnessError


class QuietThreadingHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class BackgroundHttpServer:
    """One quiet threaded HTTP server on a background thread: ``start`` binds (a clear
    ``HarnessError`` when it cannot), ``stop`` shuts it down and joins the thread."""

    def __init__(
        self,
        host: str,
        port: int,
        handler: type[BaseHTTPRequestHandler],
        place: str,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.ssl_context = ssl_context  # set: serve HTTPS only
        self.host = host
        self.port = port
        self.handler = handler
        self.place = place
        self._server: QuietThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        """Bind and serve; returns the port (the chosen one when asked for 0)."""
        try:
            self._server = QuietThreadingHTTPServer((self.host, self.port), self.handler)
        except OSError as exc:
            raise HarnessError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror}",
                place=self.place,
                hint="another process holds the port, or the loopback address is not configured",
            ) from None
        self._server.daemon_threads = True
        if self.ssl_context is not None:
            self._server.socket = self.ssl_context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )  # the handshake happens in the request's thread, never blocking the accept loop
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.port

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
