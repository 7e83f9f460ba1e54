"""init's stack.yaml and fixtures load through the loaders a run uses, and a second init keeps
what the user reviewed."""

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from validation.core.errors import HarnessError
from validation.core.project import Project
from validation.fixtures.endpoints import load_endpoints
from validation.fixtures.exporters import load_exporters
from validation.fixtures.targets import load_expected_targets
from validation.init import adopt, marker
from validation.init.compose import load_compose
from validation.init.infer import ComponentPlan, StackPlan, from_compose, from_paths

pytestmark = pytest.mark.unit

PROMETHEUS_YML = """\
rule_files: [rules/*.yml]
alerting:
  alertmanagers: [{static_configs: [{targets: ["am:9093"]}]}]
scrape_configs:
  - job_name: self
    static_configs: [{targets: ["localhost:9090"]}]
  - job_name: hosts
    static_configs: [{targets: ["node-a:9100", "node-b:9100"], labels: {rack: r1}}]
  - job_name: containers
    static_configs: [{targets: ["cadv:8080"]}]
  - job_name: pods
    kubernetes_sd_configs: [{role: pod}]
    relabel_configs:
      - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], action: keep, regex: "true"}
      - {source_labels: [__meta_kubernetes_namespace], target_label: namespace}
"""
RULES = """\
groups:
  - name: g
    rules:
      - alert: ContainerHot
        expr: rate(container_cpu_usage_seconds_total{name="api"}[5m]) > 1
"""
ALERTMANAGER_YML = """\
global: {smtp_smarthost: "relay.example:25"}
route: {receiver: mail}
receivers:
  - name: mail
    email_configs: [{to: "ops@example.org"}]
  - name: hook
    webhook_configs: [{url: "http://archive:8080/alerts"}]
"""
COMPOSE = """\
services:
  prometheus:
    image: prom/prometheus:v2.42.0
    volumes: ["./prom:/etc/prometheus", "data:/prometheus"]
    command: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.retention.time=15d", "--web.enable-lifecycle"]
  am:
    image: prom/alertmanager:v0.25.0
    volumes: ["./am/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro"]
    command: --config.file=/etc/alertmanager/alertmanager.yml --cluster.listen-address=
  node-a:
    image: prom/node-exporter:v1.5.0
  cadv:
    image: gcr.io/cadvisor/cadvisor:v0.47.0
"""


def _stack(tmp_path: Path, compose: str = COMPOSE) -> Path:
    (tmp_path / "prom" / "rules").mkdir(parents=True)
    (tmp_path / "prom" / "prometheus.yml").write_text(PROMETHEUS_YML)
    (tmp_path / "prom" / "rules" / "a.yml").write_text(RULES)
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "alertmanager.yml").write_text(ALERTMANAGER_YML)
    (tmp_path / "docker-compose.yml").write_text(compose)
    return tmp_path / "docker-compose.yml"


def test_the_written_stack_yaml_loads_and_points_at_the_users_files(tmp_path):
    compose = _stack(tmp_path)
    adopt(tmp_path, from_compose(load_compose(compose)))
    project = Project.load(tmp_path)
    prom, am = project.components["prometheus"], project.components["alertmanager"]
    assert prom.config == tmp_path / "prom" / "prometheus.yml"
    assert (prom.version, prom.address) == ("2.42.0", "prometheus:9090")
    assert prom.flags == {"storage.tsdb.retention.time": "15d", "web.enable-lifecycle": True}
    assert am.config == tmp_path / "am" / "alertmanager.yml" and am.address == "am:9093"
    assert am.flags == {"cluster.listen-address": ""}
    assert project.components["node_exporter"].job == "hosts"
    assert project.components["node_exporter"].target_addresses == ("node-a:9100", "node-b:9100")
    assert "pushgateway" not in project.components and project.address_of("pushgateway") == ""
    assert project.rule_files() == [tmp_path / "prom" / "rules" / "a.yml"]
    assert (tmp_path / "stack" / "stack.yaml").read_text().count("pushgateway: absent") == 1
    # nothing of the user's was moved or copied
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "am",
        "docker-compose.yml",
        "fixtures",
        "prom",
        "stack",
    ]


