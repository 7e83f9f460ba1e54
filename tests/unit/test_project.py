from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import edit
from validation.core.errors import HarnessError, StackcheckError
from validation.core.project import Project

pytestmark = pytest.mark.unit


def test_loads_the_reference_stack(stack_copy):
    project = Project.load(stack_copy)
    assert set(project.components) >= {"prometheus", "alertmanager", "pushgateway", "node_exporter"}
    assert project.components["prometheus"].port == 9090


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda r: (r / "stack/stack.yaml").unlink(), "stack/stack.yaml is missing"),
        (
            lambda r: edit(r / "stack/stack.yaml", "  prometheus:\n", "  promethus:\n"),
            "did you mean 'prometheus'",
        ),
        (
            lambda r: edit(r / "stack/stack.yaml", "    version: 2.42.0", "    verison: 2.42.0"),
            "unknown key 'verison'",
        ),
        (
            lambda r: edit(r / "stack/stack.yaml", "config: prometheus/prometheus.yml", "config: nope.yml"),
            "does not exist",
        ),
        (
            lambda r: edit(r / "stack/stack.yaml", "address: prometheus:9090", "address: prometheus"),
            "not host:port",
        ),
        (lambda r: edit(r / "stack/stack.yaml", "cluster: ai-compute", "cluster: [ai"), "not valid YAML"),
    ],
    ids=[
        "missing stack.yaml",
        "misspelt component",
        "unknown key",
        "missing file",
        "address without port",
        "malformed yaml",
    ],
)
def test_bad_stack_yaml_gives_a_placed_message_with_a_hint(stack_copy, break_it, expected):
    break_it(stack_copy)
    with pytest.raises(HarnessError) as err:
        Project.load(stack_copy)
    message = err.value.render()
    assert expected in message
    assert "stack.yaml" in message
    assert "Hint:" in message or "hint" in message.lower()


def test_missing_folder_is_a_harness_error(tmp_path):
    with pytest.raises(HarnessError, match="no stack/ folder"):
        Project.load(tmp_path)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_stack_yaml_text_loads_or_fails_cleanly(tmp_path_factory, text):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "stack").mkdir()
    (root / "stack" / "stack.yaml").write_text(text, encoding="utf-8")
    try:
        Project.load(root)
    except StackcheckError as exc:
        assert str(exc)
    else:
        pytest.fail("a random stack.yaml without prometheus loaded")


def test_unit_paths_are_resolved_from_stack(stack_copy):
    project = Project.load(stack_copy)
    config = project.components["prometheus"].config
    assert isinstance(config, Path) and config.is_file()


# ---------------------------------------------------------------- the user's layout


def test_rule_files_default_to_prometheus_yml_rule_files(stack_copy):
    edit(stack_copy / "stack/prometheus/prometheus.yml", "  - ../../rules/*.rules.yml",
         "  - ../../rules/node.rules.yml\n  - ../../rules/g*.rules.yml")  # fmt: skip
    project = Project.load(stack_copy)
    assert [p.name for p in project.rule_files()] == ["node.rules.yml", "gpu.rules.yml"]
    assert [p.name for p in project.rule_test_files()] == [
        "gpu.test.yml", "node.test.yml", "prometheus.test.yml", "recording.test.yml"]  # fmt: skip


def test_paths_in_stack_yaml_place_rules_tests_fixtures_and_scenarios(stack_copy):
    moved = stack_copy / "ops"
    (moved / "alerts").mkdir(parents=True)
    for rules in (stack_copy / "rules").glob("*.rules.yml"):
        rules.rename(moved / "alerts" / rules.name.replace(".rules.yml", ".yml"))
    (stack_copy / "rules/tests").rename(moved / "unit")
    (stack_copy / "fixtures").rename(moved / "fixtures")
    (moved / "fixtures/scenarios").rename(moved / "scenarios")
    with (stack_copy / "stack/stack.yaml").open("a") as f:
        f.write("paths:\n  rules: [../ops/alerts/*.yml]\n  rule_tests: ../ops/unit/*.yml\n"
                "  fixtures: ../ops/fixtures\n  scenarios: ../ops/scenarios\n")  # fmt: skip
    project = Project.load(stack_copy)
    assert [p.name for p in project.rule_files()] == [
        "gpu.yml",
        "node.yml",
        "prometheus.yml",
        "recording.yml",
    ]
    assert len(project.rule_test_files()) == 4 and project.rule_test_files()[0].parent == moved / "unit"
    assert project.fixtures_dir == moved / "fixtures" and project.scenarios_dir == moved / "scenarios"


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        ("paths:\n  rulez: x\n", "unknown key 'rulez' in paths (did you mean 'rules'?)"),
        ("paths:\n  fixtures: ../nowhere\n", "paths.fixtures points to '../nowhere', which is not a folder"),
        ("paths:\n  rules: [3]\n", "paths.rules must be a glob or a list of globs"),
    ],
)
def test_bad_paths_are_placed(stack_copy, addition, expected):
    with (stack_copy / "stack/stack.yaml").open("a") as f:
        f.write(addition)
    with pytest.raises(HarnessError) as err:
        Project.load(stack_copy)
    assert expected in err.value.render() and "stack.yaml:" in err.value.place


def test_the_node_job_is_read_from_prometheus_yml_static_configs(stack_copy):
    config = stack_copy / "stack/prometheus/prometheus.yml"
    edit(config, "  - job_name: node\n", "  - job_name: hosts\n")
    edit(config, "    file_sd_configs:\n      - files: [file_sd/nodes.yml]\n        refresh_interval: 5m\n",
         '    static_configs:\n      - targets: ["h-1:9100", "h-2:9100"]\n')  # fmt: skip
    edit(stack_copy / "stack/stack.yaml", "    targets: prometheus/file_sd/nodes.yml\n", "")
    node = Project.load(stack_copy).components["node_exporter"]
    assert node.job == "hosts" and node.target_addresses == ("h-1:9100", "h-2:9100")


def test_the_node_job_follows_the_targets_file_and_an_explicit_job(stack_copy):
    assert Project.load(stack_copy).components["node_exporter"].job == "node"
    edit(stack_copy / "stack/stack.yaml", "    targets: prometheus/file_sd/nodes.yml\n", "    job: nodez\n")
    node = Project.load(stack_copy).components["node_exporter"]
    assert node.job == "" and "'nodez' is not a job of prometheus.yml" in node.unresolved
    assert "node, kubernetes-pods" in node.unresolved  # its jobs, to choose from
