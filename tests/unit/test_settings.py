"""One definition of the shared settings: the CLI's and the pytest plugin's defaults come from it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from validation.cli import build_parser, main
from validation.commands.capacity import SWEEP_TIME_SCALE
from validation.core.errors import HarnessError
from validation.core.settings import DEFAULT_BACKEND, DEFAULT_REPORT_DIR, DEFAULT_TIME_SCALE, Settings
from validation.pytest_plugin import settings as plugin_settings
from validation.runner.runner import DEFAULT_TIME_SCALE_CAP, RunOptions

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("argv", [["run"], ["baseline", "record"]])
def test_cli_defaults_are_the_shared_settings(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.backend, args.report) == (DEFAULT_BACKEND, DEFAULT_REPORT_DIR)
    # `run`'s --time-scale is a cap on every scenario group's K, by name (README, "speed")
    expected = DEFAULT_TIME_SCALE_CAP if argv == ["run"] else DEFAULT_TIME_SCALE
    assert args.time_scale == expected


@pytest.mark.parametrize("argv", [["check"], ["dashboards", "x.json"], ["capacity"]])
def test_every_report_option_defaults_to_the_one_report_dir(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).report == DEFAULT_REPORT_DIR


def test_the_capacity_sweep_differs_on_purpose_and_by_name() -> None:
    assert build_parser().parse_args(["capacity"]).time_scale == SWEEP_TIME_SCALE < DEFAULT_TIME_SCALE


def test_run_options_are_settings_with_the_shared_defaults() -> None:
    options = RunOptions()
    assert isinstance(options, Settings)
    assert (options.backend, options.time_scale, options.report_dir) == (
        DEFAULT_BACKEND,
        DEFAULT_TIME_SCALE,
        DEFAULT_REPORT_DIR,
    )


def test_the_pytest_plugin_builds_the_shared_settings(pytestconfig: pytest.Config) -> None:
    if pytestconfig.getoption("--stackcheck-time-scale") != DEFAULT_TIME_SCALE:
        pytest.skip("this session was started with another --stackcheck-time-scale")
    assert plugin_settings(pytestconfig) == Settings(backend=pytestconfig.getoption("--stackcheck-backend"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time_scale": 0.5}, "--time-scale 0.5 is below 1"),
        ({"time_scale": math.inf}, "--time-scale inf is not a finite number"),
        ({"time_scale": math.nan}, "--time-scale nan is not a finite number"),
        ({"backend": "k8s"}, "--backend: unknown backend 'k8s'"),
    ],
)
def test_settings_refuse_what_no_run_can_use(fields: dict[str, object], message: str) -> None:
    with pytest.raises(HarnessError) as info:
        Settings(**fields)  # type: ignore[arg-type]
    assert info.value.render().startswith(message)


def test_a_time_scale_below_one_is_a_usage_error_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the CLI changes directory; the test's cwd is restored after it
    assert main(["run", "--time-scale", "0.5"]) == 2
    assert "--time-scale 0.5 is below 1. Hint: use 1 (real time) or more" in capsys.readouterr().err
