"""Every path the config shapes is exercised: a real rejected push through the real Pushgateway
fires PushgatewayPushFailed with the pushing job's labels (the pushgateway job's honor_labels
under test), and the delivered notification carries Prometheus' external_labels. In a copy of
the stack, turning honor_labels off or dropping external_labels.cluster each exits 1."""


import pytest

from tests.conftest import edit
from tests.e2e.conftest import run_scenarios

pytestmark = pytest.mark.e2e

PROM = "stack/prometheus/prometheus.yml"
SCENARIO = "pushgateway-rejected-*"


def _run(repo, report):
    result, data = run_scenarios(repo, report, SCENARIO, "--time-scale", "20")
    return result, {c["id"]: c for c in data.get("checks", [])}


@pytest.mark.parametrize(
    ("old", "new", "failing"),
    [
        ("honor_labels: true", "honor_labels: false", "PushgatewayPushFailed/fires"),
        ("    cluster: ai-compute\n", "", "webhook-archive:PushgatewayPushFailed/labels"),
    ],
    ids=["honor-labels-off", "external-label-dropped"],
)
def test_a_change_on_the_pushgateway_path_fails_the_run(stack_copy, tmp_path, old, new, failing):
    edit(stack_copy / PROM, old, new)
    result, checks = _run(stack_copy, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    failed = [i for i, c in checks.items() if c["status"] == "failed" and i.endswith(failing)]
    assert failed, result.stdout
