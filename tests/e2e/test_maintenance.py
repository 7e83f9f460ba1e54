"""Backup → stop → restore → start on the restored data: the pushed series, the silences and the
Pushgateway group survive. The stack runs through the harness; the restored components run as plain
binaries with a tiny config on free 127.0.0.1 ports.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from scripts.maintenance import backup, cleanup, healthcheck, restore, retention_report
from validation.core.ports import free_port
from validation.core.project import Project
from validation.core.wait import wait_until
from validation.stack.stack import Stack, StackOptions

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
MARKER = "backup_e2e_marker"


@dataclass
class BackedUp:
    archive: Path
    manifest: dict
    snapshot_exit: int
    snapshot_stderr: str
    health_exit: int
    health_out: str
    wrong_password_exit: int
    wrong_password_out: str
    silence_comments: list[str] = field(default_factory=list)


def run(main, argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def silence(url: str, auth: tuple[str, str], comment: str) -> None:
    now = datetime.now(UTC)
    body = {
        "matchers": [{"name": "alertname", "value": "BackupE2E", "isRegex": False, "isEqual": True}],
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=2)).isoformat(),
        "createdBy": "test_maintenance",
        "comment": comment,
    }
    assert requests.post(url + "/api/v2/silences", json=body, auth=auth, timeout=5).status_code == 200


@contextlib.contextmanager
def trusting(ca_file: Path | None) -> Iterator[None]:
    """The reference stack serves TLS from the run's CA: the scripts (urllib) and requests trust it."""
    names = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
    saved = {n: os.environ.get(n) for n in names}
    if ca_file is not None:
        os.environ.update({n: str(ca_file) for n in names})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def require_binaries() -> None:
    """The conftest's autouse check runs per test, after module fixtures: repeat it before the stack starts."""
    wanted = (
        ("prometheus",),
        ("prometheus-alertmanager", "alertmanager"),
        ("prometheus-pushgateway", "pushgateway"),
    )
    missing = ["/".join(names) for names in wanted if not any(shutil.which(n) for n in names)]
    if missing:
        reason = f"components missing: {', '.join(missing)} (run `stackcheck provision`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def backed_up(tmp_path_factory: pytest.TempPathFactory) -> BackedUp:
    require_binaries()
    work = tmp_path_factory.mktemp("maintenance")
    options = StackOptions(time_scale=60, components=("prometheus", "alertmanager", "pushgateway"))
    with Stack(Project.load(REPO), options) as stack, trusting(stack.ca_file):
        user, password = stack.credentials("prometheus")
        (work / "password").write_text(password)
        auth = ["--user", user, "--password-file", str(work / "password")]
        pg, am, prom = stack.url("pushgateway"), stack.url("alertmanager"), stack.url("prometheus")
        put = requests.put(
            f"{pg}/metrics/job/backup_e2e/instance/batch-1",
            data=f"{MARKER} 42\n",
            auth=stack.credentials("pushgateway"),
            timeout=5,
        )
        assert put.status_code == 200
        wait_until(
            lambda: stack.prometheus().query(MARKER) or None,
            timeout=30,
            what="the pushed series in Prometheus",
        )
        silence(am, stack.credentials("alertmanager"), "on disk")
        # a clean shutdown writes the silences snapshot and the Pushgateway persistence file
        stack.restart("alertmanager")
        stack.restart("pushgateway")
        silence(am, stack.credentials("alertmanager"), "only in the API export")
        data = {
            n: Path(dict(a.split("=", 1) for a in stack.instance(n).launch.args if "=" in a)[flag])
            for n, flag in (
                ("prometheus", "--storage.tsdb.path"),
                ("alertmanager", "--storage.path"),
                ("pushgateway", "--persistence.file"),
            )
        }
        snap = run(
            backup.main,
            [
                "--output-dir",
                str(work / "snap"),
                "--mode",
                "snapshot",
                "--prometheus-url",
                prom,
                "--prometheus-data",
                str(data["prometheus"]),
                *auth,
            ],
        )
        health = run(
            healthcheck.main,
            ["--prometheus-url", prom, "--alertmanager-url", am, "--pushgateway-url", pg, "--json", *auth],
        )
        (work / "wrong").write_text("not-the-password")
        wrong = run(healthcheck.main, ["--prometheus-url", prom, "--password-file", str(work / "wrong")])
        code, _out, err = run(
            backup.main,
            [
                "--output-dir",
                str(work / "backups"),
                "--repo",
                str(REPO),
                "--mode",
                "copy",
                "--prometheus-url",
                prom,
                "--prometheus-data",
                str(data["prometheus"]),
                "--alertmanager-url",
                am,
                "--alertmanager-data",
                str(data["alertmanager"]),
                "--pushgateway-url",
                pg,
                "--pushgateway-file",
                str(data["pushgateway"]),
                *auth,
            ],
        )
        assert code == 0, err
    archive = next((work / "backups").glob("*.tar.gz"))
    manifest = json.loads(next((work / "backups").glob("*.manifest.json")).read_text())
    return BackedUp(archive, manifest, snap[0], snap[2], health[0], health[1], wrong[0], wrong[1])


