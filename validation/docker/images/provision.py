"""Provision each component's image: the pinned official one, else a local build from its binary.

Per component: the official image (stack.yaml) is kept when the engine holds it, pulled when
``pull`` allows, and otherwise a local image ``stackcheck-local/<component>:<version>`` is
built from the provisioned binary (FROM scratch + binary + its shared libraries), labelled
``stackcheck.built-from=<binary>@<version>`` and ``stackcheck.version``. The row records
which of the two a containers run uses, and why the official one is not.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from validation.components import COMPONENTS, Component
from validation.core.project import ComponentConfig
from validation.docker.images.build import (
    ImageOutcome,
    Runner,
    ensure_local,
    ensure_official,
    recipe_for,
    run_command,
)
from validation.docker.images.context import ImageRecipe
from validation.docker.images.names import local_image_name, official_image


class ImageRow(Protocol):
    """The part of provision's table row this module reads (binary) and fills (image)."""

    binary: str
    version: str
    image: str
    image_status: str
    image_source: str
    image_version: str
    reasons: list[str]


def recipe(
    component: Component,
    binary: str,
    version: str,
    *,
    debian_package: str,
    run: Runner = run_command,
    which: Callable[[str], str | None] = shutil.which,
) -> ImageRecipe:
    """What the local build of ``component`` holds: its binary (and extra tools) at the official paths."""
    extras = []
    for extra in component.extra_binaries:
        found = which(extra)
        if found:
            extras.append((Path(found), f"/bin/{extra}"))
    return recipe_for(
        component=component.name,
        tag=local_image_name(component.name, version),
        binary=Path(binary),
        version=version,
        entrypoint=component.container_entrypoint,
        extra_binaries=tuple(extras),
        debian_package=debian_package,
        run=run,
    )


def provision_image(
    client: Any, official: str, make_recipe: Callable[[], ImageRecipe] | None, *, pull: bool
) -> ImageOutcome:
    """The official image when the engine has it or can pull it, else the local build."""
    found = ensure_official(client, official, pull=pull)
    if found.status != "absent":
        return found
    if make_recipe is None:
        return ImageOutcome(official, "absent", reason=f"{found.reason}, and no local binary to build from")
    try:
        local = ensure_local(client, make_recipe())
    except Exception as exc:  # build errors, ldd failures: reported per component
        return ImageOutcome(official, "absent", reason=f"{found.reason}; the local build failed: {exc}")
    return ImageOutcome(
        local.tag,
        local.status,
        local.version,
        reason=f"{found.reason}; runs use the local build {local.tag}",
        source=local.source,
    )


def provision_images(
    items: Mapping[str, ImageRow],
    configs: dict[str, ComponentConfig],
    client: Any,
    *,
    pull: bool = False,
    run: Runner = run_command,
    which: Callable[[str], str | None] = shutil.which,
    debian_package: Callable[[Component], str] = lambda component: component.debian_package,
) -> None:
    """Fill each row's image columns; ``debian_package`` names the package whose data files
    the local build copies ('' for none)."""
    for name, item in items.items():
        component = COMPONENTS[name]
        make = None
        if item.binary:
            binary, version = item.binary, item.version

            def make(
                component: Component = component, binary: str = binary, version: str = version
            ) -> ImageRecipe:
                return recipe(
                    component, binary, version, debian_package=debian_package(component), run=run, which=which
                )

        outcome = provision_image(client, official_image(component, configs[name]), make, pull=pull)
        item.image = outcome.tag
        item.image_status = outcome.status
        item.image_source = outcome.source
        item.image_version = outcome.version
        if outcome.reason:
            item.reasons.append(outcome.reason)