def test_the_fixtures_load_through_the_run_loaders(tmp_path):
    adopt(tmp_path, from_compose(load_compose(_stack(tmp_path))))
    targets = load_expected_targets(tmp_path / "fixtures" / "targets.yaml")
    assert [t.instance for t in targets["hosts"]] == ["node-a:9100", "node-b:9100"]
    assert targets["hosts"][0].labels == {"job": "hosts", "rack": "r1"}
    assert "pods" not in targets  # outside discovery: the user lists what it finds
    endpoints = load_endpoints(tmp_path / "fixtures" / "endpoints.yaml")
    assert endpoints is not None
    assert endpoints.mailboxes_at("relay.example", 25) == {"ops@example.org"}
    assert [(w.host, w.port, w.path) for w in endpoints.webhooks] == [("archive", 8080, "/alerts")]
    skeleton = (tmp_path / "fixtures" / "service_discovery" / "pods.yml").read_text()
    assert '__meta_kubernetes_pod_annotation_prometheus_io_scrape: "true"' in skeleton.replace("'", '"')
    assert "__meta_kubernetes_namespace" in skeleton
    exporters = load_exporters(
        tmp_path / "fixtures" / "exporters.yaml", {"self", "hosts", "containers", "pods"}
    )
    assert [s.selector() for s in exporters.jobs["containers"]] == [
        'container_cpu_usage_seconds_total{name="api"}'
    ]
    assert exporters.jobs["containers"][0].samples == (0.0,)  # an idle exporter: the counter holds, rate 0
    groups = yaml.safe_load(skeleton)  # file_sd format: a list of target groups
    assert isinstance(groups, list) and groups[0]["targets"]


def test_a_second_init_keeps_reviewed_and_edited_files_and_rewrites_untouched_ones(tmp_path):
    plan = from_compose(load_compose(_stack(tmp_path)))
    adopt(tmp_path, plan)
    targets = tmp_path / "fixtures" / "targets.yaml"
    targets.write_text(targets.read_text().split("\n", 1)[1])  # reviewed
    endpoints = tmp_path / "fixtures" / "endpoints.yaml"
    endpoints.write_text(endpoints.read_text() + "# mine\n")  # edited below the marker
    result = adopt(tmp_path, plan)
    status = {o.path.name: o.status for o in result.outcomes}
    assert status["targets.yaml"] == "kept (reviewed)"
    assert status["endpoints.yaml"] == "kept (edited)"
    assert status["stack.yaml"] == "written"
    assert endpoints.read_text().endswith("# mine\n")
    assert "kept (reviewed)" in result.describe(tmp_path)


def test_a_config_that_is_not_mounted_is_exit_2_with_the_place_and_the_fix(tmp_path):
    compose = _stack(
        tmp_path, COMPOSE.replace('volumes: ["./prom:/etc/prometheus", "data:/prometheus"]', "volumes: []")
    )
    with pytest.raises(HarnessError) as err:
        from_compose(load_compose(compose))
    assert err.value.place == f"{compose.resolve()}:4"
    assert "/etc/prometheus/prometheus.yml" in err.value.what and "--prometheus-config" in err.value.hint


def test_a_mounted_file_that_does_not_exist_names_the_volume_line(tmp_path):
    compose = _stack(tmp_path, COMPOSE.replace("./am/alertmanager.yml:", "./am/missing.yml:"))
    with pytest.raises(HarnessError) as err:
        from_compose(load_compose(compose))
    assert err.value.place == f"{compose.resolve()}:8" and "does not exist" in err.value.what


def test_plain_config_paths(tmp_path):
    _stack(tmp_path)
    (tmp_path / "prom" / "web.yml").write_text("basic_auth_users: {}\n")
    plan = from_paths(tmp_path / "prom" / "prometheus.yml", tmp_path / "am" / "alertmanager.yml")
    assert plan.components["prometheus"].web_config == tmp_path / "prom" / "web.yml"  # guessed, noted
    assert plan.components["alertmanager"].web_config is None
    assert plan.components["alertmanager"].address == "am:9093"
    assert plan.components["node_exporter"].job == "hosts"
    assert [j.job for j in plan.unserved] == ["containers"] and plan.unserved[0].kind == "cadvisor"
    adopt(tmp_path, plan)
    assert Project.load(tmp_path).components["prometheus"].config == tmp_path / "prom" / "prometheus.yml"


