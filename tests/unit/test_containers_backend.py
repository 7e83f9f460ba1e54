"""Containers backend without an engine: names, volumes, labels, the testcontainers description,
the ``HttpReady`` wait strategy against a real HTTP server with basic auth, parallel launch."""

from __future__ import annotations

import base64
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from validation.backends.base import LaunchSpec, ReadyProbe
from validation.backends.containers import (
    ContainersBackend,
    bind_volumes,
    container_for,
    container_name,
    pids_from_top,
    run_labels,
)
from validation.backends.readiness import HttpReady, InstanceExited, LaunchCancelled, answers
from validation.core.errors import ComponentUnavailable
from validation.core.httpserver import BackgroundHttpServer
from validation.core.wait import WaitTimeout
from validation.docker.client import INSTANCE_LABEL, OWNER_LABEL, RUN_LABEL

pytestmark = pytest.mark.unit

DOCKER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
# a client that never contacts an engine: a fixed API version, a socket nobody serves
NO_ENGINE = {"version": "1.43", "environment": {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}}


@pytest.mark.parametrize(
    "instance", ["prometheus", "node_exporter/gpu-node-1", "a b/c", "/", "ünïcode/x", "-leading-dash"]
)
def test_container_name_is_valid_for_docker_and_unique_per_launch(instance: str) -> None:
    first = container_name("0123456789abcdef", instance, 1)
    second = container_name("0123456789abcdef", instance, 2)
    assert DOCKER_NAME.fullmatch(first)
    assert first != second


def _spec(
    tmp_path: Path,
    workdir: str = "run/prometheus",
    mounts: tuple[str, ...] = ("run",),
    ready: ReadyProbe | None = None,
) -> LaunchSpec:
    return LaunchSpec(
        name="node_exporter/gpu-node-1",
        component="node_exporter",
        binary="",
        image="stackcheck-local/node_exporter:1.5.0",
        args=["--web.listen-address=127.0.0.1:9100"],
        workdir=tmp_path / workdir,
        listen=("127.0.0.1", 9100),
        env={"TZ": "UTC"},
        mounts=[tmp_path / m for m in mounts],
        ready=ready,
    )


@pytest.mark.parametrize(
    ("case", "workdir", "mounts", "expected"),
    [
        ("workdir inside a mount: one bind", "run/prometheus", ("run",), ["run"]),
        ("workdir outside the mounts: added", "work", ("run",), ["run", "work"]),
        ("no mounts: the workdir alone", "work", (), ["work"]),
        ("workdir is the mount", "run", ("run",), ["run"]),
    ],
)
def test_bind_volumes_cover_the_workdir_once(
    tmp_path: Path, case: str, workdir: str, mounts: tuple[str, ...], expected: list[str]
) -> None:
    assert bind_volumes(_spec(tmp_path, workdir, mounts)) == [(tmp_path / e).resolve() for e in expected], (
        case
    )


def test_run_labels_name_the_run_the_instance_and_this_harness(tmp_path: Path) -> None:
    labels = run_labels("run-1", _spec(tmp_path))
    assert labels[RUN_LABEL] == "run-1"
    assert labels[INSTANCE_LABEL] == "node_exporter/gpu-node-1"
    assert labels[OWNER_LABEL].endswith(f":{os.getpid()}")


def test_container_for_describes_a_host_network_root_container_with_same_path_binds(tmp_path: Path) -> None:
    probe = ReadyProbe("http://127.0.0.1:9100/-/ready", ("admin", "pw"), 30.0)
    spec = _spec(tmp_path, workdir="work", ready=probe)
    labels = run_labels("run-1", spec)
    container = container_for(spec, "stackcheck-run-1-x-1", labels, docker_client_kw=NO_ENGINE)
    assert container.image == spec.image
    assert container._command == spec.args
    assert container._name == "stackcheck-run-1-x-1"
    assert container.env == {"HOME": str(spec.workdir), "TZ": "UTC"}
    run, work = str((tmp_path / "run").resolve()), str((tmp_path / "work").resolve())
    assert container.volumes == {run: {"bind": run, "mode": "rw"}, work: {"bind": work, "mode": "rw"}}
    assert container.ports == {}, "host networking: nothing is published"
    assert container._kwargs == {
        "network_mode": "host",
        "network": None,
        "labels": labels,
        "user": "root",
        "working_dir": str(spec.workdir),
    }
    strategy = container._wait_strategy
    assert isinstance(strategy, HttpReady) and strategy.probe == probe
    assert container_for(_spec(tmp_path), "n", labels, docker_client_kw=NO_ENGINE)._wait_strategy is None


@pytest.mark.parametrize(
    ("top", "pids"),
    [
        ({"Titles": ["UID", "PID", "PPID", "CMD"], "Processes": [["root", "4242", "1", "x"]]}, [4242]),
        ({"Titles": ["PID"], "Processes": [["1"], ["2"]]}, [1, 2]),
        ({"Titles": ["UID", "CMD"], "Processes": [["root", "x"]]}, []),
        ({"Titles": ["PID"], "Processes": [["not-a-pid"]]}, []),
        ({}, []),
    ],
)
def test_pids_from_top(top: dict[str, Any], pids: list[int]) -> None:
    assert pids_from_top(top) == pids


def test_launch_without_an_engine_is_a_clear_component_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    with pytest.raises(ComponentUnavailable, match="no Docker engine answers") as info:
        ContainersBackend(run_id="r").launch(_spec(tmp_path))
    assert "provision --docker" in info.value.render()


