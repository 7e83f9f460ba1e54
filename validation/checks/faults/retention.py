"""faults/retention/… — Prometheus' retention and data directory are what stack.yaml intends.

- ``effective-retention``: the time and size retention Prometheus reports in
  ``/api/v1/status/runtimeinfo`` equal stack.yaml's ``storage.tsdb.retention.time`` / ``.size``
  (Prometheus' defaults when unset: 15d, no size limit). Not time-compressed: retention is a
  property of the data, and the blocks below carry production timestamps.
- ``data-directory``: Prometheus runs on the ``storage.tsdb.path`` stack.yaml names (relocated
  into the run directory), writes its WAL there, and serves blocks placed there after a restart.
- ``old-blocks-removed``: two blocks are backfilled with ``promtool tsdb create-blocks-from
  openmetrics`` while Prometheus is stopped, one a day old and one older than the time retention
  (relative to the newest block, as Prometheus computes it); after the start, the old one is
  gone and the recent one is served.

Catches: a retention flag that does not take effect (misspelt, the deprecated
``storage.tsdb.retention`` left beside the new one, a unit read otherwise than meant), a stack
without ``storage.tsdb.path`` (Prometheus writes ``data/`` under whatever its working directory
is, which a container does not keep). Severity: error (exit 1).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

from validation.checks.faults.common import KIND, FaultCase, FaultContext
from validation.core.durations import parse_duration_seconds
from validation.core.results import Report

DEFAULT_RETENTION = "15d"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTPE]?)(i?)B\s*$", re.IGNORECASE)
_POWERS = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}
DAY = 86400.0


def parse_size(text: str) -> int:
    """Bytes of a Prometheus size (``512MB``, ``200GiB``: both base 2, as Prometheus reads them)."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r}")
    return int(float(match.group(1)) * 1024 ** _POWERS[match.group(2).upper()])


def effective_retention(text: str) -> tuple[float, int]:
    """(seconds, bytes) of runtimeinfo's ``storageRetention`` (``30d or 200GiB``; 0 = no limit)."""
    seconds, size = 0.0, 0
    for part in (p.strip() for p in text.split(" or ")):
        if not part:
            continue
        if part.endswith("B"):
            size = parse_size(part)
        else:
            seconds = parse_duration_seconds(part)
    return seconds, size


