"""A ThreadingHTTPServer that does not print a traceback when a client hangs up.

Prometheus closes scrape connections at shutdown and Alertmanager times out slow sinks on
purpose: a peer that went away is normal here, not an error worth a stack trace on stderr.
"""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class QuietThreadingHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)
