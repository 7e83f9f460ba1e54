"""The containers backend runs the real images on the host network and leaves nothing behind.

Needs a Docker engine: skipped with the reason when none answers, failed in CI (CI=true).
Images come from `stackcheck provision`'s logic: present, pulled, or built offline from the
local binary.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.cli import stackcheck
from tests.conftest import REPO
from validation.backends.base import LaunchSpec
from validation.backends.containers import (
    OWNER_LABEL,
    RUN_LABEL,
    ContainersBackend,
    engine_available,
    engine_client,
)
from validation.components import COMPONENTS
from validation.core.ports import free_port
from validation.core.project import Project
from validation.core.wait import wait_until
from validation.provision.provision import Provisioned, provision_images

pytestmark = [pytest.mark.e2e, pytest.mark.containers]

NEEDED = ("prometheus", "alertmanager", "pushgateway", "node_exporter")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    if not engine_available():
        reason = "no Docker engine answers (start dockerd --bridge=none --iptables=false --ip6tables=false)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    client = engine_client()
    project = Project.load(REPO)
    items = {}
    for name in NEEDED:
        binary = COMPONENTS[name].require_binary()
        items[name] = Provisioned(name, True, binary, COMPONENTS[name].version(binary))
    provision_images(items, {n: project.components[n] for n in NEEDED}, client)
    failed = {n: i.reasons for n, i in items.items() if not i.usable}
    assert not failed, f"images could not be provisioned: {failed}"
    yield client
    client.close()


def _labelled(client: Any, label: str) -> list[str]:
    return [c.name for c in client.containers.list(all=True, filters={"label": label}, ignore_removed=True)]


def test_prometheus_container_gets_ready_on_loopback_and_is_removed(client: Any, tmp_path: Path) -> None:
    port = free_port("127.0.0.1")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        f"global: {{scrape_interval: 1s}}\nscrape_configs:\n"
        f"  - job_name: self\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
    )
    image = Project.load(REPO).components["prometheus"].image
    spec = LaunchSpec(
        name="prometheus",
        component="prometheus",
        binary="",
        image=image,
        args=[
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        workdir=tmp_path / "prometheus",
        listen=("127.0.0.1", port),
        mounts=[tmp_path],
    )
    backend = ContainersBackend()
    try:
        handle = backend.launch(spec)
        url = f"http://127.0.0.1:{port}/-/ready"
        wait_until(
            lambda: requests.get(url, timeout=1).status_code == 200,
            timeout=30,
            what="Prometheus in a container to answer /-/ready",
            describe_last=handle.logs,
        )
        assert handle.alive() and handle.exit_code() is None
        pids = handle.pids()
        assert pids and all(Path(f"/proc/{pid}").exists() for pid in pids)
        assert (tmp_path / "data").is_dir(), "storage must land in the bind-mounted run directory"
        handle.kill()
        assert not handle.alive()
        assert handle.exit_code() == 137
        assert "Server is ready to receive web requests" in (spec.workdir / "prometheus.log").read_text()
    finally:
        backend.stop_all()
    assert _labelled(client, f"{RUN_LABEL}={backend.run_id}") == []


def test_the_stack_passes_health_and_scrape_in_containers(client: Any, tmp_path: Path) -> None:
    result = stackcheck(
        "-C",
        str(REPO),
        "run",
        "--backend",
        "containers",
        "--only",
        "health,scrape",
        "--report",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["environment"]["backend"] == "containers"
    assert data["summary"]["failed"] == 0 and data["summary"]["passed"] > 0


def test_ctrl_c_mid_run_leaves_no_container(client: Any, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "validation.cli", "-C", str(REPO), "run", "--backend", "containers",
         "--only", "health,scrape", "--report", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    owner = f"{OWNER_LABEL}"
    try:
        mine = lambda: [  # noqa: E731
            c.name
            for c in client.containers.list(all=True, filters={"label": RUN_LABEL}, ignore_removed=True)
            if c.labels.get(owner, "").endswith(f":{proc.pid}")
        ]
        wait_until(lambda: len(mine()) >= 4, timeout=60, what="the run's containers to exist")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert mine() == []
