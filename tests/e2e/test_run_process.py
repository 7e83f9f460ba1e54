import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from tests.cli import stackcheck
from tests.conftest import REPO, edit
from tests.orphans import processes_mentioning
from validation.core.project import Project
from validation.core.wait import wait_until
from validation.stack.stack import Stack, StackOptions

pytestmark = pytest.mark.e2e


def _run(repo, report, *extra):
    return stackcheck(
        "-C",
        str(repo),
        "run",
        "--backend",
        "process",
        "--time-scale",
        "15",
        "--only",
        "health,scrape",
        "--report",
        str(report),
        *extra,
    )


def test_every_target_of_every_job_is_up_and_every_probe_passes(tmp_path):
    result = _run(REPO, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    ids = {c["id"]: c["status"] for c in data["checks"]}
    for job in ("prometheus", "alertmanager", "pushgateway", "node", "kubernetes-pods"):
        assert ids[f"scrape/{job}/targets-up"] == "passed"
        assert ids[f"scrape/{job}/labels"] == "passed"
    for component in ("prometheus", "alertmanager", "pushgateway", "node_exporter/gpu-node-1"):
        assert ids[f"health/{component}/ready"] == "passed"
    assert data["environment"]["versions"]["prometheus"].startswith("2.")
    assert data["measurements"]["time_to_first_scrape_s"] > 0


def test_a_wrong_port_in_the_config_stays_a_wrong_port(stack_copy, tmp_path):
    edit(
        stack_copy / "stack/prometheus/prometheus.yml",
        'targets: ["alertmanager:9093"]\n\n  # honor',
        'targets: ["alertmanager:9094"]\n\n  # honor',
    )
    result = _run(stack_copy, tmp_path)
    assert result.returncode == 1, result.stdout
    assert "scrape/alertmanager/targets-up" in result.stdout
    assert "missing targets ['alertmanager:9093']" in result.stdout
    assert "unexpected targets ['alertmanager:9094']" in result.stdout


def test_relabeling_that_loses_a_label_fails_the_labels_check(stack_copy, tmp_path):
    edit(
        stack_copy / "stack/prometheus/prometheus.yml",
        "target_label: namespace",
        "target_label: kube_namespace",
    )
    result = _run(stack_copy, tmp_path)
    assert result.returncode == 1
    assert "scrape/kubernetes-pods/labels" in result.stdout and "namespace: exp 'training'" in result.stdout


def test_a_taken_port_is_a_clear_harness_error(stack_copy, tmp_path):
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("0.0.0.0", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        edit(stack_copy / "stack/stack.yaml", "address: pushgateway:9091", f"address: pushgateway:{port}")
        result = _run(stack_copy, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"port {port} is already taken" in result.stderr and "Hint:" in result.stderr
    assert "Traceback" not in result.stderr


def test_kill_and_restart_one_component(tmp_path):
    project = Project.load(REPO)
    with Stack(project, StackOptions(time_scale=15, run_root=tmp_path)) as stack:
        stack.kill("alertmanager")
        handle = stack.instance("alertmanager").handle
        assert handle is not None and not handle.alive()
        stack.restart("alertmanager")
        assert stack.alertmanager().status()["cluster"]["status"] in ("disabled", "ready")
        assert "msg" in stack.logs("alertmanager") or stack.logs("alertmanager")
    assert processes_mentioning(str(tmp_path)) == []


def test_ctrl_c_in_the_middle_of_a_run_leaves_no_process(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from validation.core.project import Project;"
            "from validation.stack.stack import Stack, StackOptions;"
            f"s = Stack(Project.load(Path({str(REPO)!r})), StackOptions(run_root=Path({str(runs)!r})));"
            "s.__enter__(); print('up', flush=True); import time; time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "up"
        assert processes_mentioning(str(runs)), "the stack should be running"
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_until(lambda: not processes_mentioning(str(runs)), timeout=10, what="no process left")
    assert processes_mentioning(str(runs)) == []


def test_sigterm_in_the_middle_of_a_cli_run_leaves_no_process(tmp_path):
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "validation.cli",
            "-C",
            str(REPO),
            "run",
            "--only",
            "health,scrape",
            "--report",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(own_tmp)},
    )
    try:
        wait_until(
            lambda: any("prometheus.yml" in p for p in processes_mentioning(str(own_tmp))),
            timeout=60,
            what="the run's Prometheus up",
        )
        assert len(processes_mentioning(str(own_tmp))) >= 5
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert processes_mentioning(str(own_tmp)) == []
