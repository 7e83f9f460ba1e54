"""Benchmark: a run costs about its longest scenario, not the sum of its scenarios.

Ten and then forty copies of one scenario (each on its own nodes) run through the same stack;
the wall-time ratio is recorded in a JSON file next to the report and must stay ≤ 1.3.
A ratio, within one run, on one machine: absolute times drift on a shared machine.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from validation.checks.alerts.pipeline import alert_rules, production_timing
from validation.checks.base import CheckContext
from validation.core.project import Project
from validation.core.results import Report
from validation.pipeline.run import run_pipeline
from validation.routing.config import load_alertmanager_config
from validation.scenarios.loader import parse_scenarios
from validation.stack.stack import Stack, StackOptions

pytestmark = pytest.mark.perf

TEMPLATE = """
name: scaling-{batch}-{i}
why: memory below 10 % for 5m pages on-call (a copy for the scaling benchmark)
input_series:
  - series: node_memory_MemAvailable_bytes{{instance="bench-{batch}-{i}:9100", job="node", node="bench-{batch}-{i}"}}
    values: 32e9x4 2e9x30
  - series: node_memory_MemTotal_bytes{{instance="bench-{batch}-{i}:9100", job="node", node="bench-{batch}-{i}"}}
    values: 64e9x34
exp_alerts:
  - alertname: NodeMemoryExhausted
    exp_labels: {{node: bench-{batch}-{i}}}
    fires_within: 8m
exp_notifications:
  - receiver: oncall-critical
    alertname: NodeMemoryExhausted
"""


def _batch(batch: str, count: int):
    return [
        parse_scenarios(TEMPLATE.format(batch=batch, i=i), source=f"{batch}.yaml")[0] for i in range(count)
    ]


def test_forty_scenarios_cost_about_what_ten_cost(tmp_path: Path) -> None:
    project = Project.load(REPO)
    routing = load_alertmanager_config(project.components["alertmanager"].config)
    rules = alert_rules(project.rule_files())
    with Stack(project, StackOptions(time_scale=60, run_root=tmp_path)) as stack:
        ctx = CheckContext(project, tmp_path, stack=stack)
        timing = production_timing(ctx, 60, routing)
        assert stack.synthetic is not None
        assert stack.synthetic.wait_for_scrapes(1, timeout=60), "the synthetic target was never scraped"
        seconds = {}
        for batch, count in (("a", 10), ("b", 40)):
            report = Report()
            start = time.monotonic()
            run_pipeline(stack, _batch(batch, count), timing, rules, routing, report)
            seconds[count] = time.monotonic() - start
            assert report.ok, [c.message for c in report.checks if c.failed]
    ratio = seconds[40] / seconds[10]
    out = Path(os.environ.get("STACKCHECK_BENCH_DIR", tmp_path)) / "pipeline-scaling.json"
    out.write_text(
        json.dumps({"seconds_10": seconds[10], "seconds_40": seconds[40], "ratio": ratio}, indent=2)
    )
    print(
        f"pipeline scaling: 10 scenarios {seconds[10]:.1f}s, 40 scenarios {seconds[40]:.1f}s, ratio {ratio:.2f}"
    )
    assert ratio <= 1.3
