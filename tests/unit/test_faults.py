"""The faults group's pure parts: flag compression, retention parsing, verdicts, case selection."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import REPO
from validation.checks.faults import CASES, PHASES, selected_phases
from validation.checks.faults.common import longest_range, parse_time
from validation.checks.faults.receiver_outage import _count_verdict, paging_receivers
from validation.checks.faults.retention import effective_retention, parse_size
from validation.core.project import Project
from validation.scenarios.loader import load_scenarios
from validation.sinks import Notification
from validation.timescale.component_flags import (
    compress_alertmanager_flags,
    compress_pushgateway_flags,
)

pytestmark = pytest.mark.unit


def test_alertmanager_and_pushgateway_time_flags_are_always_compressed() -> None:
    assert compress_alertmanager_flags({"data.retention": "120h", "storage.path": "/x"}, 60) == {
        "data.retention": "2h",
        "data.maintenance-interval": "15s",
        "storage.path": "/x",
    }
    assert compress_pushgateway_flags({"persistence.interval": "5m"}, 60)["persistence.interval"] == "5s"
    assert compress_pushgateway_flags({}, 60) == {"persistence.interval": "5s"}


def _pushgateway_args(flags: dict[str, Any], time_scale: float = 60) -> list[str]:
    from validation.components import COMPONENTS
    from validation.components.base import LaunchInputs
    from validation.core.project import ComponentConfig

    pushgateway = COMPONENTS["pushgateway"]
    config = ComponentConfig("pushgateway", address="pushgateway:9091", flags=flags)
    launch = LaunchInputs(workdir=Path("/run/pg"), time_scale=time_scale, rendered=None, web_config=None,
                          listen=("127.0.0.1", 9091))  # fmt: skip
    return pushgateway.launch_args(config, launch)


def test_a_pushgateway_without_persistence_file_gets_upstreams_none() -> None:
    assert "--persistence.file=" in _pushgateway_args({})
    args = _pushgateway_args({"persistence.file": "/data/pg.data", "persistence.interval": "5m"})
    assert "--persistence.file=/run/pg/pg.data" in args and "--persistence.interval=5s" in args


@pytest.mark.parametrize(
    ("text", "expected"),
    [("200GB", 200 * 2**30), ("200GiB", 200 * 2**30), ("512MB", 512 * 2**20), ("1TB", 2**40), ("10B", 10)],
)
def test_sizes_are_read_base_2_as_prometheus_reads_them(text: str, expected: int) -> None:
    assert parse_size(text) == expected


def test_runtimeinfo_retention_is_read_into_seconds_and_bytes() -> None:
    assert effective_retention("30d or 200GiB") == (30 * 86400, 200 * 2**30)
    assert effective_retention("15d") == (15 * 86400, 0)
    assert effective_retention("512MiB") == (0, 512 * 2**20)


def test_longest_window_of_an_expression() -> None:
    assert longest_range("max_over_time(x[5m]) == 0") == 300
    assert longest_range("rate(a[1m]) / rate(b[10m:1m]) > increase(c[90s])") == 600
    assert longest_range("up == 0") == 0


@given(st.integers(min_value=0, max_value=2_000_000_000), st.integers(min_value=0, max_value=999_999_999))
def test_prometheus_timestamps_keep_their_fraction(seconds: int, nanos: int) -> None:
    from datetime import UTC, datetime

    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"
    assert parse_time(text) == pytest.approx(seconds + nanos / 1e9, abs=1e-6)


def _notification(at: float) -> Notification:
    return Notification("slack", "oncall-critical", at, "firing", "s", "t", b"")


def test_one_delivery_after_recovery_passes() -> None:
    _, ok, message = _count_verdict([_notification(10.0)], "slack", 5.0, 6)
    assert ok and "exactly once" in message


def test_copies_within_one_retry_sequence_are_at_least_once_not_a_failure() -> None:
    _, ok, message = _count_verdict([_notification(10.0), _notification(10.4)], "slack", 5.0, 6)
    assert ok and "at-least-once" in message


def test_copies_a_group_interval_apart_are_a_re_notification() -> None:
    _, ok, message = _count_verdict([_notification(10.0), _notification(15.2)], "slack", 5.0, 6)
    assert not ok and "repeat_interval" in message


def _fx(scenarios: list[Any]) -> Any:
    return SimpleNamespace(scenarios=scenarios)


def test_paging_receivers_of_the_reference_scenarios() -> None:
    scenarios = load_scenarios(Project.load(REPO).scenarios_dir)
    receivers = paging_receivers(_fx(scenarios))
    # the archive gets warnings too, so it is not a paging receiver
    assert set(receivers) == {"oncall-critical", "ml-oncall-critical"}
    assert all(labels["severity"] == "critical" and labels["alertname"] for labels in receivers.values())


def test_case_selection_keeps_phase_order_and_drops_empty_lanes() -> None:
    assert selected_phases(()) == PHASES
    only = selected_phases(("faults/retention", "faults/alertmanager-down"))
    assert [[[c.id for c in lane] for lane in phase] for phase in only] == [
        [["faults/retention"]],
        [["faults/alertmanager-down"]],
    ]
    assert len({c.id for c in CASES}) == len(CASES)


def test_every_case_documents_the_defect_it_catches() -> None:
    import sys

    for case in CASES:
        doc = sys.modules[case.__module__].__doc__ or ""
        assert "Catches:" in doc and "Severity:" in doc, case.id
        assert (Path(REPO) / "docs/faults.md").read_text().count(f"`{case.id}/") >= 1, case.id
