"""The Docker engine client: does an engine answer, and the sweep of stackcheck's containers.

Every container the harness starts carries the labels ``stackcheck.run`` (one id per
backend), ``stackcheck.instance`` and ``stackcheck.owner`` (host:pid of the harness).
Ryuk, testcontainers' reaper, stays off (``TESTCONTAINERS_RYUK_DISABLED=true``): its image
would have to be pulled, and the labels let ``remove_labelled`` do its job — also for the
containers of a harness that was SIGKILLed.
"""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Any

from validation.core.errors import ComponentUnavailable

RUN_LABEL = "stackcheck.run"
INSTANCE_LABEL = "stackcheck.instance"
OWNER_LABEL = "stackcheck.owner"
ENGINE_HINT = (
    "start the Docker engine: `stackcheck provision --docker` (installs docker.io, starts "
    "`dockerd --bridge=none --iptables=false --ip6tables=false`), or use --backend process"
)


def engine_client(timeout: float = 60.0) -> Any:
    """A docker SDK client whose engine answered a ping; ``ComponentUnavailable`` otherwise."""
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:
        raise ComponentUnavailable(
            f"no Docker engine answers ({exc.__class__.__name__}: {first_line(exc)})",
            place="docker",
            hint=ENGINE_HINT,
        ) from None
    return client


def engine_available(timeout: float = 2.0) -> bool:
    """True when a Docker engine answers a ping within ``timeout`` seconds; never raises."""
    try:
        client = engine_client(timeout)
    except Exception:
        return False
    with contextlib.suppress(Exception):
        client.close()
    return True


def owner_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str, hostname: str | None = None) -> bool:
    """Whether the harness named by an ``OWNER_LABEL`` value (host:pid) still runs.

    An owner on another host is assumed alive: its PID cannot be checked from here.
    """
    host, _, pid_text = owner.rpartition(":")
    if host != (hostname or socket.gethostname()):
        return True
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def remove_labelled(
    run_id: str | None = None, *, orphans_only: bool = False, client: Any = None
) -> list[str]:
    """Force-remove containers labelled by stackcheck; returns their names.

    ``run_id`` limits it to one run; ``orphans_only`` to containers whose harness process
    (``OWNER_LABEL``) no longer runs on this host — safe while other runs are going on.
    Returns [] when no engine answers.
    """
    try:
        client = client or engine_client(timeout=10)
    except ComponentUnavailable:
        return []
    label = f"{RUN_LABEL}={run_id}" if run_id else RUN_LABEL
    removed = []
    for container in client.containers.list(all=True, filters={"label": label}, ignore_removed=True):
        labels = container.labels or {}
        if orphans_only and owner_alive(labels.get(OWNER_LABEL, "")):
            continue
        with contextlib.suppress(Exception):
            container.remove(force=True)
            removed.append(container.name)
    return removed


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "explanation", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
