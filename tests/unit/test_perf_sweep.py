from __future__ import annotations

from pathlib import Path

import pytest

from validation.core.errors import HarnessError
from validation.perf.sweep import SweepPoint, SweepResult, run_sweep, time_synthetic_render

pytestmark = pytest.mark.unit


def _point(series: float, rss: float) -> SweepPoint:
    return SweepPoint(
        load_series=int(series), head_series=series, rss_bytes=rss, heap_inuse_bytes=rss / 2,
        ingestion_samples_per_s=series / 2, query_p50_s=0.01, query_p95_s=0.02, scrape_duration_s=0.01,
        load_render_s=0.001, synthetic_render_s=0.01, seconds_to_head=1.0,
    )  # fmt: skip


def test_fit_gives_memory_per_series_and_base() -> None:
    result = SweepResult(2.0, [_point(s, 50e6 + 4000 * s) for s in (3000, 13000, 103000)])
    fit = result.fit()
    assert fit["rss_bytes_per_series"] == pytest.approx(4000)
    assert fit["rss_base_bytes"] == pytest.approx(50e6)
    assert fit["heap_bytes_per_series"] == pytest.approx(2000)
    assert result.to_json()["fit"]["rss_bytes_per_series"] == pytest.approx(4000)


def test_one_point_has_no_fit_in_json() -> None:
    assert "fit" not in SweepResult(2.0, [_point(3000, 1e8)]).to_json()


@pytest.mark.parametrize("sizes", [[10_000, 1_000], [0, 10], [-5]], ids=["decreasing", "zero", "negative"])
def test_sizes_must_grow(sizes: list[int]) -> None:
    with pytest.raises(HarnessError, match="increasing"):
        run_sweep(None, sizes)  # type: ignore[arg-type]


def test_synthetic_render_is_timed_with_the_given_clock() -> None:
    ticks = iter([10.0, 10.25])
    assert time_synthetic_render(50, clock=lambda: next(ticks)) == pytest.approx(0.25)


def test_sweep_plot_is_a_png(tmp_path: Path) -> None:
    plots = pytest.importorskip("validation.perf.plots")
    points = [vars(_point(s, 50e6 + 4000 * s)) for s in (3000, 13000)]
    path = plots.plot_sweep(
        points, tmp_path / "sweep.png", {"rss_bytes_per_series": 4000, "rss_base_bytes": 50e6}
    )
    assert path.read_bytes()[:4] == b"\x89PNG"
