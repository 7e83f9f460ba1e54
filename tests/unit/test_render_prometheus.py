from pathlib import Path

import pytest
import yaml

from tests.conftest import edit
from validation.core.errors import ConfigError
from validation.render.addresses import AddressMap
from validation.render.context import RenderContext
from validation.render.prometheus import SYNTHETIC_JOB, render_prometheus

pytestmark = pytest.mark.unit


def _render(repo: Path, tmp_path: Path, synthetic: str | None = "127.9.0.1:9999"):
    ctx = RenderContext(tmp_path / "run", AddressMap(block=99))
    prom = repo / "stack" / "prometheus" / "prometheus.yml"
    rendered = render_prometheus(
        prom,
        ctx,
        own_host="prometheus",
        rule_files=[],
        fixtures_dir=repo / "fixtures",
        synthetic_address=synthetic,
    )
    return ctx, rendered, yaml.safe_load(rendered.path.read_text())


def _job(data, name):
    return next(j for j in data["scrape_configs"] if j["job_name"] == name)


def test_the_configs_own_relabeling_runs_first_and_ours_is_appended(stack_copy, tmp_path):
    original = yaml.safe_load((stack_copy / "stack/prometheus/prometheus.yml").read_text())
    _, _, data = _render(stack_copy, tmp_path)
    theirs = _job(original, "node")["relabel_configs"]
    ours = _job(data, "node")["relabel_configs"]
    assert ours[: len(theirs)] == theirs
    assert len(ours) > len(theirs)


def test_hosts_go_to_loopback_with_the_configured_port_kept(stack_copy, tmp_path):
    ctx, _, data = _render(stack_copy, tmp_path)
    rules = _job(data, "alertmanager")["relabel_configs"]
    mapping = next(r for r in rules if r.get("regex", "").startswith("alertmanager"))
    assert mapping["replacement"] == ctx.addresses.address_of("alertmanager") + "$1"
    assert mapping["regex"] == r"alertmanager(:[0-9]+)?"


def test_unknown_hosts_are_sent_to_the_black_hole_never_outside(stack_copy, tmp_path):
    ctx, _, data = _render(stack_copy, tmp_path)
    for job in data["scrape_configs"]:
        if job["job_name"] == SYNTHETIC_JOB:
            continue
        last = job["relabel_configs"][-1]
        assert last["replacement"] == ctx.addresses.blackhole + "$1"


def test_kubernetes_discovery_is_replaced_by_the_fixture(stack_copy, tmp_path):
    _, _, data = _render(stack_copy, tmp_path)
    pods = _job(data, "kubernetes-pods")
    assert "kubernetes_sd_configs" not in pods
    assert pods["file_sd_configs"][0]["files"]


def test_missing_discovery_fixture_is_reported(stack_copy, tmp_path):
    (stack_copy / "fixtures/service_discovery/kubernetes-pods.yml").unlink()
    ctx, _, _ = _render(stack_copy, tmp_path)
    assert any("kubernetes-pods" in w and "kubernetes_sd_configs" in w for w in ctx.warnings)


def test_every_secret_file_points_at_the_run_password(stack_copy, tmp_path):
    ctx, _, data = _render(stack_copy, tmp_path)
    text = yaml.safe_dump(data)
    assert "/etc/stackcheck/secrets" not in text
    assert str(ctx.password_file()) in text
    assert ctx.password_file().read_text() == ctx.password


def test_synthetic_job_honors_labels(stack_copy, tmp_path):
    _, _, data = _render(stack_copy, tmp_path)
    job = _job(data, SYNTHETIC_JOB)
    assert job["honor_labels"] is True
    assert job["static_configs"] == [{"targets": ["127.9.0.1:9999"]}]


def test_malformed_yaml_names_file_and_line(stack_copy, tmp_path):
    prom = stack_copy / "stack/prometheus/prometheus.yml"
    edit(prom, "scrape_configs:", "scrape_configs:\n  - job_name: [unclosed")
    with pytest.raises(ConfigError) as err:
        _render(stack_copy, tmp_path)
    message = err.value.render()
    assert "prometheus.yml:" in message and "Hint:" in message


def test_the_users_files_are_never_modified(stack_copy, tmp_path):
    before = {p: p.read_bytes() for p in (stack_copy / "stack").rglob("*") if p.is_file()}
    _render(stack_copy, tmp_path)
    after = {p: p.read_bytes() for p in (stack_copy / "stack").rglob("*") if p.is_file()}
    assert before == after


def test_localhost_targets_are_prometheus_itself(stack_copy, tmp_path):
    # a compose stack's Prometheus scraping itself as localhost:9090 (its own container)
    edit(stack_copy / "stack/prometheus/prometheus.yml", '"prometheus:9090"', '"localhost:9090"')
    ctx, _, data = _render(stack_copy, tmp_path)
    rules = _job(data, "prometheus")["relabel_configs"]
    local = next(r for r in rules if "localhost" in r.get("regex", ""))
    assert local["replacement"] == ctx.addresses.address_of("prometheus") + "$1"
    assert rules.index(local) < len(rules) - 2  # before the black-hole rules
