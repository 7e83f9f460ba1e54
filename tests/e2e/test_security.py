"""`stackcheck run --only security` on the real stack (process backend) and on broken copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import stackcheck
from tests.conftest import REPO, edit
from validation.core.project import Project
from validation.stack.stack import Stack, StackOptions

pytestmark = pytest.mark.e2e

WAIVED = "security/advisories/alertmanager/CVE-2023-40577"  # accepted in .stackcheck-waivers.yml


def _security(repo: Path, report: Path) -> tuple[int, str, dict[str, dict[str, str]]]:
    result = stackcheck("-C", str(repo), "run", "--backend", "process", "--only", "security",
                        "--report", str(report))  # fmt: skip
    checks = {c["id"]: c for c in json.loads((report / "results.json").read_text())["checks"]}
    return result.returncode, result.stdout + result.stderr, checks


def test_the_reference_stack_passes_the_security_group_with_its_waivers(tmp_path: Path) -> None:
    code, output, checks = _security(REPO, tmp_path)
    assert code == 0, output
    errors = {
        i: c["message"] for i, c in checks.items() if c["status"] == "failed" and c["severity"] == "error"
    }
    assert errors == {}
    assert checks[WAIVED]["status"] == "waived" and "fixed in 0.25.1" in checks[WAIVED]["message"]
    lifecycle = checks["security/prometheus/admin-endpoints"]  # on, authenticated: a warning, waived
    assert (lifecycle["status"], lifecycle["severity"]) == ("waived", "warning")
    for name in ("prometheus", "alertmanager", "pushgateway", "node_exporter/gpu-node-1"):
        for case in ("auth-required", "tls", "headers"):
            assert checks[f"security/{name}/{case}"]["status"] == "passed", (name, case)
    for name in ("prometheus", "alertmanager", "pushgateway"):
        assert checks[f"security/{name}/mutating-refused"]["status"] == "passed"
    assert "plain HTTP answered 400" in checks["security/prometheus/tls"]["message"]
    assert "(as running: /api/v1/status/flags)" in checks["security/prometheus/admin-endpoints"]["message"]
    assert "Debian" in checks["security/advisories/prometheus/CVE-2022-46146"]["message"]


BROKEN = [
    ("cluster", "stack/stack.yaml", '      cluster.listen-address: ""\n', "", "security/alertmanager/clustering",
     "stack/stack.yaml: components.alertmanager.flags: cluster.listen-address is not set"),
    ("anonymous", "stack/grafana/grafana.ini", "[auth.anonymous]\nenabled = false", "[auth.anonymous]\nenabled = true",
     "security/grafana/anonymous", "stack/grafana/grafana.ini:41 [auth.anonymous] enabled"),
    ("tls-off", "stack/node_exporter/web.yml", "tls_server_config:\n", "unused_tls_server_config:\n",
     "security/node_exporter/gpu-node-1/tls", "node_exporter/web.yml: no tls_server_config"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "path", "old", "new", "check_id", "named"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_a_broken_copy_exits_1_naming_the_place(
    stack_copy: Path, tmp_path: Path, case: str, path: str, old: str, new: str, check_id: str, named: str
) -> None:
    if case == "tls-off":  # drop the whole block, the other web.yml keep theirs
        web = stack_copy / path
        text = web.read_text()
        web.write_text(text[: text.index("tls_server_config:")] + text[text.index("basic_auth_users:") :])
    else:
        edit(stack_copy / path, old, new)
    code, output, checks = _security(stack_copy, tmp_path / "report")
    assert code == 1, output
    assert checks[check_id]["status"] == "failed" and named in checks[check_id]["message"]
    assert f"FAIL {check_id}" in output


def test_a_config_that_gossips_gossips_on_its_own_loopback_address(stack_copy: Path) -> None:
    edit(stack_copy / "stack/stack.yaml", '      cluster.listen-address: ""\n', "")
    options = StackOptions(components=("alertmanager",), synthetic=False)
    with Stack(Project.load(stack_copy), options) as stack:
        inst = stack.instance("alertmanager")
        assert f"--cluster.listen-address={inst.ip}:9094" in (inst.launch.args if inst.launch else [])
        peers = stack.alertmanager().status()["cluster"]["peers"]
        assert [p["address"] for p in peers] == [f"{inst.ip}:9094"]


def test_an_open_pushgateway_fails_without_being_sent_a_mutating_request(
    stack_copy: Path, tmp_path: Path
) -> None:
    edit(stack_copy / "stack/stack.yaml", "    web_config: pushgateway/web.yml\n", "")
    code, _, checks = _security(stack_copy, tmp_path)
    assert code == 1
    assert "anyone can call it" in checks["security/pushgateway/auth-required"]["message"]
    mutating = checks["security/pushgateway/mutating-refused"]
    assert mutating["status"] == "failed" and "nothing refuses strangers" in mutating["message"]
    assert checks["security/pushgateway/tls"]["status"] == "failed"
    assert checks["security/tls/pushgateway"]["status"] == "failed"
