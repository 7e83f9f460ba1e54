from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from validation.commands import baseline as command
from validation.commands.baseline import Measurement, baseline_command
from validation.core.project import Project
from validation.perf.baseline import environment
from validation.perf.metrics import Figures

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def _figures(rule_eval: float) -> Figures:
    figures = Figures()
    for jitter in (1.0, 1.1, 0.95):
        figures.add("rule_eval_s/total", "timing", rule_eval * jitter)
        figures.add("rss_bytes/prometheus", "memory", 130e6 * jitter)
    return figures


@pytest.fixture
def fake_measure(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Replaces the stack measurement: each call pops the next rule-evaluation time."""
    values: list[float] = []

    def measure(
        project: Project, backend: str, time_scale: float, options: object, **_: object
    ) -> Measurement:
        env = environment(backend, time_scale, {"prometheus": "2.42.0"})
        return Measurement(_figures(values.pop(0)), env, {"load_series": 10000, "load_interval_s": 1.0})

    monkeypatch.setattr(command, "measure", measure)
    return values


def _run(action: str, tmp_path: Path, samples: int = 3, plots: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = baseline_command(
        Project.load(REPO), action, "ci-2cpu", "process", 60.0, tmp_path / "reports", tmp_path / "baselines",  # type: ignore[arg-type]
        samples, out=out, err=err, plots=plots,
    )  # fmt: skip
    return code, out.getvalue(), err.getvalue()


def test_record_then_unchanged_compare_exits_0(tmp_path: Path, fake_measure: list[float]) -> None:
    fake_measure += [0.010, 0.012]
    assert _run("record", tmp_path)[0] == 0
    assert (tmp_path / "baselines" / "ci-2cpu.json").is_file()
    code, out, err = _run("compare", tmp_path)
    assert code == 0, err
    assert "0 regression(s)" in out
    verdicts = json.loads((tmp_path / "reports" / "perf" / "compare.json").read_text())["verdicts"]
    assert {v["name"] for v in verdicts} == {"rule_eval_s/total", "rss_bytes/prometheus"}


def test_slower_rules_exit_1_naming_the_metric(tmp_path: Path, fake_measure: list[float]) -> None:
    fake_measure += [0.010, 0.300]
    _run("record", tmp_path)
    code, _, err = _run("compare", tmp_path)
    assert code == 1
    assert "regression: rule_eval_s/total" in err


def test_plots_land_in_the_report_dir(tmp_path: Path, fake_measure: list[float]) -> None:
    pytest.importorskip("matplotlib")
    fake_measure += [0.010]
    _run("record", tmp_path, plots=True)
    perf = tmp_path / "reports" / "perf"
    assert (perf / "figures.png").read_bytes()[:4] == b"\x89PNG"
    assert (perf / "trend.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_at_another_time_scale_exits_2_before_measuring(
    tmp_path: Path, fake_measure: list[float]
) -> None:
    fake_measure += [0.010]
    _run("record", tmp_path)
    err = io.StringIO()
    code = baseline_command(
        Project.load(REPO), "compare", "ci-2cpu", "process", 15.0, tmp_path / "reports", tmp_path / "baselines",
        3, out=io.StringIO(), err=err, plots=False,
    )  # fmt: skip
    assert code == 2
    assert "time_scale 60.0 → 15.0" in err.getvalue()
    assert fake_measure == []


@pytest.mark.parametrize(
    ("action", "samples", "expected"),
    [("compare", 3, "no baseline 'ci-2cpu'"), ("record", 0, "--samples 0 is below 1")],
    ids=["compare without a baseline", "zero samples"],
)
def test_harness_errors_exit_2_before_measuring(
    tmp_path: Path, fake_measure: list[float], action: str, samples: int, expected: str
) -> None:
    code, _, err = _run(action, tmp_path, samples)
    assert code == 2
    assert expected in err and "Hint:" in err
