from __future__ import annotations

import pytest

from validation.core.errors import HarnessError
from validation.perf.capacity import CapacityInputs, human_bytes, parse_size, plan, plan_table, render_page

pytestmark = pytest.mark.unit

INPUTS = CapacityInputs(rss_bytes_per_series=5000, rss_base_bytes=100 * 2**20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("200GB", 200 * 2**30), ("512MB", 512 * 2**20), ("0", 0), ("1.5TB", 1.5 * 2**40), ("10b", 10)],
)
def test_retention_size_uses_prometheus_base2_units(text: str, expected: float) -> None:
    assert parse_size(text) == expected


def test_bad_retention_size_is_a_harness_error() -> None:
    with pytest.raises(HarnessError, match="not a size"):
        parse_size("lots")


def test_plan_arithmetic() -> None:
    row = plan(100, 1_000, INPUTS)
    assert row.series == 100_000
    assert row.samples_per_s == pytest.approx(100_000 / 15)
    assert row.memory_bytes == pytest.approx(100 * 2**20 + 100_000 * 5000)
    assert row.disk_per_day_bytes == pytest.approx(100_000 / 15 * 86_400 * 1.5)
    assert row.disk_at_retention_bytes == pytest.approx(row.disk_per_day_bytes * 30)
    assert row.days_kept == 30


def test_size_limit_bites_before_retention_time() -> None:
    row = plan(500, 20_000, INPUTS)  # 10M series: ~13 GiB/day → 200 GiB in ~15 days
    assert row.disk_at_retention_bytes == 200 * 2**30
    assert row.days_kept == pytest.approx(200 * 2**30 / row.disk_per_day_bytes)
    assert row.days_kept < 30


def test_table_covers_every_nodes_and_series_combination() -> None:
    rows = plan_table(INPUTS)
    assert {(r.nodes, r.series_per_node) for r in rows} == {
        (n, s) for n in (10, 50, 100, 500) for s in (1_000, 5_000, 20_000)
    }


@pytest.mark.parametrize(("value", "text"), [(512, "512 B"), (2048, "2.0 KiB"), (3 * 2**30, "3.0 GiB")])
def test_human_bytes(value: float, text: str) -> None:
    assert human_bytes(value) == text


def test_page_carries_the_table_the_measured_inputs_and_the_method() -> None:
    sweep = {
        "interval_s": 2,
        "fit": {"rss_bytes_per_series": 5000, "rss_base_bytes": 100 * 2**20, "heap_bytes_per_series": 3000},
        "points": [
            {
                "load_series": 1000,
                "head_series": 1500,
                "rss_bytes": 2e8,
                "heap_inuse_bytes": 1e8,
                "ingestion_samples_per_s": 700,
                "query_p50_s": 0.002,
                "query_p95_s": 0.004,
                "scrape_duration_s": 0.01,
                "synthetic_render_s": 0.04,
            },
        ],
    }
    page = render_page(
        INPUTS, sweep, {"date": "2026-11-28", "cpu_count": 2, "versions": {"prometheus": "2.42.0"}}
    )
    assert "GENERATED" in page
    assert "| 500 | 20,000 | 10,000,000 |" in page and "(size limit)" in page
    assert "memory per head series (RSS slope): **5,000 B**" in page
    assert "1.5 B" in page and "## Method" in page and "prometheus 2.42.0" in page
    assert "| 1,000 | 1,500 |" in page
