"""Containers backend without an engine: names, mounts, labels, PIDs, cleanup (fake docker client)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from validation.backends import containers
from validation.backends.base import LaunchSpec
from validation.backends.containers import (
    INSTANCE_LABEL,
    OWNER_LABEL,
    RUN_LABEL,
    ContainersBackend,
    bind_volumes,
    container_name,
    engine_available,
    engine_client,
    owner_alive,
    pids_from_top,
    remove_labelled,
)
from validation.core.errors import ComponentUnavailable

pytestmark = pytest.mark.unit

DOCKER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")


@pytest.mark.parametrize(
    "instance", ["prometheus", "node_exporter/gpu-node-1", "a b/c", "/", "ünïcode/x", "-leading-dash"]
)
def test_container_name_is_valid_for_docker_and_unique_per_launch(instance: str) -> None:
    first = container_name("0123456789abcdef", instance, 1)
    second = container_name("0123456789abcdef", instance, 2)
    assert DOCKER_NAME.fullmatch(first)
    assert first != second


def _spec(tmp_path: Path, workdir: str = "run/prometheus", mounts: tuple[str, ...] = ("run",)) -> LaunchSpec:
    return LaunchSpec(
        name="node_exporter/gpu-node-1",
        component="node_exporter",
        binary="",
        image="prom/node-exporter:v1.5.0",
        args=["--web.listen-address=127.0.0.1:9100"],
        workdir=tmp_path / workdir,
        listen=("127.0.0.1", 9100),
        mounts=[tmp_path / m for m in mounts],
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
def test_bind_volumes_mount_at_the_same_path_read_write(
    tmp_path: Path, case: str, workdir: str, mounts: tuple[str, ...], expected: list[str]
) -> None:
    volumes = bind_volumes(_spec(tmp_path, workdir, mounts))
    paths = [str((tmp_path / e).resolve()) for e in expected]
    assert list(volumes) == paths, case
    assert all(v == {"bind": k, "mode": "rw"} for k, v in volumes.items())


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


def test_owner_alive_tells_a_live_harness_from_a_dead_one() -> None:
    host = socket.gethostname()
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert owner_alive(f"{host}:{os.getpid()}")
    assert not owner_alive(f"{host}:{dead.pid}")
    assert owner_alive("another-host:1"), "another host's PID cannot be checked: assume alive"
    assert not owner_alive(f"{host}:garbage")


def test_engine_down_is_a_clear_component_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    assert engine_available(timeout=1) is False
    with pytest.raises(ComponentUnavailable, match="dockerd --bridge=none") as info:
        engine_client(timeout=1)
    assert "no Docker engine answers" in info.value.render()


# ---------------------------------------------------------------- fake engine
class FakeContainer:
    def __init__(self, store: FakeContainers, name: str, image: str, **kwargs: Any) -> None:
        self.store = store
        self.name = name
        self.image = image
        self.kwargs = kwargs
        self.labels: dict[str, str] = kwargs.get("labels") or {}
        self.running = False
        self.exit = 0
        self.signals: list[str] = []
        self.attrs: dict[str, Any] = {}

    def reload(self) -> None:
        if self.name not in self.store.by_name:
            raise docker.errors.NotFound(self.name)
        self.attrs = {
            "State": {"Running": self.running, "ExitCode": self.exit, "Pid": 777 if self.running else 0}
        }

    def start(self) -> None:
        self.running = True

    def _exit(self, code: int) -> None:
        self.running = False
        self.exit = code

    def kill(self, signal: str = "SIGKILL") -> None:
        self.signals.append(signal)
        self._exit(137 if signal == "SIGKILL" else 0)

    def stop(self, timeout: int = 10) -> None:
        self.signals.append("SIGTERM")
        self._exit(0)

    def wait(self, timeout: float | None = None) -> dict[str, int]:
        return {"StatusCode": self.exit}

    def logs(self, **_: Any) -> bytes:
        return f"log of {self.name}\n".encode()

    def top(self) -> dict[str, Any]:
        return {"Titles": ["UID", "PID"], "Processes": [["root", "777"]]}

    def remove(self, force: bool = False) -> None:
        self.store.by_name.pop(self.name, None)
        self.store.removed.append(self.name)


class FakeContainers:
    def __init__(self, missing_images: tuple[str, ...] = ()) -> None:
        self.by_name: dict[str, FakeContainer] = {}
        self.removed: list[str] = []
        self.missing_images = missing_images

    def create(self, image: str, *, name: str, **kwargs: Any) -> FakeContainer:
        if image in self.missing_images:
            raise docker.errors.ImageNotFound(image)
        container = FakeContainer(self, name, image, **kwargs)
        self.by_name[name] = container
        return container

    def list(self, all: bool = False, filters: dict[str, str] | None = None, **_: Any) -> list[FakeContainer]:
        key, _, value = (filters or {}).get("label", "").partition("=")
        return [c for c in self.by_name.values() if key in c.labels and (not value or c.labels[key] == value)]


class FakeClient:
    def __init__(self, missing_images: tuple[str, ...] = ()) -> None:
        self.containers = FakeContainers(missing_images)


def test_launch_runs_the_image_on_the_host_network_as_root_with_run_labels(tmp_path: Path) -> None:
    client = FakeClient()
    backend = ContainersBackend(client, run_id="run-1")
    spec = _spec(tmp_path)
    handle = backend.launch(spec)
    (container,) = client.containers.by_name.values()
    kwargs = container.kwargs
    assert container.image == "prom/node-exporter:v1.5.0"
    assert kwargs["command"] == spec.args
    assert kwargs["network_mode"] == "host"
    assert kwargs["user"] == "root"
    assert kwargs["working_dir"] == str(spec.workdir)
    assert kwargs["labels"][RUN_LABEL] == "run-1"
    assert kwargs["labels"][INSTANCE_LABEL] == spec.name
    assert kwargs["labels"][OWNER_LABEL].endswith(f":{os.getpid()}")
    assert "ports" not in kwargs and "network" not in kwargs
    assert handle.alive() and handle.exit_code() is None
    assert handle.pids() == [777]


def test_launch_of_a_missing_image_points_at_provision(tmp_path: Path) -> None:
    backend = ContainersBackend(FakeClient(missing_images=("prom/node-exporter:v1.5.0",)), run_id="r")
    with pytest.raises(ComponentUnavailable, match="stackcheck provision"):
        backend.launch(_spec(tmp_path))


def test_kill_is_sigkill_and_keeps_the_logs_in_the_workdir(tmp_path: Path) -> None:
    client = FakeClient()
    handle = ContainersBackend(client, run_id="r").launch(_spec(tmp_path))
    handle.kill()
    (container,) = client.containers.by_name.values()
    assert container.signals == ["SIGKILL"]
    assert not handle.alive() and handle.exit_code() == 137
    assert (
        tmp_path / "run/prometheus/node_exporter_gpu-node-1.log"
    ).read_text() == f"log of {container.name}\n"


def test_stop_all_removes_every_container_of_the_run_and_no_other(tmp_path: Path) -> None:
    client = FakeClient()
    backend = ContainersBackend(client, run_id="mine")
    other = ContainersBackend(client, run_id="theirs")
    first = backend.launch(_spec(tmp_path))
    backend.launch(_spec(tmp_path, workdir="run/other"))
    theirs = other.launch(_spec(tmp_path, workdir="run/theirs"))
    # a container whose launch was interrupted before a handle existed
    client.containers.create("img", name="orphan", labels={RUN_LABEL: "mine"})
    backend.stop_all()
    assert [c.labels[RUN_LABEL] for c in client.containers.by_name.values()] == ["theirs"]
    assert "orphan" in client.containers.removed
    assert first.logs().startswith("log of ")
    backend.stop_all()  # safe twice
    assert theirs.alive()


def test_remove_labelled_orphans_only_spares_live_harnesses() -> None:
    client = FakeClient()
    host = socket.gethostname()
    dead = subprocess.Popen(["true"])
    dead.wait()
    client.containers.create(
        "img", name="live", labels={RUN_LABEL: "a", OWNER_LABEL: f"{host}:{os.getpid()}"}
    )
    client.containers.create("img", name="dead", labels={RUN_LABEL: "b", OWNER_LABEL: f"{host}:{dead.pid}"})
    client.containers.create("img", name="not-ours", labels={"other": "x"})
    assert remove_labelled(orphans_only=True, client=client) == ["dead"]
    assert remove_labelled(client=client) == ["live"]
    assert list(client.containers.by_name) == ["not-ours"]


def test_remove_labelled_without_an_engine_removes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    assert containers.remove_labelled() == []
