"""Generated scenarios checked with the real promtool: every shape gets a pair promtool agrees
with, a candidate promtool disagrees with is reported and never written, and what is written
loads through the scenario loader and passes ``promtool test rules`` as written."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from validation.core.project import Project
from validation.generate import GenerationReport, generate, generate_for_rules, write_generated
from validation.generate.generator import _judge, _load
from validation.generate.verify import Probe, probe
from validation.init.marker import PREFIX as MARKER_PREFIX
from validation.routing.config import load_alertmanager_config
from validation.scenarios.loader import load_scenarios
from validation.scenarios.references import validate_against

pytestmark = pytest.mark.static

SHAPES = {
    "Threshold": ('temperature_celsius{job="gpu"} > 85', "5m"),
    "RatioOfRates": ("rate(errors_total[5m]) / rate(requests_total[5m]) > 0.01", "10m"),
    "ShareOfItsOwnTotal": (
        'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05',
        "5m",
    ),
    "IncreaseAboveZero": ("increase(oom_kills_total[10m]) > 0", "0s"),
    "Absent": ('absent(up{job="batch"})', "5m"),
    "RecordedSeries": ('instance:cpu_busy:ratio{job="node"} > 0.9', "15m"),
    "Unless": ('up{job="api"} == 0 unless on (instance) maintenance_mode == 1', "2m"),
    "PredictLinear": ("predict_linear(disk_free_bytes[1h], 4 * 3600) < 0", "30m"),
    "LessThan": ("min_over_time(connected_peers[5m]) < 3", "10m"),
    "Without": ('avg without (cpu) (rate(cpu_seconds_total{mode="idle"}[5m])) < 0.1', "5m"),
    "Latency": (
        "histogram_quantile(0.99, sum by (le, job) (rate(request_duration_seconds_bucket[5m]))) * 1000 > 250",
        "5m",
    ),
    "Replicas": ('count by (job) (up{job="workers"} == 0) > 2', "1m"),
    "Clock": ("time() - last_success_timestamp_seconds > 3600", "0s"),
}


def _rule_file(folder: Path) -> Path:
    rules = [
        {"alert": name, "expr": expr, "for": for_, "labels": {"severity": "warning"},
         "annotations": {"summary": f"{name} on {{{{ $labels.instance }}}}"}}
        for name, (expr, for_) in SHAPES.items()
    ]  # fmt: skip
    recording = [
        {
            "record": "instance:cpu_busy:ratio",
            "expr": '1 - avg without (cpu) (rate(cpu_seconds_total{mode="idle"}[5m]))',
        }
    ]
    path = folder / "shapes.rules.yml"
    path.write_text(
        yaml.safe_dump(
            {"groups": [{"name": "recording", "rules": recording}, {"name": "alerts", "rules": rules}]}
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def shapes_report(tmp_path_factory: pytest.TempPathFactory) -> GenerationReport:
    folder = tmp_path_factory.mktemp("shapes")
    rule_file = _rule_file(folder)
    return generate_for_rules([rule_file], "promtool", root=folder, evaluation_interval=30.0)


def test_every_modelled_shape_gets_a_pair_promtool_verified(shapes_report: GenerationReport) -> None:
    verified = {p.rule.name for p in shapes_report.verified}
    assert verified == set(SHAPES) - {"Clock"}, shapes_report.summary()
    for pair in shapes_report.verified:
        assert pair.firing != pair.silent
        assert pair.fired and all(a.labels["alertname"] == pair.rule.name for a in pair.fired)
        assert pair.unit_tests and pair.timing is not None
    absent = next(p for p in shapes_report.pairs if p.rule.name == "Absent")
    assert absent.firing == [] and absent.silent  # fires without the series, silent with it
    recorded = next(p for p in shapes_report.pairs if p.rule.name == "RecordedSeries")
    assert all(s["series"].startswith("cpu_seconds_total{") for s in recorded.firing)  # the raw series


def test_a_rule_that_cannot_be_compressed_is_reported_with_the_reason(
    shapes_report: GenerationReport,
) -> None:
    (unhandled,) = shapes_report.unhandled
    assert unhandled.rule.name == "Clock" and "time() reads the evaluation clock" in unhandled.reason
    assert "Clock" in shapes_report.summary() and "review them" in shapes_report.summary()


def test_a_candidate_promtool_does_not_confirm_is_reported_not_written(
    shapes_report: GenerationReport, tmp_path: Path
) -> None:
    rules, _, _ = _load(shapes_report.rule_files, shapes_report.root, 30.0)
    rule = next(r for r in rules if r.ref.name == "Threshold")
    good = next(p for p in shapes_report.pairs if p.rule.name == "Threshold")
    assert good.timing is not None
    # the firing and silent series swapped: promtool sees no alert where one is claimed
    swapped = type(good)(good.rule, good.silent, good.firing, False, timing=good.timing)
    fire = Probe(swapped.firing, ["Threshold"], [good.timing.fires_within], good.timing.interval)
    silent = Probe(swapped.silent, ["Threshold"], good.timing.silent_checks(), good.timing.interval)
    fire_out, silent_out = probe(shapes_report.rule_files, 30.0, [fire, silent], "promtool")
    assert not _judge(rule, swapped, fire_out, silent_out, silent, None, {}, True)
    assert "did not fire" in swapped.problem
    report = GenerationReport(shapes_report.root, shapes_report.rule_files, 30.0, pairs=[swapped])
    assert write_generated(report, tmp_path / "s", tmp_path / "t", lambda _: True) == []
    assert "not verified, not written: Threshold" in report.summary()


def test_written_files_load_as_scenarios_and_pass_promtool_as_written(
    shapes_report: GenerationReport, tmp_path: Path
) -> None:
    scenarios_dir, tests_dir = tmp_path / "scenarios", tmp_path / "rules" / "tests"
    written = write_generated(shapes_report, scenarios_dir, tests_dir, lambda _: True)
    assert {p.parent for p in written} == {scenarios_dir, tests_dir}
    for path in written:
        first, _, rest = path.read_text(encoding="utf-8").partition("\n")
        assert (
            first
            == f"{MARKER_PREFIX}{hashlib.sha256(rest.encode()).hexdigest()}) — delete this line once reviewed"
        )
    scenarios = load_scenarios(scenarios_dir)
    assert scenarios and all(s.generated for s in scenarios)
    names = {s.name for s in scenarios}
    assert "generated-threshold-fires" in names and "generated-threshold-silent" in names
    # an aggregated alert carries no instance / node, by which a run tells a scenario's alerts:
    # promtool unit test only, and the summary says so
    assert not any(n.startswith("generated-share-of-its-own-total") for n in names)
    assert "unit test only: ShareOfItsOwnTotal" in shapes_report.summary()
    fires = next(s for s in scenarios if s.name == "generated-threshold-fires")
    assert (
        fires.exp_alerts[0].fires_within is not None
        and fires.exp_alerts[0].exp_labels["severity"] == "warning"
    )
    (test_file,) = [p for p in written if p.parent == tests_dir]
    groups = yaml.safe_load(test_file.read_text(encoding="utf-8").partition("\n")[2])["tests"]
    assert len(groups) == 2 * len(shapes_report.verified)
    result = subprocess.run(
        ["promtool", "test", "rules", test_file.name],
        cwd=tests_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert write_generated(shapes_report, scenarios_dir, tests_dir, lambda _: False) == []


def test_the_repository_rules_all_get_verified_pairs_routed_as_today(tmp_path: Path) -> None:
    project = Project.load(REPO)
    report = generate(project, "promtool")
    assert len(report.verified) == 30, report.summary()
    (unhandled,) = report.unhandled
    assert unhandled.rule.name == "PushgatewayJobStale" and "cannot be compressed" in unhandled.reason
    node_down = next(p for p in report.verified if p.rule.name == "NodeDown")
    assert node_down.receivers == ["webhook-archive", "oncall-critical"]
    # 10 % over 85 °C is over 90 °C too, and GPUTemperatureCritical inhibits GPUTemperatureHigh:
    # the pair is found at a narrower margin, so the warning is still delivered
    hot = next(p for p in report.verified if p.rule.name == "GPUTemperatureHigh")
    assert not hot.inhibited_by and hot.receivers and hot.margin < 0.1
    assert all(not p.inhibited_by for p in report.verified)
    scenarios = tmp_path / "scenarios"
    tests = tmp_path / "tests"
    written = write_generated(report, scenarios, tests, lambda _: True)
    routing = load_alertmanager_config(REPO / "stack" / "alertmanager" / "alertmanager.yml")
    alerts = {p.rule.name for p in report.pairs}
    for scenario in load_scenarios(scenarios):
        validate_against(scenario, alerts, routing.receivers)
    for test_file in (p for p in written if p.parent == tests):
        result = subprocess.run(
            ["promtool", "test", "rules", test_file.name],
            cwd=tests,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout
