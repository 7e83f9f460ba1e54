"""Reading a TSDB directory from outside: blocks, time range, in-use detection, retention report."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.maintenance.retention_report import advice, fractions, measure, retention_from_stack
from scripts.maintenance.tsdb import holders, list_blocks, lock_held, time_range

pytestmark = pytest.mark.unit

HOUR = 3_600_000


def make_block(tsdb: Path, ulid: str, start_h: int, end_h: int, chunk_bytes: int = 1000) -> None:
    block = tsdb / ulid
    (block / "chunks").mkdir(parents=True)
    (block / "chunks" / "000001").write_bytes(b"\0" * chunk_bytes)
    meta = {
        "ulid": ulid,
        "minTime": start_h * HOUR,
        "maxTime": end_h * HOUR,
        "stats": {"numSamples": 10, "numSeries": 2},
        "compaction": {"level": 1},
        "version": 1,
    }
    (block / "meta.json").write_text(json.dumps(meta))


@pytest.fixture
def tsdb(tmp_path: Path) -> Path:
    root = tmp_path / "tsdb"
    make_block(root, "01HAAAAAAAAAAAAAAAAAAAAAAA", 0, 2)
    make_block(root, "01HBBBBBBBBBBBBBBBBBBBBBBB", 2, 4)
    (root / "01HCCCCCCCCCCCCCCCCCCCCCCC.tmp-for-creation").mkdir()
    (root / "01HDDDDDDDDDDDDDDDDDDDDDDD").mkdir()  # no meta.json: half-written
    (root / "wal").mkdir()
    (root / "wal" / "00000000").write_bytes(b"\0" * 500)
    return root


def test_only_complete_ulid_directories_count_as_blocks(tsdb: Path) -> None:
    blocks = list_blocks(tsdb)
    assert [b.ulid for b in blocks] == ["01HAAAAAAAAAAAAAAAAAAAAAAA", "01HBBBBBBBBBBBBBBBBBBBBBBB"]
    assert time_range(blocks) == (0, 4 * HOUR)
    assert time_range([]) is None


def test_retention_report_splits_blocks_and_head(tsdb: Path) -> None:
    usage = measure(tsdb)
    assert (usage.blocks, usage.head_bytes, usage.span_seconds) == (2, 500, 4 * 3600)
    assert usage.blocks_bytes > 2000
    size_used, time_used = fractions(usage, "10KB", "8h")
    assert 0.2 < size_used < 0.5 and time_used == 0.5


@pytest.mark.parametrize(("size", "warns"), [("1TB", False), ("3KB", True)], ids=["far below", "above 85 %"])
def test_advice_warns_only_near_the_size_limit(tsdb: Path, size: str, warns: bool) -> None:
    assert any(line.startswith("WARNING") for line in advice(measure(tsdb), size, "30d")) is warns


def test_retention_flags_are_read_from_stack_yaml() -> None:
    stack = Path(__file__).resolve().parents[2] / "stack" / "stack.yaml"
    assert retention_from_stack(stack) == ("200GB", "30d")


def test_a_held_lock_file_means_in_use(tmp_path: Path) -> None:
    (tmp_path / "lock").write_text("")
    assert lock_held(tmp_path) is False
    with (tmp_path / "lock").open("rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        assert lock_held(tmp_path) is True


def test_a_process_naming_the_path_holds_it(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    data = tmp_path / "data"
    for pid, args in {
        "101": ["prometheus", f"--storage.tsdb.path={data}"],
        "102": ["sleep", "10"],
        "self": ["x"],
    }.items():
        (proc / pid).mkdir(parents=True)
        (proc / pid / "cmdline").write_bytes(b"\0".join(a.encode() for a in args))
    assert holders(data, proc) == [101]
    assert holders(tmp_path / "other", proc) == []
    assert os.getpid() not in holders(data)


def test_the_shell_or_wrapper_that_started_us_is_not_a_holder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    wrapper = subprocess.run(
        [
            "sh",
            "-c",
            f'"{sys.executable}" -c "import sys; from pathlib import Path; '
            f'from scripts.maintenance.tsdb import holders; print(holders(Path(sys.argv[1])))" {data}',
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert wrapper.stdout.strip() == "[]"
