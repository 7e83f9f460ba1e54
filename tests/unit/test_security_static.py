"""The security group's static checks on the reference stack and on broken copies (no stack)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, edit
from validation.checks import SECURITY_STATIC
from validation.checks.base import Check, CheckContext
from validation.checks.security.admin_endpoints import AdminEndpointsCheck
from validation.checks.security.clustering import ClusteringCheck, gossip_address
from validation.checks.security.grafana_ini import GrafanaIniCheck, read_ini
from validation.checks.security.tls_config import TlsConfigCheck
from validation.core.project import Project
from validation.core.results import CheckResult, Report

pytestmark = pytest.mark.unit


def _run(check: type[Check], root: Path) -> dict[str, CheckResult]:
    report = Report()
    check().run(CheckContext(Project.load(root), root), report)
    return {c.id: c for c in report.checks}


def test_every_static_security_check_passes_on_the_reference_stack_but_the_waived_advisory() -> None:
    for check in SECURITY_STATIC:
        failed = {
            i: c.message for i, c in _run(check, REPO).items() if c.status != "passed" and c.level == "error"
        }
        assert set(failed) <= {"security/advisories/alertmanager/CVE-2023-40577"}, failed


@pytest.mark.parametrize(
    ("flags", "address"),
    [({}, "0.0.0.0:9094"), ({"cluster.listen-address": ""}, None), ({"cluster.listen-address": None}, None),
     ({"cluster.listen-address": "10.0.0.5:9094"}, "10.0.0.5:9094")],
)  # fmt: skip
def test_gossip_is_judged_by_the_upstream_default(flags: dict[str, object], address: str | None) -> None:
    assert gossip_address(flags) == address


def test_an_alertmanager_without_cluster_listen_address_gossips_on_every_interface(stack_copy: Path) -> None:
    edit(stack_copy / "stack/stack.yaml", '      cluster.listen-address: ""\n', "")
    result = _run(ClusteringCheck, stack_copy)["security/alertmanager/clustering"]
    assert result.status == "failed"
    assert (
        "stack/stack.yaml" in result.message
        and "0.0.0.0:9094" in result.message
        and "Hint:" in result.message
    )


@pytest.mark.parametrize(("value", "status"), [('"0.0.0.0:9094"', "failed"), ('"[::]:9094"', "failed"),
                                               ('"10.1.2.3:9094"', "passed")])  # fmt: skip
def test_a_wildcard_gossip_address_fails_and_a_node_address_passes(
    stack_copy: Path, value: str, status: str
) -> None:
    edit(stack_copy / "stack/stack.yaml", 'cluster.listen-address: ""', f"cluster.listen-address: {value}")
    assert _run(ClusteringCheck, stack_copy)["security/alertmanager/clustering"].status == status


def test_grafana_ini_is_read_with_line_numbers() -> None:
    settings = read_ini(REPO / "stack/grafana/grafana.ini")
    assert settings[("auth.anonymous", "enabled")].value == "false"
    line = settings[("auth.anonymous", "enabled")].line
    assert (REPO / "stack/grafana/grafana.ini").read_text().splitlines()[line - 1].startswith("enabled")


GRAFANA_DEFECTS = [
    ("anonymous", "[auth.anonymous]\nenabled = false", "[auth.anonymous]\nenabled = true", "grafana.ini:"),
    ("sign-up", "allow_sign_up = false", "allow_sign_up = true", "allow_sign_up"),
    (
        "admin-password",
        "admin_password = $__env{GF_SECURITY_ADMIN_PASSWORD}",
        "admin_password = hunter2",
        "inline",
    ),
    ("admin-password", "admin_password = $__env{GF_SECURITY_ADMIN_PASSWORD}\n", "", "upstream default"),
    ("secret-key", "secret_key = $__env{GF_SECURITY_SECRET_KEY}\n", "", "upstream default"),
    ("cookies", "cookie_secure = true", "cookie_secure = false", "cookie_secure"),
    ("cookies", "cookie_samesite = strict", "cookie_samesite = none", "cookie_samesite"),
    ("embedding", "allow_embedding = false", "allow_embedding = true", "allow_embedding"),
]


@pytest.mark.parametrize(("name", "old", "new", "named"), GRAFANA_DEFECTS)
def test_each_grafana_ini_defect_fails_naming_the_place(
    stack_copy: Path, name: str, old: str, new: str, named: str
) -> None:
    edit(stack_copy / "stack/grafana/grafana.ini", old, new)
    checks = _run(GrafanaIniCheck, stack_copy)
    assert checks[f"security/grafana/{name}"].status == "failed"
    assert named in checks[f"security/grafana/{name}"].message
    assert "stack/grafana/grafana.ini" in checks[f"security/grafana/{name}"].message
    assert [i for i, c in checks.items() if c.status == "failed"] == [f"security/grafana/{name}"]


def test_secrets_from_a_file_are_accepted(stack_copy: Path) -> None:
    edit(
        stack_copy / "stack/grafana/grafana.ini",
        "$__env{GF_SECURITY_SECRET_KEY}",
        "$__file{/run/secrets/grafana-key}",
    )
    assert _run(GrafanaIniCheck, stack_copy)["security/grafana/secret-key"].status == "passed"


def test_one_web_yml_without_tls_while_the_others_keep_it_fails_naming_it(stack_copy: Path) -> None:
    web = stack_copy / "stack/node_exporter/web.yml"
    text = web.read_text()
    start = text.index("tls_server_config:")
    web.write_text(text[:start] + text[text.index("basic_auth_users:") :])
    checks = _run(TlsConfigCheck, stack_copy)
    node = checks["security/tls/node_exporter"]
    assert node.status == "failed"
    assert "stack/node_exporter/web.yml: no tls_server_config while" in node.message
    assert "scrape job 'node' speaks https to node_exporter, which serves plain HTTP" in node.message
    assert {i for i, c in checks.items() if c.status == "failed"} == {"security/tls/node_exporter"}


def test_a_scrape_job_speaking_http_to_a_tls_endpoint_or_skipping_verification_fails(
    stack_copy: Path,
) -> None:
    prom = stack_copy / "stack/prometheus/prometheus.yml"
    edit(prom, "  - job_name: pushgateway\n    honor_labels: true\n    scheme: https\n",
         "  - job_name: pushgateway\n    honor_labels: true\n    scheme: http\n")  # fmt: skip
    edit(prom, "  - job_name: alertmanager\n    scheme: https\n    tls_config:\n",
         "  - job_name: alertmanager\n    scheme: https\n    tls_config:\n      insecure_skip_verify: true\n")  # fmt: skip
    checks = _run(TlsConfigCheck, stack_copy)
    assert "scrape job 'pushgateway' speaks http to pushgateway" in checks["security/tls/pushgateway"].message
    assert "insecure_skip_verify" in checks["security/tls/alertmanager"].message


def test_lifecycle_on_is_a_warning_and_unauthenticated_it_is_a_failure(stack_copy: Path) -> None:
    checks = _run(AdminEndpointsCheck, REPO)
    lifecycle = checks["security/prometheus/admin-endpoints"]
    assert lifecycle.status == "failed" and lifecycle.severity == "warning"
    assert "web.enable-lifecycle=on" in lifecycle.message
    edit(stack_copy / "stack/stack.yaml", "    web_config: pushgateway/web.yml\n    flags:\n",
         "    flags:\n      web.enable-admin-api: true\n")  # fmt: skip
    wipe = _run(AdminEndpointsCheck, stack_copy)["security/pushgateway/admin-endpoints"]
    assert wipe.status == "failed" and "web.enable-admin-api on without authentication" in wipe.message


def test_grafana_findings_carry_file_and_line_for_annotations(stack_copy: Path) -> None:
    edit(stack_copy / "stack/grafana/grafana.ini", "allow_embedding = false", "allow_embedding = true")
    result = _run(GrafanaIniCheck, stack_copy)["security/grafana/embedding"]
    lines = (stack_copy / "stack/grafana/grafana.ini").read_text().splitlines()
    assert result.file == str(stack_copy / "stack/grafana/grafana.ini") and result.line is not None
    assert lines[result.line - 1] == "allow_embedding = true"
