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
        (lambda r: edit(r / "stack/stack.yaml", "  prometheus:\n", "  promethus:\n"), "did you mean 'prometheus'"),
        (lambda r: edit(r / "stack/stack.yaml", "    version: 2.42.0", "    verison: 2.42.0"), "unknown key 'verison'"),
        (lambda r: edit(r / "stack/stack.yaml", "config: prometheus/prometheus.yml", "config: nope.yml"),
         "does not exist"),
        (lambda r: edit(r / "stack/stack.yaml", "address: prometheus:9090", "address: prometheus"), "not host:port"),
        (lambda r: edit(r / "stack/stack.yaml", "cluster: ai-compute", "cluster: [ai"), "not valid YAML"),
    ],
    ids=["missing stack.yaml", "misspelt component", "unknown key", "missing file", "address without port",
         "malformed yaml"],
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
