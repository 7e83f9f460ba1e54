"""backup.py → restore.py on directories shaped like the components' data, without any component running."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from scripts.maintenance import backup, backup_prometheus, restore
from scripts.maintenance.archive import ArchiveWriter
from scripts.maintenance.manifest import Manifest
from tests.unit.test_maintenance_tsdb import make_block

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    tsdb = tmp_path / "live" / "prometheus"
    make_block(tsdb, "01HAAAAAAAAAAAAAAAAAAAAAAA", 0, 2)
    (tsdb / "wal").mkdir()
    (tsdb / "wal" / "00000001").write_bytes(b"wal-bytes")
    (tsdb / "chunks_head").mkdir()
    (tsdb / "chunks_head" / "000001").write_bytes(b"head")
    (tsdb / "queries.active").write_bytes(b"\0" * 10)
    (tsdb / "lock").write_text("")
    am = tmp_path / "live" / "alertmanager"
    am.mkdir()
    (am / "silences").write_bytes(b"s")
    (am / "nflog").write_bytes(b"n")
    pg = tmp_path / "live" / "pushgateway.data"
    pg.write_bytes(b"groups")
    return {"prometheus": tsdb, "alertmanager": am, "pushgateway": pg, "out": tmp_path / "backups"}


def take(data: dict[str, Path]) -> tuple[Path, dict]:
    code = backup.main(
        [
            "--output-dir",
            str(data["out"]),
            "--repo",
            str(REPO),
            "--prometheus-data",
            str(data["prometheus"]),
            "--alertmanager-data",
            str(data["alertmanager"]),
            "--pushgateway-file",
            str(data["pushgateway"]),
        ]
    )
    assert code == 0
    return next(data["out"].glob("*.tar.gz")), json.loads(
        next(data["out"].glob("*.manifest.json")).read_text()
    )


def test_copy_backup_records_blocks_and_leaves_out_lock_files(data: dict[str, Path]) -> None:
    _archive, manifest = take(data)
    prom = manifest["components"]["prometheus"]
    assert [b["ulid"] for b in prom["blocks"]] == ["01HAAAAAAAAAAAAAAAAAAAAAAA"]
    assert (
        prom["time_range"]["min"] == "1970-01-01T00:00:00Z"
        and prom["time_range"]["max"] == "1970-01-01T02:00:00Z"
    )
    paths = {f["path"] for f in manifest["files"]}
    assert "prometheus/data/wal/00000001" in paths and "prometheus/data/chunks_head/000001" in paths
    assert not any(p.endswith(("/lock", "queries.active")) for p in paths)
    assert len(manifest["archive_sha256"]) == 64


def test_restore_reproduces_every_file(data: dict[str, Path], tmp_path: Path) -> None:
    archive, _ = take(data)
    new = tmp_path / "new"
    assert (
        restore.main(
            [
                str(archive),
                "--prometheus-data",
                str(new / "p"),
                "--alertmanager-data",
                str(new / "a"),
                "--pushgateway-file",
                str(new / "pg" / "pushgateway.data"),
            ]
        )
        == 0
    )
    assert (new / "p" / "wal" / "00000001").read_bytes() == b"wal-bytes"
    assert (new / "p" / "01HAAAAAAAAAAAAAAAAAAAAAAA" / "meta.json").is_file()
    assert sorted(p.name for p in (new / "a").iterdir()) == ["nflog", "silences"]
    assert (new / "pg" / "pushgateway.data").read_bytes() == b"groups"


def test_restore_refuses_a_non_empty_destination_unless_forced(
    data: dict[str, Path], tmp_path: Path, capsys
) -> None:
    archive, _ = take(data)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "old").write_text("keep me")
    assert restore.main([str(archive), "--alertmanager-data", str(occupied)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert restore.main([str(archive), "--alertmanager-data", str(occupied), "--force"]) == 0
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("occupied.pre-restore-")]
    assert len(aside) == 1 and (aside[0] / "old").read_text() == "keep me"


def test_restoring_configuration_never_overwrites_without_force(
    data: dict[str, Path], tmp_path: Path, capsys
) -> None:
    archive, _ = take(data)
    target = tmp_path / "cfg"
    assert restore.main([str(archive), "--config-to", str(target)]) == 0
    assert (target / "rules" / "node.rules.yml").read_bytes() == (
        REPO / "rules" / "node.rules.yml"
    ).read_bytes()
    assert restore.main([str(archive), "--config-to", str(target)]) == 1
    assert "would overwrite" in capsys.readouterr().err
    assert restore.main([str(archive), "--config-to", str(target), "--force"]) == 0


def test_an_archive_that_differs_from_its_sidecar_manifest_is_refused(data: dict[str, Path], capsys) -> None:
    archive, _ = take(data)
    assert restore.main([str(archive), "--verify-only"]) == 0
    with archive.open("ab") as handle:
        handle.write(b"\0" * 512)  # gzip ignores trailing zeros: only the recorded sha256 notices
    assert restore.main([str(archive), "--verify-only"]) == 1
    assert "sha256 differs from the one recorded in its manifest" in capsys.readouterr().err


def test_restore_of_a_part_not_in_the_archive_names_what_is_there(
    data: dict[str, Path], tmp_path: Path, capsys
) -> None:
    archive, _ = take(data)
    assert restore.main([str(archive), "--grafana-data", str(tmp_path / "g")]) == 1
    assert "holds: alertmanager, config, prometheus, pushgateway" in capsys.readouterr().err


def test_a_block_deleted_during_the_copy_is_left_out_of_manifest_and_restore(
    data: dict[str, Path], tmp_path: Path
) -> None:
    make_block(data["prometheus"], "01HBBBBBBBBBBBBBBBBBBBBBBB", 2, 4)

    class CompactingWriter(ArchiveWriter):
        """Deletes block B right after its files were stored, as a compaction finishing meanwhile would."""

        def add_tree(self, root: Path, prefix: str, skip: Iterable[str] = ()) -> int:
            count = super().add_tree(root, prefix, skip)
            if root.name == "01HBBBBBBBBBBBBBBBBBBBBBBB":
                shutil.rmtree(root)
            return count

    writer = CompactingWriter(tmp_path / "c.tar.gz")
    _count, blocks = backup_prometheus.copy_tsdb(writer, data["prometheus"])
    assert [b.ulid for b in blocks] == ["01HAAAAAAAAAAAAAAAAAAAAAAA"]
    manifest = Manifest(
        created="x",
        host="h",
        mode="copy",
        components={"prometheus": {"blocks": [b.as_dict() for b in blocks]}},
    )
    writer.close(manifest)
    out = tmp_path / "restored"
    restore.restore_section(
        tmp_path / "c.tar.gz", restore.verify_archive(tmp_path / "c.tar.gz"), "prometheus", out
    )
    assert sorted(p.name for p in out.iterdir()) == ["01HAAAAAAAAAAAAAAAAAAAAAAA", "chunks_head", "wal"]


def test_the_scripts_run_as_files_with_help() -> None:
    for name in ("backup", "restore", "healthcheck", "cleanup", "retention_report"):
        done = subprocess.run(
            [sys.executable, str(REPO / "scripts" / "maintenance" / f"{name}.py"), "--help"],
            capture_output=True,
            text=True,
            cwd="/",
            check=False,
        )
        assert done.returncode == 0 and "usage:" in done.stdout, done.stderr


def test_snapshot_mode_without_a_url_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert (
        backup.main(["--output-dir", str(tmp_path), "--mode", "snapshot", "--prometheus-data", str(tmp_path)])
        == 2
    )
    assert "--prometheus-url" in capsys.readouterr().err


def test_grafana_db_is_copied_through_sqlite_and_restores_with_its_rows(tmp_path: Path) -> None:
    live = tmp_path / "grafana"
    live.mkdir()
    with sqlite3.connect(live / "grafana.db") as db:
        db.execute("create table dashboard (uid text)")
        db.execute("insert into dashboard values ('stackcheck-cluster-overview')")
    writer_holds_lock = sqlite3.connect(live / "grafana.db")
    writer_holds_lock.execute("begin immediate")  # a write transaction open, as while Grafana saves
    try:
        assert backup.main(["--output-dir", str(tmp_path / "b"), "--grafana-data", str(live)]) == 0
    finally:
        writer_holds_lock.rollback()
        writer_holds_lock.close()
    archive = next((tmp_path / "b").glob("*.tar.gz"))
    assert restore.main([str(archive), "--grafana-data", str(tmp_path / "restored")]) == 0
    with sqlite3.connect(tmp_path / "restored" / "grafana.db") as db:
        assert db.execute("select uid from dashboard").fetchall() == [("stackcheck-cluster-overview",)]


def test_a_grafana_without_its_database_is_noted_not_failed(tmp_path: Path) -> None:
    (tmp_path / "grafana").mkdir()
    assert (
        backup.main(["--output-dir", str(tmp_path / "b"), "--grafana-data", str(tmp_path / "grafana")]) == 0
    )
    manifest = json.loads(next((tmp_path / "b").glob("*.manifest.json")).read_text())
    assert "no grafana.db" in manifest["components"]["grafana"]["note"]
