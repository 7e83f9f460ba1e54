"""coverage.paths lists, per scrape job and per label Prometheus adds, the scenarios exercising it."""

from pathlib import Path

import pytest

from validation.pipeline.paths import added_labels, path_coverage
from validation.scenarios.loader import load_scenarios

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "stack/prometheus/prometheus.yml"


def test_the_reference_exercises_the_pushgateway_job_and_the_cluster_label() -> None:
    paths = path_coverage(load_scenarios(REPO / "fixtures/scenarios"), PROMETHEUS, "pushgateway:9091")
    assert "pushgateway-rejected-push-warns-observability-slack" in paths["scrape_jobs"]["pushgateway"]
    assert "node" in paths["unexercised_scrape_jobs"]
    assert paths["unexercised_added_labels"] == [] and paths["added_labels"]["cluster"]


def test_external_and_relabeled_labels_are_listed_and_unpinned_ones_unexercised(tmp_path: Path) -> None:
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {external_labels: {cluster: c, region: r}}\n"
        "alerting: {alert_relabel_configs: [{target_label: tier, replacement: gold}, {action: drop}]}\n"
        "scrape_configs: [{job_name: pg, static_configs: [{targets: ['pg:9091']}]}]\n"
    )
    assert added_labels(config) == ["cluster", "region", "tier"]
    paths = path_coverage([], config, "pg:9091")
    assert paths["unexercised_added_labels"] == ["cluster", "region", "tier"]
    assert paths["unexercised_scrape_jobs"] == ["pg"]
