"""``stackcheck provision``: locate or install every component's binary, then make its image.

For each component of stack.yaml (or of every known component at its default version when
there is no stack/stack.yaml here):

1. binary — the Debian and the upstream name on PATH; when missing and running as root on
   Debian/Ubuntu, ``apt-get install -y <package>`` (``apt-get update`` once when that fails).
   Grafana has no Debian package: a component with ``required: false`` is reported absent
   with the reason, never an error.
2. image — only when a Docker engine answers: the image pinned in stack.yaml is kept when
   present, pulled otherwise, and when the pull fails (no registry reachable) BUILT under the
   same tag from the local binary (FROM scratch + binary + its shared libraries); such an
   image carries ``stackcheck.built-from=<binary>@<version>`` and ``stackcheck.version``.

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
from validation.core.errors import EXIT_HARNESS, EXIT_OK, ComponentUnavailable
from validation.core.project import ComponentConfig, Project
from validation.docker.images.build import (
    ImageOutcome,
    Runner,
    ensure_image,
    image_labels,
    local_image,
    recipe_for,
    run_command,
    tag_version,
)
from validation.docker.images.context import LABEL_VERSION, ImageRecipe

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


def image_tag(spec: ComponentSpec, config: ComponentConfig) -> str:
    """The image to run: stack.yaml's ``image``, else the official repository at ``v<version>``."""
    if config.image:
        return config.image
    return f"{spec.image}:v{config.version}" if config.version else f"{spec.image}:latest"


def image_for(spec: ComponentSpec, config: ComponentConfig, client: Any = None) -> str:
    """The image tag to run for ``spec``; ``ComponentUnavailable`` when the engine lacks it."""
    from validation.backends.containers import engine_client

    tag = image_tag(spec, config)
    client = client or engine_client(timeout=10)
    if local_image(client, tag) is None:
        raise ComponentUnavailable(
            f"image {tag} is not present in the local Docker engine",
            place=spec.name,
            hint="run `stackcheck provision` (pulls it, or builds it from the local binary when offline)",
        )
    return tag


def image_version(tag: str, client: Any = None) -> str:
    """The version that really runs in ``tag``: the built binary's, else the tag's; '' if absent."""
    from validation.backends.containers import engine_client

    client = client or engine_client(timeout=10)
    image = local_image(client, tag)
    if image is None:
        return ""
    return image_labels(image).get(LABEL_VERSION) or tag_version(tag)


def image_versions(configs: dict[str, ComponentConfig], client: Any = None) -> dict[str, str]:
    """Component → version really in its local image ('' when the image is absent)."""
    from validation.backends.containers import engine_client

    client = client or engine_client(timeout=10)
    return {name: image_version(image_tag(SPECS[name], config), client) for name, config in configs.items()}


def missing_images(configs: dict[str, ComponentConfig], client: Any = None) -> list[str]:
    """Tags of the images ``configs`` need that the local engine lacks (for ``--backend auto``)."""
    from validation.backends.containers import engine_client

    client = client or engine_client(timeout=10)
    tags = [image_tag(SPECS[name], config) for name, config in configs.items()]
    return [tag for tag in tags if local_image(client, tag) is None]


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


def _recipe(
    spec: ComponentSpec, item: Provisioned, tag: str, run: Runner, which: Callable[[str], str | None]
) -> Callable[[], ImageRecipe]:
    def make() -> ImageRecipe:
        extras = []
        for extra in spec.extra_binaries:
            found = which(extra)
            if found:
                extras.append((Path(found), f"/bin/{extra}"))
        return recipe_for(
            component=spec.name,
            tag=tag,
            binary=Path(item.binary),
            version=item.version,
            entrypoint=spec.container_entrypoint,
            extra_binaries=tuple(extras),
            debian_package=spec.debian_package if is_debian_package(spec.debian_package) else "",
            run=run,
        )

    return make


def provision_images(
    items: dict[str, Provisioned],
    configs: dict[str, ComponentConfig],
    client: Any,
    *,
    pull: bool = True,
    run: Runner = run_command,
    which: Callable[[str], str | None] = shutil.which,
) -> None:
    for name, item in items.items():
        spec = SPECS[name]
        item.image = image_tag(spec, configs[name])
        try:
            outcome = ensure_image(
                client,
                item.image,
                recipe=_recipe(spec, item, item.image, run, which) if item.binary else None,
                pull=pull,
            )
        except Exception as exc:  # build errors, ldd failures: reported per component
            outcome = ImageOutcome(item.image, "absent", reason=f"building {item.image} failed: {exc}")
        item.image_status = outcome.status
        item.image_version = outcome.version
        if outcome.reason:
            item.reasons.append(outcome.reason)


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
        from validation.backends.containers import engine_available, engine_client

        client = engine_client(timeout=10) if engine_available() else None
    if client is not None:
        provision_images(items, configs, client, pull=pull, run=run, which=which)
    else:
        for name, item in items.items():
            item.image = image_tag(SPECS[name], configs[name])
            item.image_status = "no engine"
    out.write(format_table(list(items.values())))
    if client is None:
        out.write("no Docker engine answers: images not provisioned (the process backend needs none)\n")
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
        rows.append((item.component, binary, version, item.image or "-", item.image_status or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"
