"""Diff-aware run on the real stack: in a scratch git repository holding the reference stack, a
route matcher typo committed on top → `run --changed-since HEAD~1` runs only the scenarios whose
alerts route differently (plus the smoke set) and exits 1 on them; `diff HEAD~1` names the
receivers that changed."""

import json
from pathlib import Path

import pytest

from tests.cli import stackcheck
from tests.conftest import edit
from tests.gitrepo import commit, scratch_repo
from validation.scenarios.loader import load_scenarios

pytestmark = pytest.mark.e2e


def test_route_typo_changed_since_runs_fewer_checks_and_fails(tmp_path: Path) -> None:
    repo = scratch_repo(tmp_path / "repo")
    edit(
        repo / "stack/alertmanager/alertmanager.yml",
        'matchers: [team="ml-platform"]',
        'matchers: [team="ml-platfrom"]',
    )
    commit(repo, "route matcher typo")
    report = tmp_path / "report"
    done = stackcheck(
        "-C", str(repo), "run", "--backend", "process", "--changed-since", "HEAD~1", "--report", str(report)
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "routes differently" in done.stdout
    results = json.loads((report / "results.json").read_text())
    selection = results["selection"]
    assert selection["groups"] == ["static", "health", "alerts", "notifications"]
    every = {s.name for s in load_scenarios(repo / "fixtures" / "scenarios")}
    ran = every & {c["id"].split("/")[1] for c in results["checks"] if "/" in c["id"]}
    assert ran and ran <= set(selection["scenarios"]) < every
    assert not [c for c in results["checks"] if c["id"].startswith(("scrape/", "faults/", "coverage/"))]
    failed = {c["id"] for c in results["checks"] if c["status"] == "failed"}
    assert "notifications/gpu-xid-79-pages-ml-oncall/ml-oncall-critical:GPUXidErrors/delivered" in failed

    diff = stackcheck("-C", str(repo), "diff", "HEAD~1")
    assert diff.returncode == 0
    assert "`webhook-archive, ml-oncall-critical` | `webhook-archive, oncall-critical`" in diff.stdout