flag_values = st.one_of(
    st.booleans(), st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z]+(\.[a-z-]+){0,2}", fullmatch=True), flag_values, max_size=5))
def test_flags_round_trip_through_project_load(tmp_path_factory, flags):
    root = tmp_path_factory.mktemp("repo")
    (root / "prometheus.yml").write_text("scrape_configs: []\n")
    plan = StackPlan(
        root / "prometheus.yml",
        {"prometheus": ComponentPlan("prometheus", version="2.42.0", address="prometheus:9090",
                                     config=root / "prometheus.yml", flags=dict(flags))},
    )  # fmt: skip
    adopt(root, plan)
    assert marker.state(root / "stack" / "stack.yaml") == "generated"
    assert Project.load(root).components["prometheus"].flags == flags


def test_grafana_sub_folders_mounted_one_by_one_give_their_common_provisioning_folder(tmp_path):
    for sub in ("dashboards", "datasources"):
        (tmp_path / "grafana" / "provisioning" / sub).mkdir(parents=True)
    (tmp_path / "grafana" / "provisioning" / "dashboards" / "provider.yml").write_text(
        "apiVersion: 1\nproviders: [{name: p, type: file, options: {path: /var/lib/grafana/dashboards}}]\n"
    )
    (tmp_path / "boards").mkdir()
    grafana = (
        "  grafana:\n"
        "    image: grafana/grafana-oss:10.4.2\n"
        "    volumes:\n"
        "      - ./grafana/provisioning/dashboards:/etc/grafana/provisioning/dashboards\n"
        "      - ./grafana/provisioning/datasources:/etc/grafana/provisioning/datasources\n"
        "      - ./boards:/var/lib/grafana/dashboards\n"
    )
    plan = from_compose(load_compose(_stack(tmp_path, COMPOSE + grafana)))
    component = plan.components["grafana"]
    assert component.provisioning == tmp_path / "grafana" / "provisioning"
    assert component.dashboards == tmp_path / "boards"
    assert (component.version, component.address, component.required) == ("10.4.2", "grafana:3000", False)


def test_a_missing_config_path_is_exit_2(tmp_path):
    with pytest.raises(HarnessError, match="--prometheus-config: file not found"):
        from_paths(tmp_path / "nope.yml")


def test_exporters_without_any_family_still_load(tmp_path):
    from validation.init.exporters import render_exporters
    from validation.init.infer import UnservedJob

    text, review = render_exporters([UnservedJob("probes", "blackbox")], ["up == 0"])
    path = tmp_path / "exporters.yaml"
    path.write_text(text)
    assert load_exporters(path).jobs == {}
    assert review == ["job 'probes': no family found in rules or dashboards, add some"]


def test_an_unknown_exporter_gets_the_families_the_runs_gap_finder_attributes_to_it(tmp_path):
    compose = _stack(tmp_path, COMPOSE + "  app:\n    image: acme/app:1.0\n")
    prometheus = tmp_path / "prom" / "prometheus.yml"
    prometheus.write_text(
        prometheus.read_text() + '  - job_name: app\n    static_configs: [{targets: ["app:8000"]}]\n'
    )
    (tmp_path / "prom" / "rules" / "b.yml").write_text(
        'groups:\n  - name: app\n    rules:\n      - alert: QueueDeep\n        expr: acme_queue_depth{queue="jobs"} > 10\n'
    )
    result = adopt(tmp_path, from_compose(load_compose(compose)))
    fixture = load_exporters(tmp_path / "fixtures" / "exporters.yaml")
    assert [s.selector() for s in fixture.jobs["app"]] == ['acme_queue_depth{queue="jobs"}']
    # cAdvisor's families come by its prefix only: the app's family is not served there
    assert "acme_queue_depth" not in {s.name for s in fixture.jobs["containers"]}
    assert "job app: not run by the harness" in result.describe(tmp_path)
