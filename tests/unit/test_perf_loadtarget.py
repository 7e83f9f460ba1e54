from __future__ import annotations

import pytest
import requests

from validation.core.errors import HarnessError
from validation.perf.loadjob import with_job
from validation.perf.loadtarget import LoadTarget, render_block, render_prefixes
from validation.perf.selfmetrics import parse_plain_samples

pytestmark = pytest.mark.unit


def test_block_is_valid_exposition_with_one_value_per_scrape() -> None:
    text = render_block(render_prefixes(3, groups=2), 7).decode()
    assert text.splitlines() == [
        "# HELP stackcheck_perf_load_total Benchmark load served by stackcheck.",
        "# TYPE stackcheck_perf_load_total counter",
        'stackcheck_perf_load_total{group="g00",series="0"} 7',
        'stackcheck_perf_load_total{group="g01",series="1"} 7',
        'stackcheck_perf_load_total{group="g00",series="2"} 7',
    ]


def test_empty_block_is_just_the_header() -> None:
    assert render_block([], 1).decode().count("\n") == 2


def test_served_counters_advance_and_resize() -> None:
    target = LoadTarget("127.0.0.1", series=5).start()
    try:
        session = requests.Session()
        session.trust_env = False
        first = session.get(f"http://{target.address}/metrics", timeout=5).text
        target.resize(1000)
        second = session.get(f"http://{target.address}/metrics", timeout=5).text
        assert session.get(f"http://{target.address}/other", timeout=5).status_code == 404
    finally:
        target.stop()
    assert first.count("\nstackcheck") == 5 and first.rstrip().endswith(" 1")
    assert second.count("\nstackcheck") == 1000 and second.rstrip().endswith(" 2")
    assert target.scrapes == 2 and target.series == 1000


def test_hundred_thousand_series_render_well_within_a_second() -> None:
    target = LoadTarget("127.0.0.1", series=100_000)
    target.body()
    assert target.last_render_s < 0.5


def test_only_loopback_addresses() -> None:
    with pytest.raises(HarnessError, match="loopback"):
        LoadTarget("10.0.0.1")


def test_with_job_appends_and_replaces_a_job_of_the_same_name() -> None:
    config = {"global": {}, "scrape_configs": [{"job_name": "node"}, {"job_name": "load", "x": 1}]}
    out = with_job(config, {"job_name": "load", "x": 2})
    assert [j["job_name"] for j in out["scrape_configs"]] == ["node", "load"]
    assert out["scrape_configs"][-1]["x"] == 2
    assert config["scrape_configs"][-1]["x"] == 1


def test_self_metrics_reads_plain_and_sums_labelled_samples() -> None:
    text = (
        "# HELP prometheus_tsdb_head_series x\nprometheus_tsdb_head_series 1234\n"
        'go_memstats_heap_inuse_bytes{a="1"} 10\ngo_memstats_heap_inuse_bytes{a="2"} 5\n'
        "other_metric 1\nprometheus_tsdb_head_samples_appended_total 1.5e+06\nbroken_line\n"
    )
    assert parse_plain_samples(text) == {
        "prometheus_tsdb_head_series": 1234.0,
        "go_memstats_heap_inuse_bytes": 15.0,
        "prometheus_tsdb_head_samples_appended_total": 1.5e6,
    }