class Binary:
    """One component started directly on a free 127.0.0.1 port; stopped with SIGTERM."""

    def __init__(self, argv: list[str], port: int, ready: str, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.proc = subprocess.Popen(
            argv, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_until(lambda: self._ready(ready), timeout=30, what=f"{argv[0]} ready", hint=f"see {log}")

    def _ready(self, path: str) -> bool:
        if self.proc.poll() is not None:
            pytest.fail(f"exited: {self.log.read_text()[-800:]}")
        try:
            return requests.get(self.url + path, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextlib.contextmanager
def started(
    kind: str,
    data: Path,
    tmp: Path,
    extra: tuple[str, ...] = (),
    config: str = "global: {scrape_interval: 1h}\n",
) -> Iterator[Binary]:
    """``config`` is Prometheus' configuration; LISTEN in it becomes its own host:port."""
    port = free_port()
    listen = f"--web.listen-address=127.0.0.1:{port}"
    if kind == "prometheus":
        (tmp / "prometheus.yml").write_text(config.replace("LISTEN", f"127.0.0.1:{port}"))
        argv = [
            shutil.which("prometheus") or "prometheus",
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={data}",
            listen,
        ]
    elif kind == "alertmanager":
        (tmp / "alertmanager.yml").write_text(
            "route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n"
        )
        binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager") or "alertmanager"
        argv = [
            binary,
            f"--config.file={tmp / 'alertmanager.yml'}",
            f"--storage.path={data}",
            "--cluster.listen-address=",
            listen,
        ]
    else:
        binary = shutil.which("prometheus-pushgateway") or shutil.which("pushgateway") or "pushgateway"
        argv = [binary, f"--persistence.file={data}", listen]
    binary_proc = Binary([*argv, *extra], port, "/-/ready", tmp / f"{kind}-{port}.log")
    try:
        yield binary_proc
    finally:
        binary_proc.stop()


def test_snapshot_mode_with_the_admin_api_off_names_the_flag(backed_up: BackedUp) -> None:
    assert backed_up.snapshot_exit == 1
    assert "--web.enable-admin-api" in backed_up.snapshot_stderr
    assert "Traceback" not in backed_up.snapshot_stderr


def test_healthcheck_of_the_running_stack_runs_every_probe_and_finds_nothing_critical(
    backed_up: BackedUp,
) -> None:
    report = json.loads(backed_up.health_out)
    checks = {f"{f['component']}/{f['check']}": f for f in report["findings"]}
    assert set(checks) >= {
        "prometheus/healthy",
        "prometheus/ready",
        "prometheus/config-reload",
        "prometheus/targets",
        "prometheus/rule-evaluation",
        "prometheus/head-series",
        "prometheus/wal-corruptions",
        "alertmanager/ready",
        "alertmanager/cluster",
        "alertmanager/config-hash",
        "alertmanager/notifications-failed",
        "pushgateway/ready",
        "pushgateway/groups",
    }
    assert checks["alertmanager/cluster"]["message"] == "cluster disabled (single instance)"
    assert int(checks["prometheus/head-series"]["message"].split()[0]) > 0
    assert report["status"] != "CRITICAL" and backed_up.health_exit < 2


def test_healthcheck_with_a_wrong_password_is_critical_and_says_401(backed_up: BackedUp) -> None:
    assert backed_up.wrong_password_exit == 2
    assert "CRITICAL prometheus/healthy: /-/healthy answered 401" in backed_up.wrong_password_out


def test_manifest_records_versions_and_every_part(backed_up: BackedUp) -> None:
    parts = backed_up.manifest["components"]
    assert set(parts) == {"config", "prometheus", "alertmanager", "pushgateway"}
    assert parts["prometheus"]["version"].startswith("2.42")
    assert parts["prometheus"]["time_range"]["min_ms"] < parts["prometheus"]["time_range"]["max_ms"]
    assert parts["alertmanager"]["silences_exported"] == 2
    assert any(f["path"] == "config/stack/stack.yaml" for f in backed_up.manifest["files"])
    assert code_of(restore.main, [str(backed_up.archive), "--verify-only"]) == 0


def code_of(main, argv: list[str]) -> int:
    return run(main, argv)[0]


def test_restored_data_serves_the_series_the_silences_and_the_group(
    backed_up: BackedUp, tmp_path: Path
) -> None:
    target = {
        "prometheus": tmp_path / "prometheus",
        "alertmanager": tmp_path / "alertmanager",
        "pushgateway": tmp_path / "pg" / "pushgateway.data",
    }
    code, out, err = run(
        restore.main,
        [
            str(backed_up.archive),
            "--prometheus-data",
            str(target["prometheus"]),
            "--alertmanager-data",
            str(target["alertmanager"]),
            "--pushgateway-file",
            str(target["pushgateway"]),
            "--config-to",
            str(tmp_path / "config"),
        ],
    )
    assert code == 0, err
    assert "next steps" in out
    assert (tmp_path / "config" / "stack" / "stack.yaml").is_file()

    with started("prometheus", target["prometheus"], tmp_path) as prom:
        result = requests.get(
            prom.url + "/api/v1/query", params={"query": f"max_over_time({MARKER}[2h])"}, timeout=5
        ).json()["data"]["result"]
        assert [(r["metric"]["job"], r["value"][1]) for r in result] == [("backup_e2e", "42")]

    with started("alertmanager", target["alertmanager"], tmp_path) as am:

        def comments() -> list[str]:
            silences = requests.get(am.url + "/api/v2/silences", timeout=5).json()
            return sorted(s["comment"] for s in silences if s["status"]["state"] == "active")

        assert comments() == ["on disk"]
        code, out, err = run(restore.main, [str(backed_up.archive), "--import-silences-to", am.url])
        assert code == 0, err
        assert "silences re-created" in out and out.rstrip().endswith("1")
        assert comments() == ["on disk", "only in the API export"]

    with started("pushgateway", target["pushgateway"], tmp_path) as pg:
        groups = requests.get(pg.url + "/api/v1/metrics", timeout=5).json()["data"]
        assert [g["labels"]["job"] for g in groups] == ["backup_e2e"]


def test_restore_refuses_a_destination_in_use(backed_up: BackedUp, tmp_path: Path) -> None:
    data = tmp_path / "busy"
    restore.main([str(backed_up.archive), "--prometheus-data", str(data)])
    with started("prometheus", data, tmp_path) as prom:
        code, _out, err = run(
            restore.main,
            [str(backed_up.archive), "--prometheus-data", str(data), "--prometheus-url", prom.url],
        )
    assert code == 1
    assert "is running on this data" in err and "--force" in err


def test_cleanup_dry_run_lists_the_stale_group_and_deletes_nothing(tmp_path: Path) -> None:
    pg_file = tmp_path / "pg.data"
    with started("pushgateway", pg_file, tmp_path) as pg:
        requests.put(pg.url + "/metrics/job/old_batch", data="x 1\n", timeout=5)
        code, out, _err = run(
            cleanup.main, ["pushgateway", "--pushgateway-url", pg.url, "--older-than", "0s"]
        )
        assert code == 0
        assert "would delete" in out and "old_batch" in out
        assert len(requests.get(pg.url + "/api/v1/metrics", timeout=5).json()["data"]) == 1
        code, out, _err = run(
            cleanup.main, ["pushgateway", "--pushgateway-url", pg.url, "--older-than", "0s", "--no-dry-run"]
        )
        assert code == 0
        assert requests.get(pg.url + "/api/v1/metrics", timeout=5).json()["data"] == []


def test_snapshot_mode_with_the_admin_api_on_backs_up_and_restores(tmp_path: Path) -> None:
    data, restored = tmp_path / "live", tmp_path / "restored"
    self_scrape = "global: {scrape_interval: 200ms}\nscrape_configs: [{job_name: self, static_configs: [{targets: [LISTEN]}]}]\n"
    with started("prometheus", data, tmp_path, ("--web.enable-admin-api",), self_scrape) as prom:
        wait_until(lambda: _query(prom.url, 'up{job="self"}') or None, timeout=30, what="the self-scrape")
        code, _out, err = run(
            backup.main,
            [
                "--output-dir",
                str(tmp_path / "b"),
                "--mode",
                "snapshot",
                "--prometheus-url",
                prom.url,
                "--prometheus-data",
                str(data),
            ],
        )
        assert code == 0, err
        assert (
            "point-in-time"
            in json.loads(next((tmp_path / "b").glob("*.manifest.json")).read_text())["components"][
                "prometheus"
            ]["consistency"]
        )
        assert not any((data / "snapshots").iterdir()), "the snapshot is removed after archiving"
    archive = next((tmp_path / "b").glob("*.tar.gz"))
    assert run(restore.main, [str(archive), "--prometheus-data", str(restored)])[0] == 0
    with started("prometheus", restored, tmp_path) as again:
        assert _query(again.url, 'max_over_time(up{job="self"}[1h])') == ["1"]


def _query(url: str, promql: str) -> list[str]:
    result = requests.get(url + "/api/v1/query", params={"query": promql}, timeout=5).json()["data"]["result"]
    return [r["value"][1] for r in result]


def test_copy_mode_takes_completed_blocks_and_head_of_a_running_prometheus(tmp_path: Path) -> None:
    """Real blocks (backfilled with promtool, hours old) + a live head; compaction may run meanwhile."""
    now = int(datetime.now(UTC).timestamp())
    lines = ["# TYPE backfilled_marker gauge"]
    lines += [
        f'backfilled_marker{{source="backfill"}} 7 {t}' for t in range(now - 6 * 3600, now - 3 * 3600, 60)
    ]
    (tmp_path / "m.om").write_text("\n".join([*lines, "# EOF"]) + "\n")
    data, restored = tmp_path / "live", tmp_path / "restored"
    promtool = shutil.which("promtool") or "promtool"
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(tmp_path / "m.om"), str(data)],
        check=True,
        capture_output=True,
    )
    self_scrape = "global: {scrape_interval: 200ms}\nscrape_configs: [{job_name: self, static_configs: [{targets: [LISTEN]}]}]\n"
    with started("prometheus", data, tmp_path, config=self_scrape) as prom:
        wait_until(lambda: _query(prom.url, 'up{job="self"}') or None, timeout=30, what="the self-scrape")
        code, _out, err = run(
            backup.main,
            [
                "--output-dir",
                str(tmp_path / "b"),
                "--prometheus-url",
                prom.url,
                "--prometheus-data",
                str(data),
            ],
        )
        assert code == 0, err
    manifest = json.loads(next((tmp_path / "b").glob("*.manifest.json")).read_text())["components"][
        "prometheus"
    ]
    assert manifest["blocks_count"] >= 1
    assert manifest["time_range"]["min_ms"] <= (now - 6 * 3600) * 1000
    assert manifest["head_series"] > 0
    archive = next((tmp_path / "b").glob("*.tar.gz"))
    assert run(restore.main, [str(archive), "--prometheus-data", str(restored)])[0] == 0
    listed = subprocess.run(
        [promtool, "tsdb", "list", str(restored)], check=True, capture_output=True, text=True
    )
    assert sorted(line.split()[0] for line in listed.stdout.splitlines()[1:]) == sorted(
        b["ulid"] for b in manifest["blocks"]
    )
    with started("prometheus", restored, tmp_path) as again:
        assert _query(again.url, "count_over_time(backfilled_marker[12h])") == [str(3 * 60)]
        assert _query(again.url, 'max_over_time(up{job="self"}[1h])') == ["1"]
    code, out, _err = run(
        retention_report.main,
        ["--prometheus-data", str(restored), "--stack", str(REPO / "stack" / "stack.yaml")],
    )
    assert code == 0
    assert f"{manifest['blocks_count']} blocks" in out and "of retention.time 30d" in out
