"""Durations, sizes, credentials and error reporting shared by the maintenance scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.maintenance.common import (
    MaintenanceError,
    parse_duration,
    parse_size,
    parse_time,
    resolve_auth,
    run_main,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("1h30m", 5400),
        ("30d", 2592000),
        ("2w", 1209600),
        ("1y", 31536000),
        ("500ms", 0.5),
    ],
)
def test_prometheus_durations_convert_to_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "h", "1.5h", "10 m", "-1h"])
def test_malformed_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(MaintenanceError) as caught:
        parse_duration(text)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("200GB", 200 * 2**30),
        ("512MB", 512 * 2**20),
        ("1TB", 2**40),
        ("200GiB", 200 * 2**30),
        ("100B", 100),
        ("1.5KB", 1536),
    ],
)
def test_retention_sizes_count_in_powers_of_1024_like_prometheus(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_nanosecond_api_times_parse() -> None:
    assert parse_time("2026-11-28T11:33:22.930045876Z").microsecond == 930045


def test_a_component_secret_file_wins_over_the_shared_password_file(tmp_path: Path) -> None:
    (tmp_path / "alertmanager-password").write_text("am-secret\n")
    (tmp_path / "shared").write_text("shared\n")
    assert resolve_auth("alertmanager", "u", tmp_path / "shared", tmp_path) == ("u", "am-secret")
    assert resolve_auth("prometheus", "u", tmp_path / "shared", tmp_path) == ("u", "shared")
    assert resolve_auth("prometheus", "u", None, None) is None


def test_an_unreadable_password_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(MaintenanceError, match="password file") as caught:
        resolve_auth("prometheus", "u", tmp_path / "missing", None)
    assert caught.value.exit_code == 2


def test_run_main_prints_the_error_with_its_hint_and_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    def body(_argv: object) -> int:
        raise MaintenanceError("it broke", place="here", hint="do that")

    assert run_main(body, []) == 1
    err = capsys.readouterr().err
    assert err == "error: here: it broke. Hint: do that\n"
