"""Containers backend: each instance is a Docker container on the host network.

Containers run ``spec.image`` with ``spec.args`` as the command (the image's entrypoint is the
binary), ``network_mode=host`` (never a bridge: they listen only on the loopback address the
arguments name), every path of ``spec.mounts`` and ``spec.workdir`` bind-mounted read-write at
the same path, as root. Logs are kept by the engine and copied to ``<workdir>/<name>.log``
when an instance stops.

Cleanup: every container carries the labels ``stackcheck.run`` (one id per backend),
``stackcheck.instance`` and ``stackcheck.owner`` (host:pid of the harness). ``stop_all``
removes every container of its run id — also one whose launch was interrupted before a
handle existed — and ignores SIGINT while it does, so Ctrl-C cannot leave one behind.
``remove_labelled`` removes what a crashed run left.

The engine is driven through the docker SDK that testcontainers wraps, not through
testcontainers' ``DockerContainer``: its ``create`` pulls a missing image (a slow, pointless
failure offline) and may attach a custom network when it detects docker-in-docker, which
conflicts with host networking. Ryuk is disabled for the same offline reason
(``TESTCONTAINERS_RYUK_DISABLED=true``); the labels above replace it.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from validation.backends.base import Backend, Handle, LaunchSpec
from validation.core.errors import ComponentUnavailable

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

RUN_LABEL = "stackcheck.run"
INSTANCE_LABEL = "stackcheck.instance"
OWNER_LABEL = "stackcheck.owner"
ENGINE_HINT = (
    "start the Docker engine: `nohup dockerd --bridge=none --iptables=false --ip6tables=false "
    ">/tmp/dockerd.log 2>&1 &` (apt-get install docker.io when missing), or use --backend process"
)
STOP_GRACE_SECONDS = 5.0


def engine_client(timeout: float = 60.0) -> Any:
    """A docker SDK client whose engine answered a ping; ``ComponentUnavailable`` otherwise."""
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:
        raise ComponentUnavailable(
            f"no Docker engine answers ({exc.__class__.__name__}: {_first_line(exc)})",
            place="containers backend",
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


def container_name(run_id: str, instance: str, serial: int) -> str:
    """A name Docker accepts ([a-zA-Z0-9][a-zA-Z0-9_.-]*), unique per run and launch."""
    safe = re.sub(r"[^a-zA-Z0-9_.-]+", "-", instance).strip("-.") or "instance"
    return f"stackcheck-{run_id[:12]}-{safe}-{serial}"


def bind_volumes(spec: LaunchSpec) -> dict[str, dict[str, str]]:
    """Every mount, and the workdir unless a mount already holds it, at the same path (rw)."""
    paths = [Path(p).resolve() for p in spec.mounts]
    workdir = Path(spec.workdir).resolve()
    if not any(workdir == p or p in workdir.parents for p in paths):
        paths.append(workdir)
    return {str(p): {"bind": str(p), "mode": "rw"} for p in paths}


def pids_from_top(top: dict[str, Any]) -> list[int]:
    """Host PIDs from the engine's ``top`` answer (``Titles`` + ``Processes`` rows)."""
    titles = [str(t).upper() for t in top.get("Titles") or []]
    if "PID" not in titles:
        return []
    column = titles.index("PID")
    pids = []
    for row in top.get("Processes") or []:
        with contextlib.suppress(ValueError, IndexError):
            pids.append(int(row[column]))
    return pids


def owner_alive(owner: str, hostname: str | None = None) -> bool:
    """Whether the harness named by an ``OWNER_LABEL`` value (host:pid) still runs.

    An owner on another host is assumed alive: its PID cannot be checked from here.
    """
    host, _, pid_text = owner.rpartition(":")
    if host != (hostname or socket.gethostname()):
        return True
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except ValueError:
        return False
    except ProcessLookupError:
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


