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

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from validation.components import COMPONENTS, Component
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


def image_tag(spec: Component, config: ComponentConfig) -> str:
    """The image to run: stack.yaml's ``image``, else the official repository at ``v<version>``."""
    if config.image:
        return config.image
    return f"{spec.image}:v{config.version}" if config.version else f"{spec.image}:latest"


def image_for(spec: Component, config: ComponentConfig, client: Any = None) -> str:
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
    return {
        name: image_version(image_tag(COMPONENTS[name], config), client) for name, config in configs.items()
    }


def missing_images(configs: dict[str, ComponentConfig], client: Any = None) -> list[str]:
    """Tags of the images ``configs`` need that the local engine lacks (for ``--backend auto``)."""
    from validation.backends.containers import engine_client

    client = client or engine_client(timeout=10)
    tags = [image_tag(COMPONENTS[name], config) for name, config in configs.items()]
    return [tag for tag in tags if local_image(client, tag) is None]


def component_configs(root: Path) -> dict[str, ComponentConfig]:
    """stack.yaml's components when ``root`` has one, else every known component at its default."""
    if (root / "stack" / "stack.yaml").is_file():
        return dict(Project.load(root).components)
    return {
        name: ComponentConfig(name, version=component.default_version, required=component.required_by_default)
        for name, component in COMPONENTS.items()
    }


def _recipe(
    spec: Component, item: Provisioned, tag: str, run: Runner, which: Which
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
    which: Which = shutil.which,
) -> None:
    for name, item in items.items():
        spec = COMPONENTS[name]
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
        from validation.backends.containers import engine_available, engine_client

        client = engine_client(timeout=10) if engine_available() else None
    if client is not None:
        provision_images(items, configs, client, pull=pull, run=run, which=which)
    else:
        for name, item in items.items():
            item.image = image_tag(COMPONENTS[name], configs[name])
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
