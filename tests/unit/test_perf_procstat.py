from __future__ import annotations

import os
from pathlib import Path

import pytest

from validation.perf.procstat import parse_stat_cpu, parse_status_rss, read_usage, total_usage

pytestmark = pytest.mark.unit

STAT = "1234 (prom (weird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 0 0"


def test_stat_cpu_counts_user_and_system_ticks_after_the_command_name() -> None:
    assert parse_stat_cpu(STAT, ticks=100) == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name:\tprometheus\nVmRSS:\t  131072 kB\nThreads: 9\n", 131072 * 1024),
        ("Name:\tkthreadd\nThreads: 1\n", 0),
    ],
    ids=["process with memory", "kernel thread has no VmRSS"],
)
def test_status_rss_in_bytes(text: str, expected: int) -> None:
    assert parse_status_rss(text) == expected


def _fake_proc(root: Path, pid: int, ticks_user: int, rss_kb: int) -> None:
    folder = root / str(pid)
    folder.mkdir(parents=True)
    (folder / "stat").write_text(STAT.replace(" 250 50 ", f" {ticks_user} 0 "))
    (folder / "status").write_text(f"VmRSS:\t{rss_kb} kB\n")


def test_total_usage_sums_live_processes_and_skips_gone_ones(tmp_path: Path) -> None:
    _fake_proc(tmp_path, 10, 100, 1000)
    _fake_proc(tmp_path, 11, 300, 3000)
    usage = total_usage([10, 11, 99], proc=tmp_path)
    assert usage is not None
    assert usage.rss_bytes == 4000 * 1024
    assert usage.cpu_seconds == pytest.approx(400 / (os.sysconf("SC_CLK_TCK")))


def test_no_live_process_reads_as_absent(tmp_path: Path) -> None:
    assert total_usage([99], proc=tmp_path) is None
    assert read_usage(99, proc=tmp_path) is None


def test_reads_this_very_process() -> None:
    usage = read_usage(os.getpid())
    assert usage is not None and usage.rss_bytes > 1_000_000 and usage.cpu_seconds > 0
