from __future__ import annotations

import json
from pathlib import Path

import pytest

from validation.core.errors import HarnessError
from validation.perf.baseline import (
    Baseline,
    baseline_path,
    check_comparable,
    default_baseline_name,
    environment,
    load_baseline,
    save_baseline,
)
from validation.perf.metrics import Figures

pytestmark = pytest.mark.unit

OPTIONS = {"load_series": 10000, "load_interval_s": 1.0}


def _baseline(name: str = "ci-2cpu", value: float = 0.01, scale: float = 60.0) -> Baseline:
    figures = Figures()
    for v in (value, value * 1.1, value * 0.9):
        figures.add("rule_eval_s/total", "timing", v)
    env = environment("process", scale, {"prometheus": "2.42.0"})
    return Baseline(name, env, dict(OPTIONS), figures)


def test_environment_names_the_machine_without_its_host_name() -> None:
    env = environment("process", 60.0, {"prometheus": "2.42.0"})
    assert env["cpu_count"] >= 1 and env["backend"] == "process" and env["time_scale"] == 60.0
    assert len(env["hostname_sha256"]) == 12 and env["versions"] == {"prometheus": "2.42.0"}
    assert "date" in env


def test_saved_baseline_loads_back_with_samples_and_history(tmp_path: Path) -> None:
    save_baseline(tmp_path, _baseline(value=0.01))
    save_baseline(tmp_path, _baseline(value=0.02))
    loaded = load_baseline(tmp_path, "ci-2cpu")
    assert loaded.figures["rule_eval_s/total"].median == pytest.approx(0.02)
    assert len(loaded.figures["rule_eval_s/total"].samples) == 3
    assert [h["medians"]["rule_eval_s/total"] for h in loaded.history] == [0.01, 0.02]


def test_missing_baseline_says_how_to_record_and_lists_known_ones(tmp_path: Path) -> None:
    save_baseline(tmp_path, _baseline("laptop-8cpu"))
    with pytest.raises(HarnessError) as caught:
        load_baseline(tmp_path, "ci-2cpu")
    assert "baseline record --name ci-2cpu" in caught.value.render()
    assert "laptop-8cpu" in caught.value.render()


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        json.dumps({"name": "x"}),
        json.dumps({"name": "x", "metrics": {"m": {"kind": "weird", "median": 1}}}),
    ],
    ids=["not JSON", "no metrics", "unknown kind"],
)
def test_broken_baseline_file_is_a_harness_error_naming_the_file(tmp_path: Path, text: str) -> None:
    (tmp_path / "x.json").write_text(text)
    with pytest.raises(HarnessError) as caught:
        load_baseline(tmp_path, "x")
    assert "x.json" in caught.value.render()


@pytest.mark.parametrize("name", ["", "../etc", ".hidden", "a/b"])
def test_baseline_names_are_plain_file_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(HarnessError):
        baseline_path(tmp_path, name)


def test_other_time_scale_or_load_cannot_be_compared() -> None:
    base = _baseline(scale=60.0)
    with pytest.raises(HarnessError, match="time_scale"):
        check_comparable(base, environment("process", 15.0, {"prometheus": "2.42.0"}), OPTIONS)
    with pytest.raises(HarnessError, match="load_series"):
        check_comparable(base, base.environment, {**OPTIONS, "load_series": 100})


def test_other_cpu_count_or_version_is_only_a_warning() -> None:
    base = _baseline()
    env = {**base.environment, "cpu_count": 64, "versions": {"prometheus": "2.43.0"}}
    warnings = check_comparable(base, env, OPTIONS)
    assert any("cpu_count" in w for w in warnings)
    assert any("prometheus version 2.42.0 → 2.43.0" in w for w in warnings)


@pytest.mark.parametrize(
    ("backend", "suffix"), [("process", "cpu"), ("auto", "cpu"), ("containers", "cpu-containers")]
)
def test_default_name_is_a_machine_class(backend: str, suffix: str) -> None:
    name = default_baseline_name(backend)
    assert name.startswith("local-") and name.endswith(suffix)
