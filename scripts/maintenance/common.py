"""Shared pieces of the maintenance scripts: errors, basic-auth HTTP, durations, sizes, hashing.

Standard library only. Errors the operator can cause raise ``MaintenanceError`` with the place and a
hint, in the format of ``validation.core.errors`` (``place: what. Hint: …``); ``run_main`` prints it
without a traceback and exits with its code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
DEFAULT_USER = "stackcheck"


class MaintenanceError(Exception):
    """``what`` went wrong at ``place``; ``hint`` says what to do next."""

    def __init__(self, what: str, *, place: str = "", hint: str = "", exit_code: int = EXIT_FAILED) -> None:
        self.what = what
        self.place = place
        self.hint = hint
        self.exit_code = exit_code
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.place}: {self.what}" if self.place else self.what
        if self.hint:
            text = f"{text.rstrip('.')}. Hint: {self.hint}"
        return text


def run_main(body: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None) -> int:
    try:
        return body(argv)
    except MaintenanceError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


# ------------------------------------------------------------------ credentials and HTTP
def read_password(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise MaintenanceError(
            f"cannot read the password file: {exc.strerror}",
            place=str(path),
            hint="pass --password-file with a readable file holding only the password",
            exit_code=EXIT_USAGE,
        ) from None


def resolve_auth(
    component: str, user: str, password_file: Path | None, secrets_dir: Path | None
) -> tuple[str, str] | None:
    """``<secrets_dir>/<component>-password`` when it exists, else ``password_file``, else no auth."""
    if secrets_dir is not None:
        candidate = secrets_dir / f"{component}-password"
        if candidate.is_file():
            return (user, read_password(candidate))
    if password_file is not None:
        return (user, read_password(password_file))
    return None


def add_auth_arguments(parser: Any) -> None:
    parser.add_argument("--user", default=DEFAULT_USER, help="basic-auth user (default: %(default)s)")
    parser.add_argument("--password-file", type=Path, help="file holding the basic-auth password")
    parser.add_argument(
        "--secrets-dir",
        type=Path,
        help="directory with <component>-password files (e.g. /etc/stackcheck/secrets); wins over --password-file",
    )


@dataclass
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Endpoint:
    """One component's HTTP API with basic auth; never follows proxies (loopback and cluster-internal)."""

    def __init__(self, base_url: str, auth: tuple[str, str] | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"
    ) -> Response:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        if body is not None:
            request.add_header("Content-Type", content_type)
        if self.auth is not None:
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                return Response(reply.status, reply.read())
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read())
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MaintenanceError(
                f"{method} {path} failed: {reason}",
                place=self.base_url,
                hint="is the component running and the URL right? (the scripts never use a proxy)",
            ) from None

    def get_json(self, path: str) -> Any:
        response = self.request("GET", path)
        if response.status == 401:
            raise MaintenanceError(
                f"GET {path} answered 401 Unauthorized",
                place=self.base_url,
                hint="give --user and --password-file (or --secrets-dir): basic auth covers every endpoint",
            )
        if response.status >= 400:
            raise MaintenanceError(
                f"GET {path} answered {response.status}: {response.text[:200]}", place=self.base_url
            )
        data = response.json()
        if data is None:
            raise MaintenanceError(f"GET {path} did not answer JSON", place=self.base_url)
        return data

    def answers(self) -> bool:
        """Does anything answer HTTP at this URL (any status, auth or not)?"""
        try:
            self.request("GET", "/-/healthy")
        except MaintenanceError:
            return False
        return True


# ------------------------------------------------------------------ units
_DURATION = re.compile(r"(\d+)(ms|y|w|d|h|m|s)")
_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(text: str) -> float:
    """A Prometheus duration (``90s``, ``1h30m``, ``30d``, ``1y``) → seconds."""
    text = text.strip()
    if not text or _DURATION.sub("", text) != "":
        raise MaintenanceError(
            f"{text!r} is not a duration",
            hint="use Prometheus units, e.g. 90s, 15m, 24h, 30d",
            exit_code=EXIT_USAGE,
        )
    return float(sum(int(n) * _DURATION_SECONDS[unit] for n, unit in _DURATION.findall(text)))


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTPE]?i?B)\s*$", re.IGNORECASE)
_SIZE_POWER = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}


def parse_size(text: str) -> int:
    """A Prometheus retention size (``200GB``, ``512MiB``) → bytes. Prometheus counts 1 GB as 2^30 bytes."""
    match = _SIZE.match(text)
    if not match:
        raise MaintenanceError(
            f"{text!r} is not a size",
            hint="use Prometheus units, e.g. 512MB, 200GB, 1TB",
            exit_code=EXIT_USAGE,
        )
    number, unit = float(match.group(1)), match.group(2).upper()
    return int(number * 1024 ** _SIZE_POWER[unit[0] if unit[0] != "B" else ""])


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def human_seconds(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f}d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h"
    if seconds >= 60:
        return f"{seconds / 60:.1f}m"
    return f"{seconds:.0f}s"


# ------------------------------------------------------------------ time and hashing
def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(epoch_ms: int) -> str:
    return iso(datetime.fromtimestamp(epoch_ms / 1000, UTC))


def parse_time(text: str) -> datetime:
    """An RFC 3339 time as the APIs write it (nanoseconds allowed) → aware datetime."""
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        raise MaintenanceError(f"{text!r} is not an RFC 3339 time", exit_code=EXIT_USAGE) from None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
