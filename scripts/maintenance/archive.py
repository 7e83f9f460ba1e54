"""Writing and reading backup archives (tar.gz) with a sha256 per file, computed from the bytes stored.

``ArchiveWriter`` streams each file into the tar while hashing it, so a file that grows during the
copy (a live WAL segment) is stored and hashed as the consistent prefix of the size seen at open.
``verify_archive`` re-reads every member and compares it with the manifest.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from scripts.maintenance.common import MaintenanceError
from scripts.maintenance.manifest import MANIFEST_NAME, FileEntry, Manifest, check_member_path, compare


class _HashingReader(io.RawIOBase):
    def __init__(self, handle: IO[bytes], digest: hashlib._Hash) -> None:
        self.handle = handle
        self.digest = digest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


class ArchiveWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[FileEntry] = []
        self._tar = tarfile.open(path, "w:gz", compresslevel=6)  # noqa: SIM115 - closed by close()/abort()

    def add_file(self, source: Path, arcname: str) -> FileEntry | None:
        """Add ``source``; None when it vanished before it could be opened (a compacted-away block)."""
        check_member_path(arcname)
        try:
            handle = source.open("rb")
        except FileNotFoundError:
            return None
        with handle:
            stat = os.fstat(handle.fileno())
            info = tarfile.TarInfo(arcname)
            info.size = stat.st_size
            info.mtime = int(stat.st_mtime)
            info.mode = stat.st_mode & 0o777
            digest = hashlib.sha256()
            try:
                self._tar.addfile(info, _HashingReader(handle, digest))
            except OSError as exc:
                raise MaintenanceError(
                    f"{source} shrank while being copied ({exc})",
                    hint="a file was truncated under the backup; run it again",
                ) from None
        entry = FileEntry(arcname, info.size, digest.hexdigest())
        self.entries.append(entry)
        return entry

    def add_bytes(self, data: bytes, arcname: str) -> FileEntry:
        if arcname != MANIFEST_NAME:
            check_member_path(arcname)
        info = tarfile.TarInfo(arcname)
        info.size = len(data)
        info.mode = 0o644
        self._tar.addfile(info, io.BytesIO(data))
        entry = FileEntry(arcname, len(data), hashlib.sha256(data).hexdigest())
        if arcname != MANIFEST_NAME:
            self.entries.append(entry)
        return entry

    def add_tree(self, root: Path, prefix: str, skip: Iterable[str] = ()) -> int:
        """Every regular file under ``root`` (sorted), skipping top-level names in ``skip``; returns the count."""
        skipped = set(skip)
        count = 0
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if relative.parts[0] in skipped or not path.is_file() or path.is_symlink():
                continue
            if self.add_file(path, f"{prefix}/{relative.as_posix()}") is not None:
                count += 1
        return count

    def close(self, manifest: Manifest) -> None:
        manifest.files = sorted(self.entries, key=lambda e: e.path)
        self.add_bytes(manifest.to_json().encode(), MANIFEST_NAME)
        self._tar.close()

    def abort(self) -> None:
        self._tar.close()
        self.path.unlink(missing_ok=True)


def open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise MaintenanceError(
            f"cannot open the archive: {exc}", place=str(path), hint="is it a backup.py .tar.gz, complete?"
        ) from None


def read_manifest(path: Path) -> Manifest:
    with open_archive(path) as tar:
        try:
            member = tar.getmember(MANIFEST_NAME)
            handle = tar.extractfile(member)
        except (KeyError, tarfile.TarError, OSError, EOFError) as exc:
            raise MaintenanceError(
                f"no readable {MANIFEST_NAME} in the archive ({exc})",
                place=str(path),
                hint="the archive is truncated or was not written by backup.py",
            ) from None
        assert handle is not None
        return Manifest.from_json(handle.read().decode(), place=f"{path}:{MANIFEST_NAME}")


def verify_archive(path: Path) -> Manifest:
    """Every member's sha256 and size against the manifest; raises with the list of differences."""
    manifest = read_manifest(path)
    seen: dict[str, tuple[int, str]] = {}
    with open_archive(path) as tar:
        try:
            for member in tar:
                if member.name == MANIFEST_NAME:
                    continue
                check_member_path(member.name)
                if not member.isfile():
                    raise MaintenanceError(f"{member.name}: not a regular file", place=str(path))
                handle = tar.extractfile(member)
                assert handle is not None
                digest = hashlib.sha256()
                size = 0
                for chunk in iter(lambda h=handle: h.read(1 << 20), b""):  # type: ignore[misc]
                    digest.update(chunk)
                    size += len(chunk)
                seen[member.name] = (size, digest.hexdigest())
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise MaintenanceError(f"the archive is damaged: {exc}", place=str(path)) from None
    problems = compare(manifest, seen)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; … {len(problems) - 5} more" if len(problems) > 5 else "")
        raise MaintenanceError(
            f"the archive does not match its manifest: {shown}",
            place=str(path),
            hint="do not restore from it; take or pick another backup",
        )
    return manifest


def extract_section(
    path: Path, section: str, destination: Path, keep: Callable[[str], bool] = lambda _relative: True
) -> int:
    """Write the files under ``section`` (``prometheus/data/x`` → ``destination/x``) that ``keep``
    accepts (it gets the path relative to the section); returns the count."""
    count = 0
    with open_archive(path) as tar:
        for member in tar:
            if not member.name.startswith(section + "/") or not member.isfile():
                continue
            check_member_path(member.name)
            relative = member.name[len(section) + 1 :]
            if not keep(relative):
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            with target.open("wb") as out:
                for chunk in iter(lambda s=source: s.read(1 << 20), b""):  # type: ignore[misc]
                    out.write(chunk)
            os.chmod(target, member.mode & 0o777 or 0o644)
            count += 1
    return count
