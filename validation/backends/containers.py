"""Containers backend: each instance is a testcontainers ``DockerContainer`` on the host network.

A container runs ``spec.image`` with ``spec.args`` as the command (the image's entrypoint is
the binary), host networking (never a bridge: it listens only on the loopback address its
arguments name), every path of ``spec.mounts`` and ``spec.workdir`` bind-mounted read-write
at the same path, as root. ``start()`` returns once the instance answers ``spec.ready``
(``HttpReady``). ``launch_all`` launches on a small thread pool: a container takes
0.2–0.8 s to create and start, most of it waiting on the engine.

Images are never pulled here (``DockerContainer`` would pull a missing one): a missing image
is a ``ComponentUnavailable`` pointing at ``stackcheck provision``. Ryuk is off; every
container carries the labels of validation/docker/client.py. ``stop_all`` removes every
container of its run id — also one whose launch was interrupted before a handle existed —
and ignores SIGINT while it does, so Ctrl-C cannot leave one behind; ``remove_labelled``
removes what a SIGKILLed run left. Logs are copied to ``<workdir>/<name>.log`` on stop.
"""

from __future__ import annotations

import contextlib
import math
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import docker.errors
import requests
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer

from validation.backends.base import Backend, Handle, LaunchSpec
from validation.backends.readiness import HttpReady, InstanceExited
from validation.core.errors import ComponentUnavailable
from validation.docker.client import (
    ENGINE_HINT,
    INSTANCE_LABEL,
    OWNER_LABEL,
    RUN_LABEL,
    engine_client,
    first_line,
    owner_label,
    remove_labelled,
)

testcontainers_config.ryuk_disabled = True  # the labels above replace the reaper
STOP_GRACE_SECONDS = 5.0
LAUNCH_WORKERS = 8
ENGINE_ERRORS = (docker.errors.DockerException, requests.RequestException)


def container_name(run_id: str, instance: str, serial: int) -> str:
    """A name Docker accepts ([a-zA-Z0-9][a-zA-Z0-9_.-]*), unique per run and launch."""
    safe = re.sub(r"[^a-zA-Z0-9_.-]+", "-", instance).strip("-.") or "instance"
    return f"stackcheck-{run_id[:12]}-{safe}-{serial}"


def bind_volumes(spec: LaunchSpec) -> list[Path]:
    """Every mount, and the workdir unless a mount already holds it; each binds at its own path."""
    paths = [Path(p).resolve() for p in spec.mounts]
    workdir = Path(spec.workdir).resolve()
    if not any(workdir == p or p in workdir.parents for p in paths):
        paths.append(workdir)
    return paths


def run_labels(run_id: str, spec: LaunchSpec) -> dict[str, str]:
    return {RUN_LABEL: run_id, INSTANCE_LABEL: spec.name, OWNER_LABEL: owner_label()}


def container_for(
    spec: LaunchSpec,
    name: str,
    labels: dict[str, str],
    cancel: threading.Event | None = None,
    docker_client_kw: dict[str, Any] | None = None,
) -> DockerContainer:
    """The testcontainers description of one instance (nothing is created yet)."""
    container = DockerContainer(spec.image, docker_client_kw=docker_client_kw)
    container.with_command(list(spec.args)).with_name(name)
    container.with_envs(**{"HOME": str(spec.workdir), **spec.env})
    for path in bind_volumes(spec):
        container.with_volume_mapping(path, str(path), "rw")
    container.with_kwargs(
        network_mode="host",
        # a network is chosen (the host's): testcontainers must not attach one it detects
        network=None,
        labels=labels,
        user="root",
        working_dir=str(spec.workdir),
    )
    if spec.ready is not None:
        container.waiting_for(HttpReady(spec.ready, spec.name, cancel))
    return container


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


