"""The backup manifest and the archive it describes: round trip, tampering, unsafe paths."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scripts.maintenance.archive import ArchiveWriter, extract_section, read_manifest, verify_archive
from scripts.maintenance.common import MaintenanceError
from scripts.maintenance.manifest import FileEntry, Manifest, check_member_path, compare

pytestmark = pytest.mark.unit


def manifest_with(*files: FileEntry) -> Manifest:
    return Manifest(created="2026-01-01T00:00:00Z", host="h", mode="copy", files=list(files))


entries = st.builds(
    FileEntry,
    path=st.tuples(
        st.sampled_from(["config", "prometheus", "alertmanager"]), st.text("abc/01_", min_size=1, max_size=12)
    ).map("/".join),
    size=st.integers(0, 2**40),
    sha256=st.binary(max_size=8).map(lambda b: hashlib.sha256(b).hexdigest()),
)


@given(
    st.lists(entries, max_size=20),
    st.dictionaries(st.sampled_from(["prometheus", "config"]), st.just({"version": "2.42.0"})),
)
def test_manifest_survives_a_json_round_trip(files: list[FileEntry], components: dict) -> None:
    manifest = Manifest(
        created="2026-01-01T00:00:00Z", host="h", mode="copy", components=components, files=files
    )
    assert Manifest.from_json(manifest.to_json()) == manifest


A = FileEntry("prometheus/data/wal/00000000", 3, "a" * 64)
B = FileEntry("config/stack/stack.yaml", 5, "b" * 64)


@pytest.mark.parametrize(
    ("seen", "problem"),
    [
        ({A.path: (3, "a" * 64), B.path: (5, "b" * 64)}, None),
        ({A.path: (3, "a" * 64)}, "config/stack/stack.yaml: listed in the manifest, missing"),
        ({A.path: (4, "a" * 64), B.path: (5, "b" * 64)}, "wal/00000000: size 4, manifest says 3"),
        ({A.path: (3, "c" * 64), B.path: (5, "b" * 64)}, "wal/00000000: sha256 cccccccccccc…"),
        (
            {A.path: (3, "a" * 64), B.path: (5, "b" * 64), "grafana/data/x": (1, "d" * 64)},
            "grafana/data/x: in the archive, not in",
        ),
    ],
    ids=["intact", "missing file", "size differs", "hash differs", "extra file"],
)
def test_compare_names_each_difference(seen: dict, problem: str | None) -> None:
    problems = compare(manifest_with(A, B), seen)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "prometheus/../../etc/cron.d/x", "unknown/file", ""],
    ids=["absolute", "dotdot", "unknown section", "empty"],
)
def test_unsafe_member_paths_are_refused(path: str) -> None:
    with pytest.raises(MaintenanceError):
        check_member_path(path)


@pytest.mark.parametrize(
    "text",
    ["not json", '{"format": 99}', '{"format": 1, "files": []}'],
    ids=["garbage", "future format", "no created"],
)
def test_a_bad_manifest_is_an_error_not_a_traceback(text: str) -> None:
    with pytest.raises(MaintenanceError, match="manifest"):
        Manifest.from_json(text)


def write_archive(tmp_path: Path, files: dict[str, bytes]) -> Path:
    archive = tmp_path / "b.tar.gz"
    writer = ArchiveWriter(archive)
    for name, data in files.items():
        source = tmp_path / "src" / name
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(data)
        writer.add_file(source, name)
    writer.close(Manifest(created="2026-01-01T00:00:00Z", host="h", mode="copy"))
    return archive


def test_an_intact_archive_verifies_and_lists_every_file(tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path, {"config/stack/a.yml": b"a: 1\n", "prometheus/data/wal/00000000": b"\0" * 100}
    )
    manifest = verify_archive(archive)
    assert [f.path for f in manifest.files] == ["config/stack/a.yml", "prometheus/data/wal/00000000"]
    assert read_manifest(archive) == manifest


def test_a_changed_member_fails_verification_naming_it(tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path, {"config/stack/a.yml": b"a: 1\n", "config/rules/r.yml": b"groups: []\n"}
    )
    tampered = tmp_path / "t.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "config/stack/a.yml":
                data = b"a: 2\n"
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(MaintenanceError, match=r"config/stack/a.yml: sha256"):
        verify_archive(tampered)


def test_a_truncated_archive_is_reported_as_damaged(tmp_path: Path) -> None:
    archive = write_archive(tmp_path, {"prometheus/data/wal/1": bytes(range(256)) * 4000})
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(MaintenanceError):
        verify_archive(cut)


def test_extract_section_keeps_only_what_the_filter_accepts(tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path,
        {"prometheus/data/wal/1": b"w", "prometheus/data/01ABC/meta.json": b"{}", "config/stack/x": b"x"},
    )
    out = tmp_path / "out"
    count = extract_section(archive, "prometheus/data", out, keep=lambda rel: rel.startswith("wal/"))
    assert count == 1
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == ["wal/1"]


def test_a_file_that_vanished_before_the_copy_is_skipped(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path / "v.tar.gz")
    assert writer.add_file(tmp_path / "gone", "prometheus/data/gone") is None
    writer.close(Manifest(created="x", host="h", mode="copy"))
    assert verify_archive(tmp_path / "v.tar.gz").files == []
