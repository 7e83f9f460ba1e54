"""prometheus.yml and flags: intervals and time flags scaled, defaults written, timeouts kept ≤ intervals."""

from __future__ import annotations

from typing import Any

import pytest

from validation.core.durations import parse_duration_ms
from validation.timescale.durations import TimeScale
from validation.timescale.prometheus_config import compress_flags, compress_prometheus_config

pytestmark = pytest.mark.unit


def _config() -> dict[str, Any]:
    return {
        "global": {"scrape_interval": "15s", "scrape_timeout": "10s", "evaluation_interval": "15s"},
        "alerting": {"alertmanagers": [{"timeout": "10s", "static_configs": [{"targets": ["a:9093"]}]}]},
        "scrape_configs": [
            {"job_name": "node", "file_sd_configs": [{"files": ["n.yml"], "refresh_interval": "5m"}]},
            {"job_name": "slow", "scrape_interval": "1m", "scrape_timeout": "30s"},
            {"job_name": "fast", "scrape_interval": "5s"},
        ],
    }


def test_global_intervals_are_scaled() -> None:
    out = compress_prometheus_config(_config(), 60)
    assert out["global"] == {
        "scrape_interval": "250ms",
        "scrape_timeout": "167ms",
        "evaluation_interval": "250ms",
    }


def test_unset_globals_are_written_scaled() -> None:
    out = compress_prometheus_config({"scrape_configs": []}, 60)
    assert out["global"] == {"scrape_interval": "1s", "scrape_timeout": "167ms", "evaluation_interval": "1s"}


def test_job_intervals_and_timeouts_are_scaled() -> None:
    jobs = compress_prometheus_config(_config(), 60)["scrape_configs"]
    assert jobs[1]["scrape_interval"] == "1s"
    assert jobs[1]["scrape_timeout"] == "500ms"
    assert jobs[2]["scrape_interval"] == "83ms"
    assert "scrape_interval" not in jobs[0]


def test_io_timeouts_and_discovery_refresh_are_not_scaled() -> None:
    out = compress_prometheus_config(_config(), 60)
    assert out["alerting"]["alertmanagers"][0]["timeout"] == "10s"
    assert out["scrape_configs"][0]["file_sd_configs"][0]["refresh_interval"] == "5m"


@pytest.mark.parametrize("k", [1, 2, 7, 60, 1000, 100_000])
def test_timeout_never_exceeds_interval(k: float) -> None:
    config = _config()
    config["scrape_configs"].append({"job_name": "odd", "scrape_interval": "7s", "scrape_timeout": "7s"})
    out = compress_prometheus_config(config, k)
    glob = out["global"]
    assert parse_duration_ms(glob["scrape_timeout"]) <= parse_duration_ms(glob["scrape_interval"])
    for job in out["scrape_configs"]:
        if "scrape_timeout" in job:
            assert parse_duration_ms(job["scrape_timeout"]) <= parse_duration_ms(job["scrape_interval"])


def test_flags_are_always_present_and_scaled() -> None:
    flags = compress_flags({"storage.tsdb.path": "/run/x", "rules.alert.resend-delay": "2m"}, 60)
    assert flags == {
        "storage.tsdb.path": "/run/x",
        "query.lookback-delta": "5s",
        "rules.alert.resend-delay": "2s",
        "rules.alert.for-grace-period": "10s",
        "rules.alert.for-outage-tolerance": "1m",
    }


def test_notes_collect_across_calls() -> None:
    scale = TimeScale(60)
    compress_prometheus_config(_config(), scale)
    compress_flags({}, scale)
    assert any("scrape_timeout" in n for n in scale.notes)


def test_input_is_not_modified() -> None:
    config = _config()
    compress_prometheus_config(config, 60)
    assert config == _config()