class ContainerHandle(Handle):
    def __init__(self, spec: LaunchSpec, container: DockerContainer, log_path: Path) -> None:
        super().__init__(spec)
        self.container = container
        self.log_path = log_path
        self._final_logs: str | None = None
        self._last_state: dict[str, Any] = {}

    @property
    def wrapped(self) -> Any:
        """The docker SDK container; None until the engine created it."""
        return self.container._container

    def _state(self) -> dict[str, Any]:
        try:
            self.wrapped.reload()
            self._last_state = dict(self.wrapped.attrs.get("State") or {})
        except Exception:  # not created, or removed: keep the last state seen
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
            self.wrapped.stop(timeout=max(1, math.ceil(timeout)))
        self.wait_exited(timeout + 5)
        self.save_logs()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.wrapped.kill()
        self.wait_exited(10)
        self.save_logs()

    def terminate(self) -> None:
        with contextlib.suppress(Exception):
            self.wrapped.kill(signal="SIGTERM")

    def wait_exited(self, timeout: float) -> None:
        with contextlib.suppress(Exception):
            self.wrapped.wait(timeout=timeout)

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.container.stop(force=True)  # testcontainers: remove, close its client

    def logs(self) -> str:
        if self._final_logs is not None:
            return self._final_logs
        try:
            return bytes(self.wrapped.logs(stdout=True, stderr=True)).decode("utf-8", "replace")
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
            pids = pids_from_top(self.wrapped.top())
        except Exception:
            pids = []
        if not pids:
            pid = int(self._state().get("Pid") or 0)
            pids = [pid] if pid > 0 else []
        return pids


class ContainersBackend(Backend):
    name = "containers"

    def __init__(self, run_id: str | None = None) -> None:
        self.run_id = run_id or uuid.uuid4().hex
        self._handles: list[ContainerHandle] = []
        self._serial = 0
        self._launched = False
        self._lock = threading.Lock()

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "run_id": self.run_id}

    def launch(self, spec: LaunchSpec) -> Handle:
        return self._launch(spec, threading.Event())

    def launch_all(self, specs: list[LaunchSpec]) -> list[Handle]:
        """Launch on a small thread pool; when one launch fails, or on Ctrl-C, the others stop
        waiting, and this returns only after every worker is done (so ``stop_all`` sees all)."""
        if len(specs) < 2:
            return [self.launch(spec) for spec in specs]
        cancel = threading.Event()
        pool = ThreadPoolExecutor(min(LAUNCH_WORKERS, len(specs)), thread_name_prefix="stackcheck-launch")
        try:
            futures = [pool.submit(self._launch, spec, cancel) for spec in specs]
            for future in as_completed(futures):
                error = future.exception()
                if error is not None:  # the first to fail is the cause; the rest are cancelled
                    raise error
            return [future.result() for future in futures]
        except BaseException:
            cancel.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _launch(self, spec: LaunchSpec, cancel: threading.Event) -> Handle:
        spec.workdir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._serial += 1
            self._launched = True
            name = container_name(self.run_id, spec.name, self._serial)
        try:
            container = container_for(spec, name, run_labels(self.run_id, spec), cancel)
            present = _image_present(container, spec.image)
        except ENGINE_ERRORS as exc:
            raise ComponentUnavailable(
                f"no Docker engine answers ({first_line(exc)})", place=spec.name, hint=ENGINE_HINT
            ) from None
        if not present:
            container.stop()  # nothing was created: this closes its engine client
            raise ComponentUnavailable(
                f"image {spec.image} is not present in the local Docker engine",
                place=spec.name,
                hint="run `stackcheck provision --docker` (builds it from the local binary)",
            )
        handle = ContainerHandle(spec, container, spec.workdir / f"{spec.name.replace('/', '_')}.log")
        with self._lock:
            self._handles.append(handle)
        try:
            container.start()
            handle.ready_at = time.monotonic() if spec.ready is not None else 0.0
        except InstanceExited:
            pass  # the handle reports it dead; the caller explains it with the log
        except ENGINE_ERRORS as exc:
            raise ComponentUnavailable(
                f"container {name} did not start: {first_line(exc)}",
                place=spec.name,
                hint=f"the image's entrypoint must be the binary; try `docker run --rm {spec.image} --version`",
            ) from None
        return handle

    def stop_all(self) -> None:
        with self._lock:
            handles, self._handles = self._handles, []
            launched, self._launched = self._launched, False
        with _sigint_ignored():
            for handle in handles:
                handle.terminate()
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            for handle in handles:
                handle.wait_exited(max(0.1, deadline - time.monotonic()))
                handle.save_logs()
                handle.remove()
            if launched:
                # also what a launch interrupted between create and its handle left behind
                with contextlib.suppress(Exception):
                    remove_labelled(self.run_id, client=engine_client(timeout=10))


def _image_present(container: DockerContainer, image: str) -> bool:
    try:
        container.get_docker_client().client.images.get(image)
    except docker.errors.ImageNotFound:
        return False
    return True


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
