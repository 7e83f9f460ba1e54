"""fixtures/exporters.yaml: the strict loader, the stand-ins' places, and the message naming a job
whose targets nothing in a run serves (tests/e2e/test_exporters.py runs them on a real stack)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.layouts import EXPORTER_FIXTURE, EXPORTER_JOB, EXPORTER_TARGETS, add_exporter_job, build_rearranged
from validation.core.errors import HarnessError
from validation.core.project import Project
from validation.fixtures.exporters import example_snippet, load_exporters, parse_exporter_values
from validation.render.addresses import AddressMap
from validation.render.context import RenderContext
from validation.stack.exporter_gaps import Reads, find_gaps, gap_message, project_gaps, without_variables
from validation.stack.exporters import exporter_places, start_exporters
from validation.synthetic.exposition import Timeline
from validation.synthetic.notation import STALE

pytestmark = pytest.mark.unit

JOBS = ["prometheus", "node", "dcgm", "cadvisor"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exporters.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_contract_example_loads(tmp_path):
    path = write(
        tmp_path,
        "jobs:\n"
        "  cadvisor:\n"
        '    - series: container_cpu_usage_seconds_total{name="trainer-0"}\n'
        "      values: 0+15x\n"
        '    - series: container_memory_working_set_bytes{name="trainer-0"}\n'
        '      values: "4e9"\n',
    )
    fixture = load_exporters(path, JOBS)
    cpu, memory = fixture.jobs["cadvisor"]
    assert (cpu.name, cpu.labels, cpu.samples, cpu.continues) == (
        "container_cpu_usage_seconds_total",
        {"name": "trainer-0"},
        (0.0, 15.0),
        True,
    )
    assert (memory.samples, memory.continues) == ((4e9,), False)
    assert fixture.families("cadvisor") == {cpu.name, memory.name}
    assert fixture.place("cadvisor") == f"{path}:2"


def test_a_missing_file_is_no_fixture(tmp_path):
    assert load_exporters(tmp_path / "exporters.yaml", JOBS).jobs == {}


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("job:\n  dcgm: []\n", 1, "did you mean 'jobs'"),
        ("jobs:\n  dcgm:\n    - series: up\n      value: 1\n", 4, "did you mean 'values'"),
        ("jobs:\n  dcgn:\n    - {series: up, values: '1'}\n", 2, "did you mean 'dcgm'"),
        ("jobs:\n  dcgm:\n    - {series: 'up{a=~\"b\"}', values: '1'}\n", 3, "matcher other than '='"),
        ("jobs:\n  dcgm:\n    - series: up\n      values: 1 x3\n", 4, "no spaces inside an item"),
        ("jobs:\n  dcgm:\n    - series: up\n      values: 1,2\n", 4, "not commas"),
        ("jobs:\n  dcgm:\n    - series: up\n", 3, "missing 'values'"),
        ("jobs:\n  dcgm: []\n", 2, "needs a list of series"),
        (
            "jobs:\n  dcgm:\n    - {series: up, values: '1'}\n    - {series: up, values: '2'}\n",
            4,
            "listed twice",
        ),
        ("jobs: [dcgm]\n", 1, "jobs must be a mapping"),
        ("jobs:\n  dcgm:\n    - {series: up, values: '1 _x'}\n", 3, "invalid item '_x'"),
        ("jobs:\n  dcgm:\n    - {series: up, values: '1 stalex'}\n", 3, "'stale' is one lower-case item"),
    ],
)
def test_malformed_files_name_the_line_and_the_fix(tmp_path, text, line, says):
    path = write(tmp_path, text)
    with pytest.raises(HarnessError) as error:
        load_exporters(path, JOBS)
    rendered = error.value.render()
    assert f"{path}:{line}" in rendered and says in rendered and "Hint:" in rendered


def test_the_job_check_names_the_jobs_prometheus_has(tmp_path):
    path = write(tmp_path, "jobs:\n  blackbox:\n    - {series: probe_success, values: '1'}\n")
    with pytest.raises(HarnessError, match=r"'blackbox' is not a scrape job of prometheus\.yml") as error:
        load_exporters(path, JOBS)
    assert "cadvisor, dcgm, node, prometheus" in error.value.render()


@pytest.mark.parametrize(
    ("values", "samples", "continues"),
    [
        ("0+15x", [0.0, 15.0], True),
        ("5x", [5.0, 5.0], True),
        ("1 2 10-1x", [1.0, 2.0, 10.0, 9.0], True),
        ("1x3", [1.0, 1.0, 1.0, 1.0], False),
        ("0 _ 3", [0.0, None, 3.0], False),
        ("4e9", [4e9], False),
    ],
)
def test_a_trailing_bare_x_repeats_the_last_step(values, samples, continues):
    assert parse_exporter_values(values) == (samples, continues)


def test_the_last_step_repeats_after_the_data_gauge_or_counter():
    gauge = Timeline("exporters", "gpu_temp", (), (60.0, 59.0), 1.0, 0.0, continues=True)
    assert [gauge.value_at(t) for t in (0, 1, 2, 5)] == [60.0, 59.0, 58.0, 55.0]
    held = Timeline("exporters", "gpu_temp", (), (60.0, 59.0), 1.0, 0.0)
    assert held.value_at(5) == 59.0
    assert parse_exporter_values("1 2")[1] is False
    assert parse_exporter_values("_ stale 2x") == ([None, STALE, 2.0, 2.0], True)


def test_job_matchers_attribute_families_to_jobs():
    reads = Reads()
    reads.add('rate(a_total{job="dcgm"}[5m]) + b{job=~"dc.*"} + c{job!="dcgm"} + d + up{job="dcgm"}')
    reads.add("not promql (")
    reads.add(without_variables('sum(rate(e{job="$job"}[$__rate_interval])) + f{instance=~"$node"}'))
    assert reads.for_job("dcgm") == {"a_total", "b"}
    assert reads.for_job("node") == set()
    assert reads.unattributed == {"d", "e", "f"}


def test_the_reference_stack_has_no_gap():
    from tests.conftest import REPO

    assert project_gaps(Project.load(REPO)) == []


@pytest.fixture(scope="module")
def dcgm_repo(tmp_path_factory):
    return add_exporter_job(build_rearranged(tmp_path_factory.mktemp("layout") / "repo"), fixture=False)


def test_a_job_nothing_serves_is_named_with_its_families_and_the_fix(dcgm_repo):
    project = Project.load(dcgm_repo)
    (gap,) = project_gaps(project)
    assert (gap.job, gap.targets) == (EXPORTER_JOB, EXPORTER_TARGETS)
    config = (dcgm_repo / "monitoring/prometheus/prometheus.yml").read_text().splitlines()
    assert config[gap.line - 1].strip() == f"- job_name: {EXPORTER_JOB}"
    # the GPU dashboard reads DCGM_* with job="dcgm"; gpu.rules.yml reads them without a job selector
    assert {"DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_XID_ERRORS"} <= set(gap.by_job)
    assert "DCGM_FI_DEV_GPU_TEMP" in gap.families and "up" not in gap.families
    assert not any(f.startswith(("node_", "prometheus_")) for f in gap.families)
    message = gap_message(gap, project.fixtures_dir)
    assert f"job '{EXPORTER_JOB}' scrapes gpu-node-1:9400, gpu-node-2:9400" in message
    assert "DCGM_FI_DEV_GPU_TEMP" in message and str(project.fixtures_dir / "exporters.yaml") in message
    # the snippet in the hint is a valid exporters.yaml for this project
    snippet = message.split(", e.g.\n", 1)[1]
    assert snippet == example_snippet(EXPORTER_JOB, gap.families)
    (project.fixtures_dir / "exporters.yaml").write_text(snippet)
    try:
        assert project_gaps(project) == []
        assert set(load_exporters(project.fixtures_dir / "exporters.yaml", JOBS).jobs) == {EXPORTER_JOB}
    finally:
        (project.fixtures_dir / "exporters.yaml").unlink()


def test_an_unattributed_family_nothing_serves_is_listed(dcgm_repo):
    project = Project.load(dcgm_repo)
    rules = dcgm_repo / "monitoring/prometheus/alerts/gpu.yml"
    original = rules.read_text()
    rules.write_text(
        original.replace("expr: DCGM_FI_DEV_GPU_TEMP > 85", "expr: DCGM_FI_PROF_SM_ACTIVE > 0.99")
    )
    try:
        (gap,) = project_gaps(project)
    finally:
        rules.write_text(original)
    assert "DCGM_FI_PROF_SM_ACTIVE" in gap.unattributed and "DCGM_FI_PROF_SM_ACTIVE" not in gap.by_job


def test_described_jobs_get_a_stand_in_per_target(dcgm_repo, tmp_path):
    project = Project.load(dcgm_repo)
    fixture_path = project.fixtures_dir / "exporters.yaml"
    fixture_path.write_text(EXPORTER_FIXTURE)
    addresses = AddressMap.allocate()
    try:
        fixture = load_exporters(fixture_path, JOBS)
        assert find_gaps(project, fixture) == []
        places = exporter_places(project, fixture, set())
        assert [(p.job.name, p.target, p.host, p.port) for p in places] == [
            (EXPORTER_JOB, t, t.split(":")[0], 9400) for t in EXPORTER_TARGETS
        ]
        assert places[0].job.interval == 30.0
        servers = start_exporters(project, RenderContext(tmp_path, addresses, time_scale=15), set())
        try:
            import requests

            assert len(servers) == 2
            body = requests.get(f"http://{servers[0].address}/any/path", timeout=5).text
            assert 'DCGM_FI_DEV_GPU_TEMP{UUID="GPU-0000",gpu="0"} 60' in body
            assert servers[0].timelines()[0].interval == 2.0  # 30 s / K=15
        finally:
            for server in servers:
                server.stop()
        node_job = fixture_path.read_text().replace("  dcgm:\n", "  gpu-hosts:\n")
        fixture_path.write_text(node_job)
        node_places = {("gpu-node-1", 9100), ("gpu-node-2", 9100), ("gpu-node-3", 9100), ("gpu-node-4", 9100)}
        with pytest.raises(HarnessError, match="already served by a component"):
            exporter_places(project, load_exporters(fixture_path, ["gpu-hosts"]), node_places)
    finally:
        addresses.release()
        fixture_path.unlink()


def test_an_https_job_gets_a_stand_in_serving_tls_from_the_run_ca(dcgm_repo, tmp_path):
    import requests

    project = Project.load(dcgm_repo)
    config = dcgm_repo / "monitoring/prometheus/prometheus.yml"
    original = config.read_text()
    https = (
        "  - job_name: dcgm\n    scheme: https\n    tls_config:\n      ca_file: /etc/stackcheck/tls/ca.crt\n"
    )
    config.write_text(original.replace("  - job_name: dcgm\n", https))
    (project.fixtures_dir / "exporters.yaml").write_text(EXPORTER_FIXTURE)
    addresses = AddressMap.allocate()
    ctx = RenderContext(tmp_path, addresses, time_scale=15)
    servers = []
    try:
        servers = start_exporters(project, ctx, set())
        url = servers[0].url
        assert url.startswith("https://")
        assert "DCGM_FI_DEV_GPU_TEMP" in requests.get(url, timeout=5, verify=str(ctx.ca.ca_file)).text
        with pytest.raises(requests.ConnectionError):
            requests.get(url.replace("https://", "http://"), timeout=5)
    finally:
        for server in servers:
            server.stop()
        addresses.release()
        config.write_text(original)
        (project.fixtures_dir / "exporters.yaml").unlink()


def test_the_static_gate_warns_about_the_job_with_its_place(dcgm_repo, tmp_path):
    from validation.checks.base import CheckContext, run_check
    from validation.checks.static.exporters import ExporterGapsCheck
    from validation.core.results import Report

    project = Project.load(dcgm_repo)
    report = Report()
    run_check(ExporterGapsCheck(), CheckContext(project, tmp_path), report)
    (result,) = report.checks
    assert (result.id, result.status, result.level) == (
        f"static/exporters/{EXPORTER_JOB}",
        "failed",
        "warning",
    )
    assert not result.fatal() and result.fatal(strict=True)
    assert result.file == "monitoring/prometheus/prometheus.yml" and result.line
    assert "DCGM_FI_DEV_GPU_TEMP" in result.message and "test/fixtures/exporters.yaml" in result.message
    assert str(dcgm_repo) not in result.message


def test_the_static_gate_reports_a_malformed_exporters_yaml_at_its_line(dcgm_repo, tmp_path):
    from validation.checks.base import CheckContext, run_check
    from validation.checks.static.exporters import ExporterGapsCheck
    from validation.checks.static.scenarios import ScenariosCheck
    from validation.core.results import Report

    project = Project.load(dcgm_repo)
    path = project.fixtures_dir / "exporters.yaml"
    path.write_text("jobs:\n  dcgm:\n    - series: up\n      valeus: 1\n")
    try:
        report = Report()
        run_check(ScenariosCheck(), CheckContext(project, tmp_path), report)
        run_check(ExporterGapsCheck(), CheckContext(project, tmp_path), report)
    finally:
        path.unlink()
    checks = {c.id: c for c in report.checks}
    bad = checks["static/fixtures/exporters.yaml"]
    assert bad.status == "failed" and (bad.file, bad.line) == ("test/fixtures/exporters.yaml", 4)
    assert "did you mean 'values'" in bad.message
    assert checks["static/exporters"].status == "skipped"


BLACKBOX_JOB = """
  - job_name: blackbox
    metrics_path: /probe
    params: {module: [http_2xx]}
    static_configs:
      - targets: ["https://portal.example/healthz", "https://jobs.example/"]
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {target_label: __address__, replacement: "blackbox-exporter:9115"}
"""


def test_a_blackbox_job_is_served_at_the_exporter_address_its_relabeling_names(stack_copy, tmp_path):
    import yaml

    from validation.render.prometheus import render_prometheus

    config = stack_copy / "stack/prometheus/prometheus.yml"
    config.write_text(config.read_text() + BLACKBOX_JOB)
    project = Project.load(stack_copy)
    (gap,) = project_gaps(project)
    assert (gap.job, gap.targets, gap.via) == (
        "blackbox",
        ("https://portal.example/healthz", "https://jobs.example/"),
        "blackbox-exporter:9115",
    )
    assert (
        "scrapes https://portal.example/healthz, https://jobs.example/ (through blackbox-exporter:9115)"
        in (gap_message(gap, project.fixtures_dir))
    )
    # the run copy sends the exporter's host to its loopback stand-in, port kept
    ctx = RenderContext(tmp_path / "run", AddressMap(block=99))
    rendered = render_prometheus(config, ctx, own_host="prometheus", rule_files=[],
                                 fixtures_dir=project.fixtures_dir, synthetic_address=None)  # fmt: skip
    job = next(
        j for j in yaml.safe_load(rendered.path.read_text())["scrape_configs"] if j["job_name"] == "blackbox"
    )
    mapping = next(r for r in job["relabel_configs"] if r.get("regex", "").startswith("blackbox"))
    assert mapping["replacement"] == ctx.addresses.address_of("blackbox-exporter") + "$1"
    (project.fixtures_dir / "exporters.yaml").write_text(
        "jobs:\n  blackbox:\n    - {series: probe_success, values: '1'}\n"
    )
    fixture = load_exporters(project.fixtures_dir / "exporters.yaml", ["blackbox"])
    assert project_gaps(project) == []
    places = exporter_places(project, fixture, set())
    assert {(p.host, p.port) for p in places} == {("blackbox-exporter", 9115)}


def test_the_static_gate_refuses_an_entry_for_a_job_a_component_serves(stack_copy, tmp_path):
    from validation.checks.base import CheckContext, run_check
    from validation.checks.static.exporters import ExporterGapsCheck
    from validation.core.results import Report

    (stack_copy / "fixtures/exporters.yaml").write_text(
        "jobs:\n  node:\n    - {series: node_load1, values: '1'}\n"
    )
    report = Report()
    run_check(ExporterGapsCheck(), CheckContext(Project.load(stack_copy), tmp_path), report)
    (result,) = report.checks
    assert (result.id, result.status, result.level) == ("static/exporters", "failed", "error")
    assert (result.file, result.line) == ("fixtures/exporters.yaml", 2)
    assert "already served by a component" in result.message and "remove job 'node'" in result.message


@settings(max_examples=60, deadline=None)
@given(
    head=st.lists(st.integers(-1000, 1000), max_size=4),
    start=st.integers(-(10**6), 10**6),
    step=st.integers(-1000, 1000),
    later=st.integers(0, 500),
)
def test_an_open_end_keeps_its_step_forever(head, start, step, later):
    op = "+" if step >= 0 else "-"
    values = " ".join([*map(str, head), f"{start}{op}{abs(step)}x"])
    samples, continues = parse_exporter_values(values)
    assert continues and samples == [*map(float, head), float(start), float(start + step)]
    timeline = Timeline("exporters", "gauge", (), tuple(samples), 1.0, 0.0, continues=True)
    assert timeline.value_at(len(samples) - 1 + later) == start + step * (1 + later)


def test_another_port_on_a_services_host_is_a_wrong_port_not_a_gap(stack_copy):
    config = stack_copy / "stack/prometheus/prometheus.yml"
    config.write_text(
        config.read_text()
        + '\n  - job_name: am-typo\n    static_configs:\n      - targets: ["alertmanager:9039"]\n'
    )
    assert project_gaps(Project.load(stack_copy)) == []  # judged: down is red, as a wrong port must be
