"""The run proves delivery to endpoints that exist (fixtures/endpoints.yaml), not to any address:
in a copy of the stack, a webhook path typo, an email ``to:`` typo and a Slack channel change
each exit 1 naming the receiver and what it tried."""


import pytest

from tests.conftest import edit
from tests.e2e.conftest import run_scenarios

pytestmark = pytest.mark.e2e

AM = "stack/alertmanager/alertmanager.yml"


def _run(repo, report):
    result, data = run_scenarios(repo, report, "memory-pages-*", "--time-scale", "20")
    checks = {c["id"]: c for c in data.get("checks", [])}
    return result, checks


def test_the_reference_receivers_reach_declared_endpoints(pipeline_copy, tmp_path):
    result, checks = _run(pipeline_copy, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for receiver in ("oncall-critical", "webhook-archive"):
        assert checks[f"notifications/{receiver}/endpoint"]["status"] == "passed"


@pytest.mark.parametrize(
    ("old", "new", "receiver", "tried"),
    [
        (
            "http://alert-archive:8080/alerts",
            "http://alert-archive:8080/alert",
            "webhook-archive",
            "POST alert-archive:8080/alert",
        ),
        (
            "to: oncall@cluster.example",
            "to: oncal@cluster.example",
            "oncall-critical",
            "mail to oncal@cluster.example",
        ),
        ('channel: "#oncall-critical"', 'channel: "#ml-alerts"', "oncall-critical", "channel #ml-alerts"),
    ],
    ids=["webhook-path-typo", "email-to-typo", "slack-channel-change"],
)
def test_a_delivery_to_an_endpoint_that_does_not_exist_fails(
    pipeline_copy, tmp_path, old, new, receiver, tried
):
    edit(pipeline_copy / AM, old, new)
    result, checks = _run(pipeline_copy, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    check = checks[f"notifications/{receiver}/endpoint"]
    assert check["status"] == "failed"
    assert tried in check["message"]
