"""Done-when of the user's layout: a copy of the reference stack rearranged the way another
repository might be (tests/layouts.py: configs under monitoring/, rule files named *.yml next to
prometheus.yml, tests and scenarios under test/, the node job renamed and listing its nodes in
static_configs) passes `check` and the full `run`, pointed at it by stack.yaml alone."""

import json

import pytest

from tests.cli import stackcheck
from tests.layouts import NODE_JOB, build_rearranged

pytestmark = pytest.mark.e2e


def test_a_rearranged_repository_passes_check_and_run(tmp_path):
    repo = build_rearranged(tmp_path / "repo")
    check = stackcheck("-C", str(repo), "check", "--report", str(tmp_path / "check"))
    assert check.returncode == 0, check.stdout + check.stderr
    checked = json.loads((tmp_path / "check/results.json").read_text())
    ids = {c["id"]: c["status"] for c in checked["checks"]}
    assert ids["static/rules/node.yml"] == "passed"
    assert ids["static/rule-tests/node.test.yml"] == "passed" and ids["static/scenarios"] == "passed"
    assert ids["static/untested-rules"] == "passed"

    run = stackcheck("-C", str(repo), "run", "--backend", "process", "--report", str(tmp_path / "run"),
                     timeout=1500)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads((tmp_path / "run/results.json").read_text())
    ids = {c["id"]: c["status"] for c in data["checks"]}
    assert ids[f"scrape/{NODE_JOB}/targets-up"] == "passed" and ids[f"scrape/{NODE_JOB}/families"] == "passed"
    assert not any(i.startswith("scrape/node/") for i in ids)
    assert (
        data["coverage"]["alert_rules"]["total"] == 31 and data["coverage"]["alert_rules"]["uncovered"] == []
    )
    assert data["coverage"]["inhibit_rules"]["uncovered"] == []
