"""The reference stack (stack/, fixtures/) checked with the real tools: promtool and amtool.

promtool runs on a temp copy of the Prometheus config whose secret files are dummies and whose
kubernetes_sd_configs read fixtures/service_discovery/<job>.yml instead: Debian's Prometheus is
built without Kubernetes SD, and there is no API server here. Everything else is checked as
written. fixtures/routes.yml is checked against `amtool config routes test`, the real router.

A missing binary skips these tests locally and fails them in CI (CI=true).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tools import required_tool

pytestmark = pytest.mark.static

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "stack"
ALERTMANAGER_YML = STACK / "alertmanager" / "alertmanager.yml"
WEB_CONFIGS = ["prometheus", "alertmanager", "pushgateway", "node_exporter"]
SECRETS_DIR = "/etc/stackcheck/secrets/"
SECURITY_HEADERS = {
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Strict-Transport-Security",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def walk(node: Any) -> list[tuple[str, Any]]:
    """Every (key, value) pair of nested mappings, depth first."""
    if isinstance(node, dict):
        return [pair for key, value in node.items() for pair in [(key, value), *walk(value)]]
    if isinstance(node, list):
        return [pair for item in node for pair in walk(item)]
    return []


def copy_for_promtool(dest: Path) -> Path:
    """Copy stack/prometheus, rules/ and the SD fixtures into ``dest`` so promtool can check them."""
    shutil.copytree(STACK / "prometheus", dest / "stack" / "prometheus")
    if (REPO / "rules").is_dir():
        shutil.copytree(REPO / "rules", dest / "rules")
    config = load(dest / "stack" / "prometheus" / "prometheus.yml")
    secrets = dest / "secrets"
    secrets.mkdir()
    for _, value in walk(config):
        if isinstance(value, dict) and "password_file" in value:
            secret = secrets / Path(value["password_file"]).name
            secret.write_text("dummy\n")
            value["password_file"] = str(secret)
    for job in config["scrape_configs"]:
        if job.pop("kubernetes_sd_configs", None) is not None:
            fixture = REPO / "fixtures" / "service_discovery" / f"{job['job_name']}.yml"
            job.setdefault("file_sd_configs", []).append({"files": [str(fixture)]})
    copy = dest / "stack" / "prometheus" / "prometheus.yml"
    copy.write_text(yaml.safe_dump(config, sort_keys=False))
    return copy


def test_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    promtool = required_tool("promtool")
    result = run(promtool, "check", "config", str(copy_for_promtool(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("component", WEB_CONFIGS)
def test_web_config_passes_promtool(component: str, tmp_path: Path) -> None:
    """promtool loads the certificate: the deploy's paths become a certificate of a throwaway CA."""
    from validation.render.addresses import AddressMap
    from validation.render.context import RenderContext
    from validation.render.web_config import render_web_config

    promtool = required_tool("promtool")
    ctx = RenderContext(tmp_path, AddressMap(block=0))
    copy, _ = render_web_config(STACK / component / "web.yml", ctx, component, (component, "127.0.0.1"))
    result = run(promtool, "check", "web-config", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("component", WEB_CONFIGS)
def test_every_endpoint_serves_tls_with_a_certificate_under_the_tls_dir(component: str) -> None:
    tls = load(STACK / component / "web.yml")["tls_server_config"]
    assert tls["cert_file"] == f"/etc/stackcheck/tls/{component}.crt"
    assert tls["key_file"] == f"/etc/stackcheck/tls/{component}.key"
    assert tls["min_version"] == "TLS12"


@pytest.mark.parametrize("component", WEB_CONFIGS)
def test_web_config_requires_bcrypt_basic_auth_and_sets_security_headers(component: str) -> None:
    web = load(STACK / component / "web.yml")
    hashes = web["basic_auth_users"]
    assert set(hashes) == {"stackcheck"}
    assert re.fullmatch(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}", hashes["stackcheck"])
    assert SECURITY_HEADERS - set(web["http_server_config"]["headers"]) == set()


@pytest.mark.parametrize("config", ["prometheus/prometheus.yml", "alertmanager/alertmanager.yml"])
def test_secrets_are_read_only_from_files_under_the_secrets_dir(config: str) -> None:
    pairs = walk(load(STACK / config))
    inline = [
        key
        for key, _ in pairs
        if key
        in {
            "password",
            "smtp_auth_password",
            "auth_password",
            "api_url",
            "slack_api_url",
            "bearer_token",
            "credentials",
        }
    ]
    assert inline == []
    files = [value for key, value in pairs if key.endswith(("password_file", "api_url_file"))]
    assert files
    assert [f for f in files if not f.startswith(SECRETS_DIR)] == []


def test_alertmanager_config_passes_amtool() -> None:
    amtool = required_tool("amtool")
    result = run(amtool, "check-config", str(ALERTMANAGER_YML))
    assert result.returncode == 0, result.stdout + result.stderr


ROUTE_CASES = load(REPO / "fixtures" / "routes.yml")


def case_id(case: dict[str, Any]) -> str:
    labels = case["labels"]
    return "-".join(str(labels.get(k, "none")) for k in ("alertname", "severity", "team"))


@pytest.mark.parametrize("case", ROUTE_CASES, ids=[case_id(c) for c in ROUTE_CASES])
def test_route_case_reaches_exactly_its_receivers(case: dict[str, Any]) -> None:
    amtool = required_tool("amtool")
    labels = [f"{name}={value}" for name, value in case["labels"].items()]
    result = run(amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER_YML}", *labels)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split(",") == case["receivers"]


def test_route_cases_cover_every_receiver() -> None:
    receivers = {r["name"] for r in load(ALERTMANAGER_YML)["receivers"]}
    reached = {name for case in ROUTE_CASES for name in case["receivers"]}
    assert receivers - reached == set()
    assert reached - receivers == set()


def templated_fields(kind: str, config: dict[str, Any]) -> dict[str, str]:
    if kind == "email_configs":
        return {
            "Subject": config.get("headers", {}).get("Subject", ""),
            "html": config.get("html", ""),
            "text": config.get("text", ""),
        }
    return {"title": config.get("title", ""), "text": config.get("text", "")}


def test_every_email_and_slack_config_uses_the_shared_templates() -> None:
    untemplated = [
        f"{receiver['name']}/{kind}/{field}"
        for receiver in load(ALERTMANAGER_YML)["receivers"]
        for kind in ("email_configs", "slack_configs")
        for config in receiver.get(kind, [])
        for field, value in templated_fields(kind, config).items()
        if '{{ template "stackcheck.' not in value
    ]
    assert untemplated == []


ALERT_LABELS = {
    "alertname": "NodeMemoryExhausted",
    "node": "gpu-node-7",
    "instance": "gpu-node-7:9100",
    "severity": "critical",
    "team": "infra",
    "cluster": "ai-compute",
}
RUNBOOK = "https://github.com/stackcheck/stackcheck/blob/main/docs/monitoring/runbooks/NodeMemoryExhausted.md"


def notification_data(status: str) -> dict[str, Any]:
    alert = {
        "status": status,
        "labels": ALERT_LABELS,
        "annotations": {"summary": "Memory on gpu-node-7 is nearly exhausted", "runbook_url": RUNBOOK},
        "startsAt": "2026-01-01T10:00:00Z",
        "endsAt": "2026-01-01T10:05:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
    }
    return {
        "receiver": "oncall-critical",
        "status": status,
        "alerts": [alert],
        "groupLabels": {k: ALERT_LABELS[k] for k in ("alertname", "cluster", "node", "instance")},
        "commonLabels": ALERT_LABELS,
        "commonAnnotations": alert["annotations"],
        "externalURL": "http://alertmanager:9093",
    }


@pytest.mark.parametrize("status", ["firing", "resolved"])
@pytest.mark.parametrize(
    ("template", "kind", "must_contain"),
    [
        ("stackcheck.email.subject", "text", ["NodeMemoryExhausted", "gpu-node-7"]),
        ("stackcheck.email.text", "text", ["NodeMemoryExhausted", "gpu-node-7", "nearly exhausted", RUNBOOK]),
        ("stackcheck.email.html", "html", ["NodeMemoryExhausted", "gpu-node-7", "nearly exhausted", RUNBOOK]),
        ("stackcheck.slack.title", "text", ["NodeMemoryExhausted", "gpu-node-7"]),
        ("stackcheck.slack.text", "text", ["NodeMemoryExhausted", "gpu-node-7", "nearly exhausted", RUNBOOK]),
    ],
)
def test_template_shows_status_alert_place_summary_and_runbook(
    tmp_path: Path, template: str, kind: str, must_contain: list[str], status: str
) -> None:
    amtool = required_tool("amtool")
    data = tmp_path / "data.json"
    data.write_text(json.dumps(notification_data(status)))
    result = run(
        amtool,
        "template",
        "render",
        f"--template.glob={STACK / 'alertmanager/templates/*.tmpl'}",
        f"--template.type={kind}",
        f"--template.data={data}",
        f'--template.text={{{{ template "{template}" . }}}}',
    )
    assert result.returncode == 0, result.stderr
    for text in [*must_contain, status.upper()]:
        assert text in result.stdout


def test_targets_fixture_names_every_scrape_job_and_every_file_sd_node() -> None:
    jobs = {job["job_name"] for job in load(STACK / "prometheus" / "prometheus.yml")["scrape_configs"]}
    expected = load(REPO / "fixtures" / "targets.yaml")["jobs"]
    assert set(expected) == jobs
    nodes = {
        target
        for group in load(STACK / "prometheus" / "file_sd" / "nodes.yml")
        for target in group["targets"]
    }
    assert {t["instance"] for t in expected["node"]} == nodes


def test_grafana_has_one_dashboard_provider_per_folder() -> None:
    providers = [
        p
        for f in sorted((STACK / "grafana/provisioning/dashboards").glob("*.yml"))
        for p in load(f)["providers"]
    ]
    folders = sorted(p["folder"] for p in providers)
    assert folders == ["Cluster", "GPU", "Monitoring", "Nodes"]
    assert all(p["options"]["path"] == f"/var/lib/grafana/dashboards/{p['folder']}" for p in providers)
