"""``stackcheck provision``: locate or install every component's binary, then make its image.

For each component of stack.yaml (or of every known component at its default version when
there is no stack/stack.yaml here):

1. binary — the Debian and the upstream name on PATH; when missing and running as root on
   Debian/Ubuntu, ``apt-get install -y <package>`` (``apt-get update`` once when that fails).
   Grafana has no Debian package: a component with ``required: false`` is reported absent
   with the reason, never an error.
2. image — only when a Docker engine answers (validation/docker/images/provision.py): the
   official image pinned in stack.yaml when present or pulled (``--pull``), else a local build
   ``stackcheck-local/<component>:<version>`` from the local binary; the table says which of
   the two a containers run uses.

Exit 0 when every required component has a binary or an image; 2 otherwise, naming exactly
what to install. Limits: installs only Debian packages; never downloads upstream tarballs.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from validation.components import SPECS, ComponentSpec
from validation.core.errors import EXIT_HARNESS, EXIT_OK
from validation.core.project import ComponentConfig, Project
from validation.docker.images.build import Runner, run_command
from validation.docker.images.names import official_image
from validation.docker.images.provision import provision_images

DEFAULT_VERSIONS = {
    "prometheus": "2.42.0",
    "alertmanager": "0.25.0",
    "pushgateway": "1.5.1",
    "node_exporter": "1.5.0",
    "grafana": "10.4.2",
}
OPTIONAL_BY_DEFAULT = ("grafana",)
_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")


@dataclass(frozen=True)
class HostFacts:
    """What this machine allows: apt installs need root on Debian/Ubuntu with apt-get."""

    is_root: bool
    is_debian: bool
    has_apt: bool

    @property
    def can_apt(self) -> bool:
        return self.is_root and self.is_debian and self.has_apt

    @classmethod
    def detect(cls) -> HostFacts:
        return cls(
            is_root=hasattr(os, "geteuid") and os.geteuid() == 0,
            is_debian=Path("/etc/debian_version").is_file(),
            has_apt=shutil.which("apt-get") is not None,
        )

    def why_not_apt(self) -> str:
        if not self.is_debian:
            return "not Debian/Ubuntu"
        if not self.has_apt:
            return "apt-get is not on PATH"
        return "not running as root"


class Apt:
    """``apt-get install``, with one ``apt-get update`` the first time an install fails."""

    def __init__(self, run: Runner = run_command) -> None:
        self.run = run
        self.updated = False

    def install(self, package: str) -> tuple[bool, str]:
        argv = ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", package]
        code, out = self.run(argv)
        if code != 0 and not self.updated:
            self.updated = True
            self.run(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update"])
            code, out = self.run(argv)
        return code == 0, out


@dataclass
class Provisioned:
    component: str
    required: bool
    binary: str = ""
    version: str = ""
    binary_status: str = ""  # found | installed | absent | missing
    image: str = ""
    image_status: str = ""  # present | pulled | built | rebuilt | absent | no engine
    image_source: str = ""  # official | local build: which of the two a containers run uses
    image_version: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return bool(self.binary) or self.image_status in ("present", "pulled", "built", "rebuilt")


def is_debian_package(name: str) -> bool:
    return bool(_PACKAGE_NAME.fullmatch(name))


def find_binary(spec: ComponentSpec, config: ComponentConfig, which: Callable[[str], str | None]) -> str:
    for candidate in (config.binary,) if config.binary else spec.binaries:
        found = which(candidate)
        if found:
            return found
    return ""


def ensure_binary(
    spec: ComponentSpec,
    config: ComponentConfig,
    item: Provisioned,
    *,
    host: HostFacts,
    apt: Apt,
    which: Callable[[str], str | None] = shutil.which,
) -> None:
    """Fill ``item.binary``/``binary_status``: found on PATH, installed with apt, or why not."""
    item.binary = find_binary(spec, config, which)
    if item.binary:
        item.binary_status = "found"
        return
    names = config.binary or " or ".join(spec.binaries)
    if not is_debian_package(spec.debian_package):
        reason = f"no {names} on PATH and no Debian package: {spec.debian_package}"
    elif host.can_apt:
        ok, out = apt.install(spec.debian_package)
        item.binary = find_binary(spec, config, which)
        if item.binary:
            item.binary_status = "installed"
            return
        last = out.strip().splitlines()[-1] if out.strip() else "no output"
        reason = (
            f"`apt-get install {spec.debian_package}` failed: {last}"
            if not ok
            else f"`apt-get install {spec.debian_package}` installed no {names}"
        )
    else:
        reason = (
            f"no {names} on PATH; install the Debian package: `apt-get install {spec.debian_package}` "
            f"(provision cannot: {host.why_not_apt()}), or put the upstream binary on PATH"
        )
    item.binary_status = "missing" if item.required else "absent"
    item.reasons.append(reason)


def component_configs(root: Path) -> dict[str, ComponentConfig]:
    """stack.yaml's components when ``root`` has one, else every known component at its default."""
    if (root / "stack" / "stack.yaml").is_file():
        return dict(Project.load(root).components)
    return {
        name: ComponentConfig(
            name, version=DEFAULT_VERSIONS.get(name, ""), required=name not in OPTIONAL_BY_DEFAULT
        )
        for name in SPECS
    }