# ---------------------------------------------------------------- the wait strategy
class ReadyServer:
    """/-/ready behind basic auth (admin:secret); 503 for the first ``not_ready`` requests."""

    def __init__(self, not_ready: int = 0) -> None:
        self.not_ready = not_ready
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                good = "Basic " + base64.b64encode(b"admin:secret").decode()
                if self.headers.get("Authorization") != good:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="x"')
                elif server.requests <= server.not_ready:
                    self.send_response(503)
                else:
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.http = BackgroundHttpServer("127.0.0.1", 0, Handler, "ready server")

    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.port}/-/ready"


@pytest.fixture
def server() -> Iterator[ReadyServer]:
    server = ReadyServer(not_ready=3)
    server.http.start()
    yield server
    server.http.stop()


class Target:
    """What a wait strategy asks of a container: ``reload`` and ``status``."""

    def __init__(self, status: str = "running") -> None:
        self.status = status

    def reload(self) -> None:
        pass


def test_http_ready_waits_through_not_ready_answers_with_basic_auth(server: ReadyServer) -> None:
    HttpReady(ReadyProbe(server.url(), ("admin", "secret"), 10.0), "pushgateway").wait_until_ready(Target())
    assert server.requests == 4, "three 503s, then 200"


@pytest.mark.parametrize("auth", [None, ("admin", "wrong")])
def test_http_ready_times_out_naming_the_url_when_the_credentials_are_refused(
    server: ReadyServer, auth: tuple[str, str] | None
) -> None:
    strategy = HttpReady(ReadyProbe(server.url(), auth, 0.5, log_hint="/run/x"), "pushgateway")
    with pytest.raises(WaitTimeout, match=r"pushgateway to answer http://127\.0\.0\.1") as info:
        strategy.wait_until_ready(Target())
    assert "/run/x" in info.value.render()
    assert answers(server.url(), ("admin", "secret"))


def test_http_ready_stops_at_once_when_the_container_exits(server: ReadyServer) -> None:
    # InstanceExited, not WaitTimeout: it did not wait for the deadline
    strategy = HttpReady(ReadyProbe(server.url(), ("admin", "wrong"), 60.0), "alertmanager")
    with pytest.raises(InstanceExited, match="alertmanager exited before it answered"):
        strategy.wait_until_ready(Target("exited"))


def test_http_ready_stops_when_the_launch_is_cancelled(server: ReadyServer) -> None:
    cancel = threading.Event()
    strategy = HttpReady(ReadyProbe(server.url(), None, 60.0), "prometheus", cancel)
    threading.Timer(0.2, cancel.set).start()
    with pytest.raises(LaunchCancelled):
        strategy.wait_until_ready(Target())


def test_http_ready_against_a_closed_port_times_out() -> None:
    from validation.core.ports import free_port

    url = f"http://127.0.0.1:{free_port('127.0.0.1')}/-/ready"
    with pytest.raises(WaitTimeout, match="to answer"):
        HttpReady(ReadyProbe(url, None, 0.3), "x").wait_until_ready(Target())


# ---------------------------------------------------------------- parallel launch
class ScriptedLaunches(ContainersBackend):
    """``_launch`` replaced by a script (seconds to take, or an error): launch_all's own logic."""

    def __init__(self, script: dict[str, float | Exception]) -> None:
        super().__init__(run_id="scripted")
        self.script = script
        self.running = 0
        self.most_at_once = 0
        self.finished: list[str] = []
        self.cancelled: list[str] = []
        self.guard = threading.Lock()
        self.all_started = threading.Barrier(len(script), timeout=30)

    def _launch(self, spec: LaunchSpec, cancel: threading.Event) -> Any:
        with self.guard:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            self.all_started.wait()
            step = self.script[spec.name]
            if isinstance(step, Exception):
                raise step
            if cancel.wait(step):
                self.cancelled.append(spec.name)
                raise LaunchCancelled(f"{spec.name} cancelled")
            return spec.name
        finally:
            with self.guard:
                self.running -= 1
                self.finished.append(spec.name)


def _named(tmp_path: Path, *names: str) -> list[LaunchSpec]:
    return [
        LaunchSpec(n, "c", "", "img", [], tmp_path / n, ("127.0.0.1", 1), mounts=[tmp_path]) for n in names
    ]


def test_launch_all_runs_launches_at_once_and_keeps_the_order(tmp_path: Path) -> None:
    backend = ScriptedLaunches({"a": 0.3, "b": 0.1, "c": 0.2})
    assert backend.launch_all(_named(tmp_path, "a", "b", "c")) == ["a", "b", "c"]
    assert backend.most_at_once == 3


def test_launch_all_raises_the_first_failure_after_cancelling_and_joining_the_rest(tmp_path: Path) -> None:
    failure = ComponentUnavailable("image x is not present", place="b")
    backend = ScriptedLaunches({"a": 30.0, "b": failure, "c": 30.0})
    with pytest.raises(ComponentUnavailable) as info:
        backend.launch_all(_named(tmp_path, "a", "b", "c"))
    assert info.value is failure, "the cause, not a cancellation it led to"
    assert sorted(backend.cancelled) == ["a", "c"], "the others stop waiting"
    assert sorted(backend.finished) == ["a", "b", "c"] and backend.running == 0, (
        "no launch may still run when launch_all returns"
    )
