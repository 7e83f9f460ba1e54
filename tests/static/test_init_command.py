"""`stackcheck init` on a compose stack of our own (tests/adopt_stack), then `check`."""

import json
import shutil
from pathlib import Path

import pytest

from tests.cli import stackcheck

pytestmark = pytest.mark.static

ADOPT_STACK = Path(__file__).parent.parent / "adopt_stack"


@pytest.fixture
def compose_stack(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ADOPT_STACK, root)
    return root


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_then_check_passes_and_leaves_the_users_files_alone(compose_stack, tmp_path):
    before = _files(compose_stack)
    compose = str(compose_stack / "docker-compose.yml")
    result = stackcheck("-C", str(compose_stack), "init", "--from", compose)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "written          stack/stack.yaml" in result.stdout
    assert "job containers (cadvisor): not run by the harness" in result.stdout
    after = _files(compose_stack)
    assert {name: after[name] for name in before} == before  # nothing of theirs changed
    assert set(after) - set(before) == {
        "stack/stack.yaml", "fixtures/targets.yaml", "fixtures/exporters.yaml", "fixtures/endpoints.yaml",
        "fixtures/scenarios/generated-workers.yaml", "fixtures/rule_tests/generated-workers.test.yml",
    }  # fmt: skip
    assert "2 of 2 alerting rules have a verified firing + silent pair" in result.stdout

    check = stackcheck("-C", str(compose_stack), "check", "--report", str(tmp_path / "report"))
    assert check.returncode == 0, check.stdout + check.stderr
    checks = {
        c["id"]: c["status"] for c in json.loads((tmp_path / "report" / "results.json").read_text())["checks"]
    }
    assert checks["static/prometheus-config"] == "passed"
    assert checks["static/rule-tests/workers.test.yml"] == "passed"  # the user's own
    assert checks["static/rule-tests/generated-workers.test.yml"] == "passed"
    assert checks["static/scenarios"] == "passed"
    assert checks["static/fixtures/targets.yaml"] == "passed"

    # reviewed: the user deleted the marker line; a second init keeps the file as it is
    targets = compose_stack / "fixtures" / "targets.yaml"
    targets.write_text(targets.read_text().split("\n", 1)[1])
    again = stackcheck("-C", str(compose_stack), "init", "--from", compose)
    assert again.returncode == 0, again.stderr
    assert "kept (reviewed)  fixtures/targets.yaml" in again.stdout
    assert "written          stack/stack.yaml" in again.stdout


def test_a_compose_file_that_is_not_yaml_is_exit_2_with_its_line(compose_stack):
    compose = compose_stack / "docker-compose.yml"
    compose.write_text(compose.read_text().replace('ports: ["9090:9090"]', 'ports: ["9090:9090"'))
    result = stackcheck("-C", str(compose_stack), "init", "--from", str(compose))
    assert result.returncode == 2
    assert f"{compose}:" in result.stderr and "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (compose_stack / "stack").exists()


def test_a_service_without_its_config_mounted_is_exit_2_naming_the_fix(compose_stack):
    compose = compose_stack / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace(
            "      - ./monitoring/alertmanager:/etc/alertmanager:ro\n", "      - am:/x\n"
        )
    )
    result = stackcheck("-C", str(compose_stack), "init", "--from", str(compose))
    assert result.returncode == 2
    assert "/etc/alertmanager/alertmanager.yml" in result.stderr and "bind-mount it" in result.stderr
    assert f"{compose}:" in result.stderr


def test_init_needs_something_to_read(compose_stack):
    result = stackcheck("-C", str(compose_stack), "init")
    assert result.returncode == 2 and "--from" in result.stderr
