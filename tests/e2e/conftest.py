from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

BINARIES = ("prometheus", "promtool", "amtool")
ANY_OF = (
    ("prometheus-alertmanager", "alertmanager"),
    ("prometheus-pushgateway", "pushgateway"),
    ("prometheus-node-exporter", "node_exporter"),
)


@pytest.fixture(autouse=True)
def _components_present():
    missing = [b for b in BINARIES if shutil.which(b) is None]
    missing += ["/".join(names) for names in ANY_OF if not any(shutil.which(n) for n in names)]
    if missing:
        reason = f"components missing: {', '.join(missing)} (run `stackcheck provision`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _no_orphans(tmp_path_factory, monkeypatch):
    """Every e2e test leaves no process behind: whatever it started mentioning a run directory
    is gone within 10 s of the test's end. Runs are placed under this pytest session's base
    temporary directory (TMPDIR for child processes, ``tempfile.tempdir`` in process), so other
    sessions' runs on a shared machine are never mistaken for this test's orphans."""
    import tempfile

    from tests.orphans import processes_mentioning
    from validation.core.wait import WaitTimeout, wait_until

    base = str(tmp_path_factory.getbasetemp())
    runs = tmp_path_factory.mktemp("runs")
    monkeypatch.setenv("TMPDIR", str(runs))
    monkeypatch.setattr(tempfile, "tempdir", str(runs))

    def ours() -> set[str]:
        return set(processes_mentioning("stackcheck-run-", base))

    before = ours()
    yield
    try:
        wait_until(lambda: not (ours() - before), timeout=10, what="the test's processes to exit")
    except WaitTimeout:
        left = sorted(ours() - before)
        pytest.fail(f"orphan processes after the test: {left}", pytrace=False)


# One memory scenario, pages on-call then resolves: the pipeline tests break a copy around it.
SCENARIO = """\
scenarios:
  - name: memory-pages-oncall
    why: memory below 10 % for 5m pages on-call by email and Slack, archives, then resolves
    input_series:
      - series: node_memory_MemAvailable_bytes{instance="gpu-node-31:9100", job="node", node="gpu-node-31"}
        values: 32e9x4 2e9x30 32e9x20
      - series: node_memory_MemTotal_bytes{instance="gpu-node-31:9100", job="node", node="gpu-node-31"}
        values: 64e9x54
    exp_alerts:
      - alertname: NodeMemoryExhausted
        exp_labels: {severity: critical, team: infra, node: gpu-node-31}
        exp_annotations_contain: {runbook_url: runbooks/NodeMemoryExhausted.md}
        fires_within: 8m
        resolves: true
    exp_notifications:
      - receiver: oncall-critical
        contains: [NodeMemoryExhausted, gpu-node-31, runbooks/NodeMemoryExhausted.md]
        resolved: true
      - receiver: webhook-archive
        contains: [NodeMemoryExhausted, gpu-node-31]
      - receiver: infra-slack
        absent: true
  - name: memory-fine
    why: half the memory in use never pages
    input_series:
      - series: node_memory_MemAvailable_bytes{instance="gpu-node-32:9100", job="node", node="gpu-node-32"}
        values: 32e9x40
      - series: node_memory_MemTotal_bytes{instance="gpu-node-32:9100", job="node", node="gpu-node-32"}
        values: 64e9x40
    exp_alerts:
      - alertname: NodeMemoryExhausted
        absent: true
    exp_notifications:
      - receiver: oncall-critical
        absent: true
"""


@pytest.fixture
def pipeline_copy(stack_copy):
    for old in (stack_copy / "fixtures/scenarios").glob("*.y*ml"):
        old.unlink()
    (stack_copy / "fixtures/scenarios/memory.yaml").write_text(SCENARIO)
    return stack_copy


def run_scenarios(repo: Path, report: Path, pattern: str, *extra: str) -> tuple[CompletedProcess[str], dict[str, Any]]:
    """`stackcheck -C repo run` of the alerts and notifications of the scenarios matching
    ``pattern``, on the process backend: the process and its results.json ({} if none)."""
    from tests.cli import stackcheck

    result = stackcheck(
        "-C", str(repo), "run", "--backend", "process", "--only", "alerts,notifications",
        "--scenarios", pattern, *extra, "--report", str(report),
    )  # fmt: skip
    path = report / "results.json"
    return result, json.loads(path.read_text()) if path.exists() else {}