def provision(
    root: Path = Path("."),
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    host: HostFacts | None = None,
    run: Runner = run_command,
    client: Any = None,
    pull: bool = True,
    which: Callable[[str], str | None] = shutil.which,
    use_engine: bool = True,
) -> int:
    """Provision binaries and images, print the table; the CLI's exit code (0 or 2)."""
    out = out or sys.stdout
    err = err or sys.stderr
    configs = component_configs(root)
    host = host or HostFacts.detect()
    apt = Apt(run)
    items: dict[str, Provisioned] = {}
    for name, config in configs.items():
        spec = SPECS[name]
        item = Provisioned(name, required=config.required)
        ensure_binary(spec, config, item, host=host, apt=apt, which=which)
        if item.binary:
            item.version = spec.version(item.binary)
            if config.version and item.version and item.version != config.version:
                item.reasons.append(
                    f"stack.yaml pins {config.version} but {item.binary} is {item.version}: "
                    f"runs (and images built here) use {item.version}; the run records it"
                )
        items[name] = item
    if client is None and use_engine:
        from validation.docker.client import engine_available, engine_client

        client = engine_client(timeout=10) if engine_available() else None
    if client is not None:
        provision_images(
            items,
            configs,
            client,
            pull=pull,
            run=run,
            which=which,
            debian_package=lambda spec: spec.debian_package if is_debian_package(spec.debian_package) else "",
        )
    else:
        for name, item in items.items():
            item.image = official_image(SPECS[name], configs[name])
            item.image_status = "no engine"
    out.write(format_table(list(items.values())))
    if client is None:
        out.write("no Docker engine answers: images not provisioned (the process backend needs none)\n")
    else:
        out.write(images_summary(list(items.values())))
    failed = [item for item in items.values() if item.required and not item.usable]
    for item in items.values():
        for reason in item.reasons:
            level = "error" if item in failed else "note"
            print(f"stackcheck provision: {level}: {item.component}: {reason}", file=err)
    return EXIT_HARNESS if failed else EXIT_OK


def format_table(items: list[Provisioned]) -> str:
    header = ("component", "binary", "version", "image", "image status")
    rows = [header]
    for item in items:
        binary = item.binary or f"({item.binary_status})"
        version = item.version or "-"
        if item.image_version and item.image_version != item.version:
            version = f"{version} (image {item.image_version})"
        status = f"{item.image_source}, {item.image_status}" if item.image_source else item.image_status
        rows.append((item.component, binary, version, item.image or "-", status or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def images_summary(items: list[Provisioned]) -> str:
    """One line per source: which components a containers run starts from which kind of image."""
    by_source: dict[str, list[str]] = {}
    for item in items:
        by_source.setdefault(item.image_source or "no image", []).append(item.component)
    parts = [f"{source}: {', '.join(names)}" for source, names in by_source.items()]
    return "containers runs use — " + "; ".join(parts) + "\n"
