"""A subset run in real time (--time-scale 1) agrees with the compressed run: same checks,
same verdicts. Uses a fast rule of its own so the real-time run takes ~2 minutes."""

import json

import pytest

from tests.cli import stackcheck

pytestmark = pytest.mark.e2e

RULE = """\
groups:
  - name: agreement
    rules:
      - alert: AgreementWorkBurn
        expr: rate(agreement_work_seconds_total{job="node"}[1m]) > 0.5
        for: 30s
        labels: {severity: warning, team: infra}
        annotations:
          summary: "work burns on {{ $labels.node }}"
          runbook_url: https://example.invalid/AgreementWorkBurn.md
"""
SCENARIOS = """\
scenarios:
  - name: agreement-burn
    why: a counter growing 0.8/s for 2 minutes fires the alert and warns infra in Slack
    input_series:
      - series: agreement_work_seconds_total{job="node", instance="gpu-node-81:9100", node="gpu-node-81"}
        values: 0+12x8
    exp_alerts:
      - alertname: AgreementWorkBurn
        exp_labels: {severity: warning, node: gpu-node-81}
        fires_within: 120s
    exp_notifications:
      - receiver: infra-slack
        contains: [AgreementWorkBurn, gpu-node-81]
  - name: agreement-idle
    why: a counter growing 0.2/s never fires
    input_series:
      - series: agreement_work_seconds_total{job="node", instance="gpu-node-82:9100", node="gpu-node-82"}
        values: 0+3x8
    exp_alerts:
      - alertname: AgreementWorkBurn
        absent: true
    exp_notifications:
      - receiver: infra-slack
        absent: true
"""


def _verdicts(repo, report, scale):
    result = stackcheck(
        "-C",
        str(repo),
        "run",
        "--only",
        "alerts,notifications",
        "--scenarios",
        "agreement-*",
        "--time-scale",
        str(scale),
        "--report",
        str(report),
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((report / "results.json").read_text())
    return {c["id"]: c["status"] for c in data["checks"] if c["kind"] in ("alert", "notification")}


def test_real_time_and_compressed_runs_agree(stack_copy, tmp_path):
    (stack_copy / "rules/agreement.rules.yml").write_text(RULE)
    for old in (stack_copy / "fixtures/scenarios").glob("*.y*ml"):
        old.unlink()
    (stack_copy / "fixtures/scenarios/agreement.yaml").write_text(SCENARIOS)
    compressed = _verdicts(stack_copy, tmp_path / "k20", 20)
    real_time = _verdicts(stack_copy, tmp_path / "k1", 1)
    assert compressed == real_time
    assert compressed["alerts/agreement-burn/AgreementWorkBurn/fires"] == "passed"
    assert compressed["alerts/agreement-idle/AgreementWorkBurn/silent"] == "passed"
