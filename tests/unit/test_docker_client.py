"""The Docker client without an engine: engine down, owners alive or dead, the labelled sweep."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from validation.core.errors import ComponentUnavailable
from validation.docker.client import (
    OWNER_LABEL,
    RUN_LABEL,
    engine_available,
    engine_client,
    owner_alive,
    remove_labelled,
)

pytestmark = pytest.mark.unit


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
    with pytest.raises(ComponentUnavailable, match="no Docker engine answers") as info:
        engine_client(timeout=1)
    assert "dockerd --bridge=none" in info.value.render()
    assert remove_labelled() == [], "no engine: nothing to sweep, no error"


class Container:
    def __init__(self, store: dict[str, Container], name: str, labels: dict[str, str]) -> None:
        self.store, self.name, self.labels = store, name, labels
        store[name] = self

    def remove(self, force: bool = False) -> None:
        del self.store[self.name]


class Containers:
    """``containers.list(all=True, filters={"label": "k" or "k=v"})`` over a dict."""

    def __init__(self) -> None:
        self.by_name: dict[str, Container] = {}

    def list(self, all: bool = False, filters: dict[str, str] | None = None, **_: Any) -> list[Container]:
        key, _, value = (filters or {}).get("label", "").partition("=")
        return [c for c in self.by_name.values() if key in c.labels and (not value or c.labels[key] == value)]


class Client:
    def __init__(self) -> None:
        self.containers = Containers()


def test_remove_labelled_sweeps_one_run_or_the_orphans_of_dead_harnesses_only() -> None:
    client = Client()
    store = client.containers.by_name
    host = socket.gethostname()
    dead = subprocess.Popen(["true"])
    dead.wait()
    Container(store, "live", {RUN_LABEL: "a", OWNER_LABEL: f"{host}:{os.getpid()}"})
    Container(store, "live-2", {RUN_LABEL: "c", OWNER_LABEL: f"{host}:{os.getpid()}"})
    Container(store, "dead", {RUN_LABEL: "b", OWNER_LABEL: f"{host}:{dead.pid}"})
    Container(store, "not-ours", {"other": "x"})
    assert remove_labelled(orphans_only=True, client=client) == ["dead"]
    assert remove_labelled("c", client=client) == ["live-2"]
    assert remove_labelled(client=client) == ["live"]
    assert list(store) == ["not-ours"]


def test_backend_choice_without_an_engine_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.conftest import REPO
    from validation.core.project import Project
    from validation.runner.runner import choose_backend

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    project = Project.load(REPO)
    assert choose_backend("auto", project) == ("process", "no Docker engine answers")
    assert choose_backend("containers", project) == ("containers", ""), "asked for: fails later, clearly"
    assert choose_backend("process", project) == ("process", "")
