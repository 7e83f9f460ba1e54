"""`stackcheck run` with the CI outputs: a wrong port is a failing JUnit testcase and an annotation
on the scrape job's line in the user's prometheus.yml."""

import json
import xml.etree.ElementTree as ET

import pytest

from tests.cli import stackcheck
from tests.conftest import edit
from validation.checks.scrape.targets import job_lines

pytestmark = pytest.mark.e2e


def test_a_wrong_port_is_annotated_on_the_job_in_prometheus_yml(stack_copy, tmp_path):
    config = stack_copy / "stack/prometheus/prometheus.yml"
    edit(config, 'targets: ["alertmanager:9093"]\n\n  # honor', 'targets: ["alertmanager:9094"]\n\n  # honor')
    line = job_lines(config)["alertmanager"]
    result = stackcheck("-C", str(stack_copy), "run", "--backend", "process", "--time-scale", "15",
                        "--only", "health,scrape", "--report", str(tmp_path), "--junit", str(tmp_path / "j.xml"),
                        "--annotations", "github", "--summary", str(tmp_path / "s.md"))  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    prefix = (
        f"::error file=stack/prometheus/prometheus.yml,line={line},title=scrape/alertmanager/targets-up::"
    )
    assert any(row.startswith(prefix) and "9094" in row for row in result.stdout.splitlines()), result.stdout
    cases = {c.get("name"): c for c in ET.parse(tmp_path / "j.xml").getroot().iter("testcase")}
    failure = cases["scrape/alertmanager/targets-up"].find("failure")
    assert failure is not None and "missing targets ['alertmanager:9093']" in (failure.text or "")
    assert cases["health/prometheus/ready"].find("failure") is None
    checks = {c["id"]: c for c in json.loads((tmp_path / "results.json").read_text())["checks"]}
    assert checks["scrape/alertmanager/targets-up"]["line"] == line
    assert "scrape/alertmanager/targets-up" in (tmp_path / "s.md").read_text()
