"""The backup manifest: what an archive holds, the sha256 of every file, and where it came from.

Pure data: building, serialising and checking a manifest touches no file system. The archive
stores it as ``manifest.json`` (its last member: hashes are known only once every file is in) and
the backup writes the same JSON next to the archive, plus the archive's own sha256.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any

from scripts.maintenance.common import MaintenanceError

FORMAT = 1
MANIFEST_NAME = "manifest.json"
SECTIONS = ("config", "prometheus", "alertmanager", "pushgateway", "grafana")


@dataclass(frozen=True)
class FileEntry:
    path: str  # inside the archive, posix, e.g. prometheus/01H…/meta.json
    size: int
    sha256: str


@dataclass
class Manifest:
    created: str
    host: str
    mode: str  # copy | snapshot (how the Prometheus TSDB was taken)
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[FileEntry] = field(default_factory=list)
    format: int = FORMAT
    archive_sha256: str = ""  # only in the copy written next to the archive

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, place: str = MANIFEST_NAME) -> Manifest:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise MaintenanceError(f"the manifest is not JSON: {exc}", place=place) from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise MaintenanceError(
                f"unknown manifest format {raw.get('format') if isinstance(raw, dict) else raw!r}",
                place=place,
                hint=f"this restore.py reads format {FORMAT}; use the restore.py of the release that wrote it",
            )
        try:
            files = [FileEntry(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in raw["files"]]
            return cls(
                created=str(raw["created"]),
                host=str(raw.get("host", "")),
                mode=str(raw["mode"]),
                components=dict(raw.get("components", {})),
                files=files,
                archive_sha256=str(raw.get("archive_sha256", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MaintenanceError(f"the manifest misses or mistypes {exc}", place=place) from None

    def sections(self) -> list[str]:
        return sorted({f.path.split("/", 1)[0] for f in self.files})

    def files_of(self, section: str) -> list[FileEntry]:
        return [f for f in self.files if f.path.startswith(section + "/")]


def check_member_path(path: str) -> str:
    """Refuse absolute paths, ``..`` and unknown top-level sections: an archive cannot write outside its target."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise MaintenanceError(
            f"unsafe path {path!r} in the archive", hint="the archive was not written by backup.py"
        )
    if pure.parts[0] not in SECTIONS and path != MANIFEST_NAME:
        raise MaintenanceError(
            f"unknown section {pure.parts[0]!r} in the archive", hint="known: " + ", ".join(SECTIONS)
        )
    return path


def compare(manifest: Manifest, seen: dict[str, tuple[int, str]]) -> list[str]:
    """Differences between the manifest and the (size, sha256) of each member actually read; [] = intact."""
    problems: list[str] = []
    expected = {f.path: f for f in manifest.files}
    for path, entry in sorted(expected.items()):
        if path not in seen:
            problems.append(f"{path}: listed in the manifest, missing from the archive")
            continue
        size, digest = seen[path]
        if size != entry.size:
            problems.append(f"{path}: size {size}, manifest says {entry.size}")
        elif digest != entry.sha256:
            problems.append(f"{path}: sha256 {digest[:12]}…, manifest says {entry.sha256[:12]}…")
    for path in sorted(set(seen) - set(expected)):
        problems.append(f"{path}: in the archive, not in the manifest")
    return problems
