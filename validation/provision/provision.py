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

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from validation.components import COMPONENTS, Component
from validation.core.errors import EXIT_HARNESS, EXIT_OK
from validation.core.project import ComponentConfig, Project
from validation.docker.images.build import Runner, run_command
from validation.docker.images.names import official_image
from validation.docker.images.provision import provision_images
from validation.provision.apt import Apt, HostFacts, is_debian_package
from validation.provision.binaries import Which


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


def ensure_binary(
    spec: Component,
    config: ComponentConfig,
    item: Provisioned,
    *,
    host: HostFacts,
    apt: Apt,
    which: Which = shutil.which,
) -> None:
    """Fill ``item.binary``/``binary_status``: found on PATH, installed with apt, or why not."""
    item.binary = spec.find_binary(config, which)
    if item.binary:
        item.binary_status = "found"
        return
    names = " or ".join(spec.binary_names(config))
    if not is_debian_package(spec.debian_package):
        reason = f"no {names} on PATH and no Debian package: {spec.debian_package}"
    elif host.can_apt:
        ok, out = apt.install(spec.debian_package)
        item.binary = spec.find_binary(config, which)
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
        name: ComponentConfig(name, version=component.default_version, required=component.required_by_default)
        for name, component in COMPONENTS.items()
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
    which: Which = shutil.which,
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
        spec = COMPONENTS[name]
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
            item.image = official_image(COMPONENTS[name], configs[name])
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