class RetentionCase(FaultCase):
    id = "faults/retention"
    needs = ("prometheus",)

    def run(self, fx: FaultContext, report: Report) -> None:
        stack = fx.stack
        flags = fx.project.components["prometheus"].flags
        want_time_text = flags.get("storage.tsdb.retention.time") or flags.get("storage.tsdb.retention")
        want_size_text = flags.get("storage.tsdb.retention.size")
        want_size = parse_size(str(want_size_text)) if want_size_text else 0
        want_time = parse_duration_seconds(str(want_time_text)) if want_time_text else 0.0
        if not want_time and not want_size:
            want_time = parse_duration_seconds(DEFAULT_RETENTION)
        prometheus = stack.prometheus()
        runtime = prometheus.get_json("/api/v1/status/runtimeinfo")["data"]
        got_text = str(runtime.get("storageRetention", ""))
        got_time, got_size = effective_retention(got_text)
        intended = f"time {want_time_text or 'unset'}, size {want_size_text or 'unset'}"
        if (got_time, got_size) == (want_time, want_size):
            report.passed(
                f"{self.id}/effective-retention",
                KIND,
                f"Prometheus retains {got_text!r} as stack.yaml intends ({intended})",
            )
        else:
            report.failed(
                f"{self.id}/effective-retention",
                KIND,
                f"exp: retention {intended} ({want_time:g}s, {want_size} bytes); got: {got_text!r}. Hint: "
                "use storage.tsdb.retention.time and storage.tsdb.retention.size (not the deprecated "
                "storage.tsdb.retention)",
            )
        self._storage(fx, report, want_time)

    def _storage(self, fx: FaultContext, report: Report, retention: float) -> None:
        stack = fx.stack
        started = time.monotonic()
        configured = fx.project.components["prometheus"].flags.get("storage.tsdb.path")
        running = str(
            stack.prometheus().get_json("/api/v1/status/flags")["data"].get("storage.tsdb.path", "")
        )
        workdir = stack.instance("prometheus").launch
        assert workdir is not None
        if not configured:
            report.failed(
                f"{self.id}/data-directory",
                KIND,
                f"stack.yaml sets no storage.tsdb.path: Prometheus writes {running!r} under its working "
                "directory, which a container or a service manager does not keep. Hint: set "
                "components.prometheus.flags.storage.tsdb.path (e.g. /prometheus) on a volume",
            )
            return
        data_dir = Path(running)
        expected = workdir.workdir / Path(str(configured)).name
        promtool = shutil.which("promtool")
        if promtool is None:
            report.skipped(f"{self.id}/old-blocks-removed", KIND, "promtool is not on PATH: cannot backfill")
            return
        newest = (time.time() - DAY) // 3600 * 3600
        oldest = newest - retention - DAY if retention else 0.0
        source = fx.work_dir / "backfill.om"
        lines = ["# TYPE stackcheck_backfill gauge"]
        if oldest:  # OpenMetrics wants the samples of a family in time order
            lines.append(f'stackcheck_backfill{{age="old"}} 1 {oldest:.0f}')
        lines.append(f'stackcheck_backfill{{age="recent"}} 1 {newest:.0f}')
        source.write_text("\n".join([*lines, "# EOF", ""]), encoding="utf-8")
        stack.stop_component("prometheus")
        before = _blocks(data_dir)
        try:
            made = subprocess.run(
                [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data_dir)],
                capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            created = {ulid: span for ulid, span in _blocks(data_dir).items() if ulid not in before}
        finally:
            stack.start_component("prometheus")
        if made.returncode != 0:
            report.skipped(
                f"{self.id}/old-blocks-removed",
                KIND,
                f"promtool could not backfill: {made.stderr.strip()[:300]}",
            )
            return
        prometheus = stack.prometheus()
        recent = prometheus.query('stackcheck_backfill{age="recent"}', newest)
        wal = (data_dir / "wal").is_dir()
        if data_dir.resolve() == expected.resolve() and wal and recent:
            report.passed(
                f"{self.id}/data-directory",
                KIND,
                f"Prometheus runs on {data_dir} (stack.yaml: {configured}), writes its WAL there and "
                "serves a block placed there after a restart",
                time.monotonic() - started,
            )
        else:
            report.failed(
                f"{self.id}/data-directory",
                KIND,
                f"exp: Prometheus on {expected} (stack.yaml: {configured}) with its WAL there, serving "
                f"its blocks after a restart; got: path {data_dir}, WAL {'present' if wal else 'absent'}, "
                f"backfilled block {'served' if recent else 'not served'}",
                time.monotonic() - started,
            )
        if not oldest:
            report.skipped(f"{self.id}/old-blocks-removed", KIND, "no time retention: nothing ages out")
            return
        old = prometheus.query('stackcheck_backfill{age="old"}', oldest)
        old_blocks = [u for u, (lo, hi) in created.items() if lo <= oldest * 1000 < hi]
        remaining = _blocks(data_dir)
        if not old and recent and old_blocks and not any(u in remaining for u in old_blocks):
            report.passed(
                f"{self.id}/old-blocks-removed",
                KIND,
                f"after the restart the block {retention / DAY:g}+ days older than the newest is gone; "
                "the recent one is served",
                time.monotonic() - started,
            )
        else:
            report.failed(
                f"{self.id}/old-blocks-removed",
                KIND,
                f"exp: the backfilled block beyond the {retention / DAY:g}d retention deleted at start-up, "
                f"the recent one kept; got: old {'still served' if old else 'gone'}, recent "
                f"{'served' if recent else 'missing'}, old block dir(s) {old_blocks} "
                f"{'still there' if any(u in remaining for u in old_blocks) else 'gone'}",
                time.monotonic() - started,
            )


def _blocks(data_dir: Path) -> dict[str, tuple[int, int]]:
    """Block directory → (minTime, maxTime) in ms, from each block's meta.json."""
    out = {}
    for meta in data_dir.glob("*/meta.json"):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            out[meta.parent.name] = (int(data["minTime"]), int(data["maxTime"]))
        except (OSError, ValueError, KeyError):
            continue
    return out
