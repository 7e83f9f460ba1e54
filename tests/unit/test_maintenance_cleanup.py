"""Choices the clean-up makes: which backups to prune, which groups and silences to remove, and how."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scripts.maintenance import cleanup
from scripts.maintenance.cleanup import group_path, prunable, silences_to_expire, stale_groups
from scripts.maintenance.common import MaintenanceError
from scripts.maintenance.silences import parse_matcher, silence_matches, to_import

pytestmark = pytest.mark.unit


def name(day: int) -> str:
    return f"stackcheck-backup-202611{day:02d}T020000Z.tar.gz"


@pytest.mark.parametrize(
    ("names", "keep", "pruned"),
    [
        ([name(3), name(1), name(2)], 2, [name(1)]),
        ([name(1), name(2)], 5, []),
        ([name(1), "notes.tar.gz", name(2)], 1, [name(1)]),
        (["other-20261101T000000Z.tar.gz", name(2)], 1, ["other-20261101T000000Z.tar.gz"]),
    ],
    ids=["oldest goes", "fewer than keep", "foreign names never chosen", "ordered by stamp, not prefix"],
)
def test_pruning_keeps_the_newest(names: list[str], keep: int, pruned: list[str]) -> None:
    assert prunable(names, keep) == pruned


@given(st.lists(st.integers(1, 28), unique=True), st.integers(1, 30))
def test_pruning_never_deletes_one_of_the_keep_newest(days: list[int], keep: int) -> None:
    names = [name(d) for d in days]
    doomed = prunable(names, keep)
    newest = sorted(names)[-keep:]
    assert not set(doomed) & set(newest)
    assert len(doomed) == max(0, len(names) - keep)


def test_keep_zero_is_refused() -> None:
    with pytest.raises(MaintenanceError, match="--keep"):
        prunable([name(1)], 0)


def test_prune_dry_run_deletes_nothing_and_apply_deletes_archive_and_manifest(tmp_path: Path, capsys) -> None:
    for day in (1, 2, 3):
        (tmp_path / name(day)).write_text("x")
        (tmp_path / name(day).replace(".tar.gz", ".manifest.json")).write_text("{}")
    assert cleanup.main(["backups", "--dir", str(tmp_path), "--keep", "2"]) == 0
    assert "would delete" in capsys.readouterr().out
    assert len(list(tmp_path.iterdir())) == 6
    assert cleanup.main(["--no-dry-run", "backups", "--dir", str(tmp_path), "--keep", "2"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [
            name(2),
            name(3),
            name(2).replace(".tar.gz", ".manifest.json"),
            name(3).replace(".tar.gz", ".manifest.json"),
        ]
    )


@pytest.mark.parametrize(
    ("labels", "path"),
    [
        ({"job": "nightly"}, "/metrics/job/nightly"),
        ({"job": "nightly", "instance": "n1", "batch": "b"}, "/metrics/job/nightly/batch/b/instance/n1"),
        ({"job": "backup", "path": "/var/lib"}, "/metrics/job/backup/path@base64/L3Zhci9saWI"),
        ({"job": "j", "instance": ""}, "/metrics/job/j/instance@base64/="),
        ({"job": "a b"}, "/metrics/job/a%20b"),
    ],
    ids=["job only", "labels sorted", "slash → base64", "empty → base64 '='", "space escaped"],
)
def test_group_delete_paths_follow_the_pushgateway_url_scheme(labels: dict[str, str], path: str) -> None:
    assert group_path(labels) == path


def group(job: str, pushed: float) -> dict:
    return {"labels": {"job": job}, "push_time_seconds": {"metrics": [{"value": str(pushed)}]}}


def test_stale_groups_are_those_older_than_the_limit_and_matching_the_job() -> None:
    groups = [group("old", 0), group("fresh", 990), group("old_other", 0)]
    assert [g["labels"]["job"] for g in stale_groups(groups, 1000, 100, ".*")] == ["old", "old_other"]
    assert [g["labels"]["job"] for g in stale_groups(groups, 1000, 100, "old")] == ["old"]


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def silence(
    alertname: str, state: str = "active", started_h: float = 1, ends_h: float = 1, comment: str = "c"
) -> dict:
    return {
        "id": alertname + state,
        "matchers": [{"name": "alertname", "value": alertname, "isRegex": False, "isEqual": True}],
        "startsAt": (NOW - timedelta(hours=started_h)).isoformat(),
        "endsAt": (NOW + timedelta(hours=ends_h)).isoformat(),
        "createdBy": "me",
        "comment": comment,
        "status": {"state": state},
    }


@pytest.mark.parametrize(
    ("matcher", "selected"),
    [
        ('alertname="NodeDown"', ["NodeDownactive"]),
        ('alertname=~"Node.*"', ["NodeDownactive", "NodeHighCPUpending"]),
        ('alertname!="NodeDown"', ["NodeHighCPUpending", "GPUXidErrorsactive"]),
        ('alertname!~"GPU.*"', ["NodeDownactive", "NodeHighCPUpending"]),
        ('team="infra"', []),
    ],
)
def test_expiry_selects_active_and_pending_silences_by_matcher(matcher: str, selected: list[str]) -> None:
    silences = [
        silence("NodeDown"),
        silence("NodeHighCPU", "pending"),
        silence("GPUXidErrors"),
        silence("NodeDown", "expired"),
    ]
    assert [s["id"] for s in silences_to_expire(silences, [parse_matcher(matcher)], NOW, None)] == selected


def test_expiry_by_age_keeps_recent_silences() -> None:
    silences = [silence("Old", started_h=48), silence("New", started_h=1)]
    assert [s["id"] for s in silences_to_expire(silences, [], NOW, 24 * 3600)] == ["Oldactive"]


def test_expiring_every_silence_needs_a_selector() -> None:
    assert cleanup.main(["silences", "--alertmanager-url", "http://127.0.0.1:9"]) == 2


def test_silence_matches_requires_every_matcher() -> None:
    s = silence("NodeDown")
    assert silence_matches(s, [parse_matcher('alertname="NodeDown"')])
    assert not silence_matches(s, [parse_matcher('alertname="NodeDown"'), parse_matcher('team="x"')])


@pytest.mark.parametrize("text", ["alertname", "=x", "1abc=x"])
def test_malformed_matchers_are_usage_errors(text: str) -> None:
    with pytest.raises(MaintenanceError):
        parse_matcher(text)


def test_import_skips_ended_present_and_duplicate_silences() -> None:
    exported = [silence("A"), silence("B", ends_h=-1), silence("C"), silence("A")]
    existing = [silence("C"), silence("D")]
    bodies = to_import(exported, existing, NOW)
    assert [b["matchers"][0]["value"] for b in bodies] == ["A"]
    assert "id" not in bodies[0] and "status" not in bodies[0]


def test_an_expired_copy_does_not_count_as_present() -> None:
    assert len(to_import([silence("A")], [silence("A", state="expired")], NOW)) == 1
