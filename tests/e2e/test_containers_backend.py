"""The containers backend runs the real images on the host network and leaves nothing behind.

Needs a Docker engine: skipped with the reason when none answers, failed in CI (CI=true).
Images come from `stackcheck provision`'s logic (never pulled here): the official image when
present, else the local build ``stackcheck-local/<component>:<version>``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.cli import stackcheck
from tests.conftest import REPO
from validation.backends.base import LaunchSpec, ReadyProbe
from validation.backends.containers import ContainersBackend
from validation.components import COMPONENTS
from validation.core.errors import ComponentUnavailable
from validation.core.ports import free_port
from validation.core.project import Project
from validation.core.wait import wait_until
from validation.docker.client import OWNER_LABEL, RUN_LABEL, engine_available, engine_client, remove_labelled
from validation.docker.images.choice import image_for
from validation.docker.images.provision import provision_images
from validation.provision.provision import Provisioned

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
    image = image_for(COMPONENTS["prometheus"], Project.load(REPO).components["prometheus"]).image
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
    images = data["environment"]["images"]
    assert sorted(images) == sorted(NEEDED)
    assert all(not tag.startswith("prom/") or tag == _official(name) for name, tag in images.items())
    assert f"--backend containers → containers: prometheus {images['prometheus']}" in result.stderr


def test_backend_auto_says_which_backend_and_which_images_it_chose(client: Any, tmp_path: Path) -> None:
    result = stackcheck(
        "-C", str(REPO), "run", "--backend", "auto", "--only", "health", "--report", str(tmp_path)
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["environment"]["backend"] == "containers"
    for name, tag in data["environment"]["images"].items():
        source = "official" if tag == _official(name) else "local build"
        assert f"{name} {tag} ({source})" in result.stderr


def _official(name: str) -> str:
    from validation.docker.images.names import official_image

    return official_image(COMPONENTS[name], Project.load(REPO).components[name])


def _pushgateway(tmp_path: Path, name: str, image: str) -> LaunchSpec:
    port = free_port("127.0.0.1")
    return LaunchSpec(
        name=name,
        component="pushgateway",
        binary="",
        image=image,
        args=[f"--web.listen-address=127.0.0.1:{port}"],
        workdir=tmp_path / name,
        listen=("127.0.0.1", port),
        mounts=[tmp_path],
        ready=ReadyProbe(f"http://127.0.0.1:{port}/-/ready", None, 30.0),
    )


def test_launch_all_starts_ready_containers_and_stop_all_removes_only_its_own(
    client: Any, tmp_path: Path
) -> None:
    image = image_for(COMPONENTS["pushgateway"], Project.load(REPO).components["pushgateway"]).image
    mine, theirs = ContainersBackend(), ContainersBackend()
    try:
        other = theirs.launch(_pushgateway(tmp_path, "theirs", image))
        handles = mine.launch_all([_pushgateway(tmp_path, f"pg-{i}", image) for i in range(3)])
        assert [h.name for h in handles] == ["pg-0", "pg-1", "pg-2"]
        for handle in handles:
            assert handle.ready_at > 0 and handle.alive()
            assert requests.get(f"http://127.0.0.1:{handle.spec.listen[1]}/-/ready", timeout=2).ok
        assert len(_labelled(client, f"{RUN_LABEL}={mine.run_id}")) == 3
        mine.stop_all()
        assert _labelled(client, f"{RUN_LABEL}={mine.run_id}") == []
        assert other.alive(), "another run's container is not touched"
        assert (tmp_path / "pg-0" / "pg-0.log").read_text(), "the log is kept after removal"
    finally:
        mine.stop_all()
        theirs.stop_all()
    assert _labelled(client, f"{RUN_LABEL}={theirs.run_id}") == []


def test_a_failed_launch_in_a_batch_leaves_no_container(client: Any, tmp_path: Path) -> None:
    image = image_for(COMPONENTS["pushgateway"], Project.load(REPO).components["pushgateway"]).image
    backend = ContainersBackend()
    specs = [_pushgateway(tmp_path, f"pg-{i}", image) for i in range(2)]
    specs.append(_pushgateway(tmp_path, "missing", "stackcheck-local/pushgateway:0.0.0-absent"))
    try:
        with pytest.raises(ComponentUnavailable, match=r"stackcheck-local/pushgateway:0\.0\.0-absent"):
            backend.launch_all(specs)
    finally:
        backend.stop_all()
    assert _labelled(client, f"{RUN_LABEL}={backend.run_id}") == []


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


def test_the_containers_of_a_sigkilled_run_are_swept_as_orphans(client: Any, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "validation.cli", "-C", str(REPO), "run", "--backend", "containers",
         "--only", "health", "--report", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    owner = f"{OWNER_LABEL}={socket.gethostname()}:{proc.pid}"
    try:
        wait_until(
            lambda: len(_labelled(client, owner)) >= 4, timeout=60, what="the run's containers to exist"
        )
    finally:
        proc.kill()
        proc.wait()
    assert _labelled(client, owner), "SIGKILL gives no chance to clean up: the containers are still there"

    def swept() -> bool:  # a create already sent when the harness died may land after a sweep
        remove_labelled(orphans_only=True, client=client)
        return not _labelled(client, owner)

    wait_until(swept, timeout=30, what="the orphans of the killed run to be removed")


def test_a_component_that_dies_on_its_config_fails_the_run_at_once(
    client: Any, stack_copy: Path, tmp_path: Path
) -> None:
    with (stack_copy / "stack/prometheus/prometheus.yml").open("a") as config:
        config.write("bogus_top_level_field: 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "validation.cli", "-C", str(stack_copy), "run", "--backend", "containers",
         "--only", "health", "--report", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    (failed,) = [c for c in data["checks"] if c["status"] == "failed"]
    assert failed["id"] == "stack/start"
    assert "prometheus exited with code" in failed["message"] and "bogus_top_level_field" in failed["message"]
    assert "Traceback" not in proc.stderr
