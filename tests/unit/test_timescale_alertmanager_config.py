"""alertmanager.yml: route timings and resolve_timeout scaled, time intervals reported."""

from __future__ import annotations

from typing import Any

import pytest

from validation.core.errors import ConfigError
from validation.timescale.alertmanager_config import compress_alertmanager_config

pytestmark = pytest.mark.unit


def _config() -> dict[str, Any]:
    return {
        "global": {"smtp_smarthost": "smtp:25"},
        "route": {
            "receiver": "default",
            "routes": [
                {
                    "receiver": "page",
                    "repeat_interval": "1h",
                    "routes": [{"receiver": "ml", "group_wait": "1m"}],
                },
                {"receiver": "office", "active_time_intervals": ["office-hours"]},
                {"receiver": "night", "mute_time_intervals": ["weekends", "nights"]},
            ],
        },
        "time_intervals": [{"name": "office-hours", "time_intervals": [{"weekdays": ["monday:friday"]}]}],
        "mute_time_intervals": [
            {"name": "weekends", "time_intervals": [{"weekdays": ["saturday", "sunday"]}]}
        ],
        "receivers": [{"name": "default"}],
    }


def test_root_defaults_are_written_scaled() -> None:
    out, _ = compress_alertmanager_config(_config(), 60)
    root = out["route"]
    assert (root["group_wait"], root["group_interval"], root["repeat_interval"]) == ("500ms", "5s", "4m")


def test_resolve_timeout_default_is_written_scaled() -> None:
    out, _ = compress_alertmanager_config(_config(), 60)
    assert out["global"] == {"smtp_smarthost": "smtp:25", "resolve_timeout": "5s"}


def test_child_routes_scale_only_what_they_set() -> None:
    out, _ = compress_alertmanager_config(_config(), 60)
    page = out["route"]["routes"][0]
    assert page["repeat_interval"] == "1m"
    assert "group_wait" not in page
    assert page["routes"][0]["group_wait"] == "1s"


def test_time_intervals_and_routes_using_them_are_reported() -> None:
    _, reported = compress_alertmanager_config(_config(), 60)
    assert reported == [
        "time_intervals office-hours: wall-clock time intervals cannot be compressed",
        "mute_time_intervals weekends: wall-clock time intervals cannot be compressed",
        "route root.1(office): active_time_intervals office-hours follow the wall clock",
        "route root.2(night): mute_time_intervals weekends, nights follow the wall clock",
    ]


def test_a_config_without_time_intervals_reports_nothing() -> None:
    _, reported = compress_alertmanager_config({"route": {"receiver": "r"}}, 60)
    assert reported == []


def test_explicit_root_values_win_over_defaults() -> None:
    out, _ = compress_alertmanager_config({"route": {"receiver": "r", "group_wait": "10s"}}, 10)
    assert out["route"]["group_wait"] == "1s"


def test_bad_duration_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a duration: 'later'"):
        compress_alertmanager_config({"route": {"receiver": "r", "group_wait": "later"}}, 60)


def test_input_is_not_modified() -> None:
    config = _config()
    compress_alertmanager_config(config, 60)
    assert config == _config()
