"""Perf tier: the baseline comparison stays quiet on an unchanged stack and names the metric
when the stack gets more expensive (a heavy recording rule; a scrape target twice as heavy).

One stack (time scale 60, 10k load series) serves the quiet case and the heavier target; the
expensive rule needs its own copy of the repository. Budget: a few minutes on 2 CPUs.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import copy_stack
from validation.commands.baseline import baseline_command
from validation.core.project import Project
from validation.perf.compare import compare_figures, regressions
from validation.perf.loadtarget import LoadTarget
from validation.perf.measure import MeasureOptions, attach_load, measure_running, measure_start
from validation.perf.metrics import Figures
from validation.stack.stack import Stack, StackOptions

pytestmark = pytest.mark.perf

REPO = Path(__file__).resolve().parents[2]
SCALE = 60.0
OPTIONS = MeasureOptions(samples=5, load_series=10_000, load_interval_s=1.0, alerts=False)
NEEDED = ("prometheus", "promtool", "amtool")


@pytest.fixture(scope="module", autouse=True)
def _components_present() -> None:
    missing = [b for b in NEEDED if shutil.which(b) is None]
    if missing:
        reason = f"components missing: {', '.join(missing)} (run `stackcheck provision`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def _started(root: Path) -> tuple[Stack, LoadTarget]:
    stack = Stack(Project.load(root), StackOptions(time_scale=SCALE))
    stack.__enter__()
    try:
        measure_start(stack)
        return stack, attach_load(stack, OPTIONS.load_series, OPTIONS.load_interval_s)
    except BaseException:
        stack.stop()
        raise


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[Stack, LoadTarget]]:
    stack, load = _started(REPO)
    try:
        yield stack, load
    finally:
        load.stop()
        stack.stop()


@pytest.fixture(scope="module")
def baseline(running: tuple[Stack, LoadTarget]) -> Figures:
    stack, load = running
    return measure_running(stack, load, OPTIONS)


def _options(samples: int) -> MeasureOptions:
    return MeasureOptions(samples=samples, load_series=OPTIONS.load_series, alerts=False)


def test_ten_compares_of_an_unchanged_stack_raise_no_alarm(
    running: tuple[Stack, LoadTarget], baseline: Figures
) -> None:
    stack, load = running
    alarms = []
    for _ in range(10):
        verdicts = compare_figures(baseline, measure_running(stack, load, _options(3)))
        alarms += [v.message for v in regressions(verdicts)]
    assert alarms == [], "\n".join(alarms)


def test_an_expensive_recording_rule_is_flagged_by_name(baseline: Figures, tmp_path: Path) -> None:
    root = copy_stack(tmp_path / "repo")
    rules = root / "rules" / "recording.rules.yml"
    heavy = (
        "  - name: node.recording\n"
        "    rules:\n"
        "      - record: group:stackcheck_perf_load:rate1h\n"
        "        expr: sum by (group) (rate(stackcheck_perf_load_total[1h]))\n"
        "      - record: group:stackcheck_perf_load:p90_rate1h\n"
        "        expr: quantile by (group) (0.9, rate(stackcheck_perf_load_total[1h]))\n"
    )
    text = rules.read_text(encoding="utf-8")
    assert "  - name: node.recording\n    rules:\n" in text
    rules.write_text(text.replace("  - name: node.recording\n    rules:\n", heavy, 1), encoding="utf-8")
    stack, load = _started(root)
    try:
        current = measure_running(stack, load, _options(3))
    finally:
        load.stop()
        stack.stop()
    found = regressions(compare_figures(baseline, current))
    print("\n".join(v.message for v in found))
    assert {"rule_eval_s/node.recording", "rule_eval_s/total"} <= {v.name for v in found}


def test_a_scrape_target_twice_as_heavy_is_flagged_by_name(
    running: tuple[Stack, LoadTarget], baseline: Figures
) -> None:
    # last test on the shared stack: the extra series stay in the head for hours
    stack, load = running
    load.resize(2 * OPTIONS.load_series)
    from validation.perf.loadjob import wait_for_head_series

    wait_for_head_series(
        stack, 'stackcheck_perf_load_total{job="stackcheck-perf-load"}', 2 * OPTIONS.load_series
    )
    found = regressions(compare_figures(baseline, measure_running(stack, load, _options(3))))
    print("\n".join(v.message for v in found))
    assert "tsdb/head_series" in {v.name for v in found}


def test_record_command_measures_alert_latency_and_draws_plots(tmp_path: Path) -> None:
    root = copy_stack(tmp_path / "repo")
    for scenario in (root / "fixtures" / "scenarios").glob("*.yaml"):
        if scenario.name != "node-down.yaml":  # the shortest scenarios keep the tier within budget
            scenario.unlink()
    code = baseline_command(
        Project.load(root), "record", "perf-tier", "process", SCALE, tmp_path / "reports",
        tmp_path / "baselines", 3,
    )  # fmt: skip
    assert code == 0
    data = json.loads((tmp_path / "baselines" / "perf-tier.json").read_text(encoding="utf-8"))
    metrics = data["metrics"]
    for name in ("startup_s/prometheus", "first_scrape_s/all", "alert_latency_s/p50",
                 "alert_latency_ratio_to_floor/p95", "rule_eval_s/total", "rss_bytes/prometheus",
                 "tsdb/ingestion_samples_per_s", "scrape_duration_s/stackcheck-perf-load"):  # fmt: skip
        assert name in metrics, name
    assert data["environment"]["time_scale"] == SCALE and data["environment"]["cpu_count"] >= 1
    assert (tmp_path / "reports" / "perf" / "figures.png").stat().st_size > 10_000
