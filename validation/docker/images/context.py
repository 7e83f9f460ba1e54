"""The build context of a local image: FROM scratch + the binary + its shared libraries.

Limits: the image holds only what ``ldd`` names (libc, the dynamic loader), the package's
data files under /usr/share when given, and a minimal /etc (passwd, group, nsswitch.conf) —
enough for the statically configured Go servers of this stack, which resolve nothing but
loopback addresses. A binary that dlopen()s libraries at run time is not covered.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

LABEL_BUILT_FROM = "stackcheck.built-from"
LABEL_VERSION = "stackcheck.version"
LABEL_COMPONENT = "stackcheck.component"

_ETC_FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n",
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
    "etc/nsswitch.conf": "hosts: files dns\n",
}
# ldd lines: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
_LDD_ARROW = re.compile(r"^\s*\S+\s+=>\s+(/\S+)\s+\(0x[0-9a-f]+\)\s*$")
_LDD_PATH = re.compile(r"^\s*(/\S+)\s+\(0x[0-9a-f]+\)\s*$")


@dataclass(frozen=True)
class ImageRecipe:
    """What goes into one image: the entrypoint binary, extra tools, libraries and labels."""

    tag: str
    binary: Path
    entrypoint: str  # the official image's path of the binary, e.g. /bin/prometheus
    libraries: tuple[Path, ...] = ()
    extra_binaries: tuple[tuple[Path, str], ...] = ()  # (host path, path in the image)
    data_files: tuple[Path, ...] = ()  # copied at the same path (a package's /usr/share files)
    labels: dict[str, str] = field(default_factory=dict)


def parse_ldd(output: str) -> list[Path]:
    """The library paths ``ldd`` resolved, in order, without duplicates.

    ``linux-vdso`` (no path) is skipped. A "not found" library raises ``ValueError`` naming it:
    an image missing a library would die at start-up with a less helpful message.
    """
    paths: list[Path] = []
    for line in output.splitlines():
        if "=> not found" in line:
            raise ValueError(f"shared library {line.split('=>')[0].strip()} not found")
        match = _LDD_ARROW.match(line) or _LDD_PATH.match(line)
        if match and Path(match.group(1)) not in paths:
            paths.append(Path(match.group(1)))
    return paths


def is_static(ldd_output: str) -> bool:
    return "not a dynamic executable" in ldd_output or "statically linked" in ldd_output


def dockerfile(recipe: ImageRecipe) -> str:
    """The Dockerfile text: everything is pre-laid out under rootfs/ by ``write_context``."""
    lines = ["FROM scratch", "COPY rootfs/ /"]
    for key, value in sorted(recipe.labels.items()):
        lines.append(f"LABEL {json.dumps(key)}={json.dumps(value)}")
    lines += ["USER root", "WORKDIR /", f"ENTRYPOINT {json.dumps([recipe.entrypoint])}"]
    return "\n".join(lines) + "\n"


def context_layout(recipe: ImageRecipe) -> dict[str, Path]:
    """Path inside the image (relative, no leading slash) → file on the host to copy there."""
    layout: dict[str, Path] = {recipe.entrypoint.lstrip("/"): recipe.binary}
    for host, inside in recipe.extra_binaries:
        layout[inside.lstrip("/")] = host
    for path in (*recipe.libraries, *recipe.data_files):
        layout.setdefault(str(path).lstrip("/"), path)
    return layout


def write_context(recipe: ImageRecipe, directory: Path) -> Path:
    """Write Dockerfile + rootfs/ into ``directory``; symlinks are copied as the files they name."""
    rootfs = directory / "rootfs"
    for inside, host in context_layout(recipe).items():
        target = rootfs / inside
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(host, target, follow_symlinks=True)
    for inside, text in _ETC_FILES.items():
        target = rootfs / inside
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_text(text, encoding="utf-8")
    tmp = rootfs / "tmp"
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o1777)
    (directory / "Dockerfile").write_text(dockerfile(recipe), encoding="utf-8")
    return directory
