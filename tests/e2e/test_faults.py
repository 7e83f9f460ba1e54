"""The faults group against the real stack: it passes on the reference stack, and it fails, naming
the case, for the config defects it exists to catch."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli import stackcheck
from tests.conftest import REPO, edit
from validation.checks.faults import FaultOptions, run_faults
from validation.core.project import Project
from validation.core.results import Report

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]


def _run(repo: Path, report: Path, backend: str = "process"):
    return stackcheck("-C", str(repo), "run", "--backend", backend, "--only", "faults",
                      "--report", str(report), timeout=600)  # fmt: skip


def _statuses(report: Path) -> dict[str, str]:
    data = json.loads((report / "results.json").read_text())
    return {c["id"]: c["status"] for c in data["checks"]}


def test_every_fault_case_passes_on_the_reference_stack(tmp_path: Path) -> None:
    result = _run(REPO, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    statuses = _statuses(tmp_path)
    for case in ("receiver-outage", "prometheus-reload", "alertmanager-reload", "pushgateway",
                 "prometheus-crash", "retention", "alertmanager-restart", "alertmanager-down"):  # fmt: skip
        assert any(i.startswith(f"faults/{case}/") and s == "passed" for i, s in statuses.items()), case
    # beside the group's checks only the reference waivers, skipped: their checks did not run here
    assert all(c.startswith(("faults/", "waivers/")) for c in statuses)
    assert all(s == "skipped" for c, s in statuses.items() if c.startswith("waivers/"))
    data = json.loads((tmp_path / "results.json").read_text())
    assert all(c["kind"] == "reliability" for c in data["checks"] if c["id"].startswith("faults/"))
    print(f"faults group: {data['measurements']['faults_wall_s']} s wall")


def test_a_pushgateway_without_persistence_fails_naming_the_case(stack_copy: Path, tmp_path: Path) -> None:
    edit(stack_copy / "stack/stack.yaml",
         "      persistence.file: /data/pushgateway.data\n      persistence.interval: 5m\n", "")  # fmt: skip
    result = _run(stack_copy, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    statuses = _statuses(tmp_path)
    assert statuses["faults/pushgateway/restart-keeps-groups"] == "failed"
    assert statuses["faults/pushgateway/kill-loses-at-most-one-interval"] == "failed"
    assert "faults/pushgateway/restart-keeps-groups" in result.stdout
    assert "persistence.file" in result.stdout
    # the other cases are not disturbed by it
    assert [i for i, s in statuses.items() if s == "failed"] == [
        "faults/pushgateway/restart-keeps-groups",
        "faults/pushgateway/kill-loses-at-most-one-interval",
    ]


def test_an_email_only_paging_receiver_is_reported_by_the_outage_case(
    stack_copy: Path, tmp_path: Path
) -> None:
    config = stack_copy / "stack/alertmanager/alertmanager.yml"
    text = config.read_text()
    start = text.index("  - name: oncall-critical\n")
    slack = text.index("    slack_configs:\n", start)
    end = text.index("  - name: ml-oncall-critical\n")
    config.write_text(text[:slack] + "\n" + text[end:])
    report = Report()
    run_faults(Project.load(stack_copy), FaultOptions(cases=("faults/receiver-outage",)), report)
    statuses = {c.id: c for c in report.checks}
    page = statuses["faults/receiver-outage/oncall-critical/page-reaches-oncall"]
    assert page.status == "failed", page.message
    assert "oncall-critical delivers only through email" in page.message
    # the receiver that still has two integrations keeps passing
    assert statuses["faults/receiver-outage/ml-oncall-critical/page-reaches-oncall"].status == "passed"


@pytest.mark.containers
def test_every_fault_case_passes_in_containers(tmp_path: Path) -> None:
    from validation.docker.client import engine_available
    from validation.docker.images.choice import choose_images

    project = Project.load(REPO)
    wanted = {n: project.components[n] for n in ("prometheus", "alertmanager", "pushgateway")}
    if not engine_available() or not all(c.image for c in choose_images(wanted).values()):
        reason = "no Docker engine or images (run `stackcheck provision --docker`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    result = _run(REPO, tmp_path, backend="containers")
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(s in ("passed", "skipped") for s in _statuses(tmp_path).values())
