"""`stackcheck init` on a compose stack of our own (tests/adopt_stack: no Pushgateway, a cAdvisor
the harness does not run, TLS everywhere), then a `run` with the generated scenarios: the real
stack starts from the written stack.yaml, every target is up (cAdvisor from exporters.yaml), and
the generated scenarios fire and are delivered."""

import json
import shutil

import pytest

from tests.cli import stackcheck
from tests.static.test_init_command import ADOPT_STACK

pytestmark = pytest.mark.e2e


def test_an_adopted_compose_stack_runs_green_with_its_generated_scenarios(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ADOPT_STACK, repo)
    init = stackcheck("-C", str(repo), "init", "--from", str(repo / "docker-compose.yml"))
    assert init.returncode == 0, init.stdout + init.stderr

    run = stackcheck(
        "-C", str(repo), "run", "--only", "static,health,scrape,alerts,notifications",
        "--time-scale", "600", "--backend", "process", "--report", str(tmp_path / "run"), timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads((tmp_path / "run" / "results.json").read_text())
    status = {c["id"]: c["status"] for c in data["checks"]}
    assert status["scrape/containers/targets-up"] == "passed"  # the cAdvisor stand-in
    assert status["scrape/workers/targets-up"] == "passed"  # the node_exporter of static_configs
    assert status["alerts/generated-worker-down-fires/WorkerDown/fires"] == "passed"
    assert status["notifications/generated-worker-down-fires/ops-hook:WorkerDown/delivered"] == "passed"
    assert (
        status["notifications/generated-container-memory-high-fires/ops-mail:ContainerMemoryHigh/delivered"]
        == "passed"
    )
    assert data["coverage"]["alert_rules"]["covered"] == 2