class ContainerHandle(Handle):
    def __init__(self, spec: LaunchSpec, container: Any, log_path: Path) -> None:
        super().__init__(spec)
        self.container = container
        self.log_path = log_path
        self._final_logs: str | None = None
        self._last_state: dict[str, Any] = {}

    def _state(self) -> dict[str, Any]:
        try:
            self.container.reload()
            self._last_state = dict(self.container.attrs.get("State") or {})
        except Exception:  # removed: keep the last state seen
            self._last_state = {**self._last_state, "Running": False}
        return self._last_state

    def alive(self) -> bool:
        return bool(self._state().get("Running"))

    def exit_code(self) -> int | None:
        state = self._state()
        if state.get("Running") or "ExitCode" not in state:
            return None
        return int(state["ExitCode"])

    def stop(self, timeout: float = 10.0) -> None:
        """``docker stop``: SIGTERM, SIGKILL after ``timeout`` seconds."""
        with contextlib.suppress(Exception):
            self.container.stop(timeout=max(1, math.ceil(timeout)))
        self._wait_exited(timeout + 5)
        self.save_logs()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.container.kill()
        self._wait_exited(10)
        self.save_logs()

    def _wait_exited(self, timeout: float) -> None:
        with contextlib.suppress(Exception):
            self.container.wait(timeout=timeout)

    def logs(self) -> str:
        if self._final_logs is not None:
            return self._final_logs
        try:
            return bytes(self.container.logs(stdout=True, stderr=True)).decode("utf-8", "replace")
        except Exception:
            return ""

    def save_logs(self) -> None:
        """Copy the engine's log to ``<workdir>/<name>.log`` (appended: a restart keeps both)."""
        text = self.logs()
        self._final_logs = text
        with contextlib.suppress(OSError), self.log_path.open("a", encoding="utf-8") as out:
            out.write(text)

    def pids(self) -> list[int]:
        try:
            pids = pids_from_top(self.container.top())
        except Exception:
            pids = []
        if not pids:
            pid = int(self._state().get("Pid") or 0)
            pids = [pid] if pid > 0 else []
        return pids


class ContainersBackend(Backend):
    name = "containers"

    def __init__(self, client: Any = None, run_id: str | None = None) -> None:
        self._client = client
        self.run_id = run_id or uuid.uuid4().hex
        self._handles: list[ContainerHandle] = []
        self._serial = 0
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = engine_client()
        return self._client

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "run_id": self.run_id}

    def labels(self, spec: LaunchSpec) -> dict[str, str]:
        return {
            RUN_LABEL: self.run_id,
            INSTANCE_LABEL: spec.name,
            OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}",
        }

    def launch(self, spec: LaunchSpec) -> Handle:
        import docker.errors

        spec.workdir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._serial += 1
            name = container_name(self.run_id, spec.name, self._serial)
        env = {"HOME": str(spec.workdir), **spec.env}
        try:
            container = self.client.containers.create(
                spec.image,
                command=list(spec.args),
                name=name,
                labels=self.labels(spec),
                network_mode="host",
                volumes=bind_volumes(spec),
                working_dir=str(spec.workdir),
                environment=env,
                user="root",
                detach=True,
            )
        except docker.errors.ImageNotFound:
            raise ComponentUnavailable(
                f"image {spec.image} is not present in the local Docker engine",
                place=spec.name,
                hint="run `stackcheck provision` (pulls it, or builds it from the local binary offline)",
            ) from None
        except docker.errors.APIError as exc:
            raise ComponentUnavailable(
                f"the Docker engine refused to create {name}: {_first_line(exc)}",
                place=spec.name,
                hint="check `docker info` and /tmp/dockerd.log",
            ) from None
        log_path = spec.workdir / f"{spec.name.replace('/', '_')}.log"
        handle = ContainerHandle(spec, container, log_path)
        with self._lock:
            self._handles.append(handle)
        try:
            container.start()
        except docker.errors.APIError as exc:
            raise ComponentUnavailable(
                f"container {name} did not start: {_first_line(exc)}",
                place=spec.name,
                hint=f"the image's entrypoint must be the binary; try `docker run --rm {spec.image} --version`",
            ) from None
        return handle

    def stop_all(self) -> None:
        with self._lock:
            handles, self._handles = self._handles, []
        with _sigint_ignored():
            for handle in handles:
                with contextlib.suppress(Exception):
                    handle.container.kill(signal="SIGTERM")
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            for handle in handles:
                handle._wait_exited(max(0.1, deadline - time.monotonic()))
                handle.save_logs()
                with contextlib.suppress(Exception):
                    handle.container.remove(force=True)
            if handles or self._client is not None:
                # also what a launch interrupted between create and the handle left behind
                remove_labelled(self.run_id, client=self._client)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
