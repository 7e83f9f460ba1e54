"""Process backend: each instance is a child process in its own process group.

stdout/stderr go to ``<workdir>/<name>.log``. Instances die with the harness: each child
gets ``PR_SET_PDEATHSIG`` (SIGKILL), and ``stop_all`` kills every process group the backend
started — on success, failure, SIGINT or SIGTERM (the ``Stack`` installs the signal handlers).

The death signal fires when the *thread* that forked the child exits, not the process. A stack
started from a worker thread (the runner starts one per job) would lose its instances when that
thread ends — or, without the signal, leave them behind when the harness is SIGKILLed. So every
fork outside the main thread happens on one long-lived spawner thread that lives as long as the
process: the children die with the harness, never with a worker.
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from validation.backends.base import Backend, Handle, LaunchSpec

_PR_SET_PDEATHSIG = 1
T = TypeVar("T")


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: stop_all still cleans up
        pass


class _Spawner:
    """One daemon thread that runs ``Popen`` for every other thread; it never exits before the
    process does, so ``PR_SET_PDEATHSIG`` means "the harness died"."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, call: Callable[[], T]) -> T:
        if threading.current_thread() is threading.main_thread():
            return call()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="stackcheck-spawner", daemon=True)
                self._thread.start()
        future: Future[T] = Future()
        self._jobs.put((call, future))
        return future.result()

    def _loop(self) -> None:
        while True:
            call, future = self._jobs.get()
            try:
                future.set_result(call())
            except BaseException as exc:  # handed to the caller's thread
                future.set_exception(exc)


_SPAWNER = _Spawner()


class ProcessHandle(Handle):
    def __init__(self, spec: LaunchSpec, proc: subprocess.Popen[bytes], log_path: Path) -> None:
        super().__init__(spec)
        self.proc = proc
        self.log_path = log_path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def exit_code(self) -> int | None:
        return self.proc.poll()

    def _signal_group(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # SIGKILL the group even when the leader exited: children it forked must not survive.
        self._signal_group(signal.SIGKILL)
        self.proc.wait()

    def kill(self) -> None:
        self._signal_group(signal.SIGKILL)
        self.proc.wait()

    def logs(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def pids(self) -> list[int]:
        return [self.proc.pid] if self.alive() else []


class ProcessBackend(Backend):
    name = "process"

    def __init__(self) -> None:
        self._handles: list[ProcessHandle] = []
        self._lock = threading.Lock()

    def launch(self, spec: LaunchSpec) -> Handle:
        spec.workdir.mkdir(parents=True, exist_ok=True)
        log_path = spec.workdir / f"{spec.name.replace('/', '_')}.log"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(spec.workdir), **spec.env}

        def spawn() -> subprocess.Popen[bytes]:
            with log_path.open("ab") as log:
                return subprocess.Popen(
                    [spec.binary, *spec.args],
                    cwd=spec.workdir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_die_with_parent,
                )

        proc = _SPAWNER.run(spawn)
        handle = ProcessHandle(spec, proc, log_path)
        with self._lock:
            self._handles.append(handle)
        return handle

    def stop_all(self) -> None:
        with self._lock:
            handles, self._handles = self._handles, []
        for handle in handles:
            if handle.alive():
                handle._signal_group(signal.SIGTERM)
        deadline = time.monotonic() + 5.0
        for handle in handles:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                handle.proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                pass
            handle._signal_group(signal.SIGKILL)
            handle.proc.wait()
