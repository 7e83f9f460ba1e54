"""Is an address free to listen on? Checked before launch so a taken port is a clear error."""

from __future__ import annotations

import errno
import socket

from validation.core.errors import HarnessError


def ensure_free(ip: str, port: int, owner: str) -> None:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # as the Go components do: a TIME_WAIT left by an earlier run is not "taken"
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
            sock.listen()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise HarnessError(
                    f"port {port} is already taken: {owner} cannot listen on {ip}:{port}",
                    place=owner,
                    hint=f"another process listens on port {port} (see `ss -ltnp 'sport = :{port}'`); stop it — "
                    "the harness keeps each configured port so that a wrong port stays visible",
                ) from None
            raise HarnessError(f"cannot bind {ip}:{port}: {exc.strerror}", place=owner) from None


def free_port(ip: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])
