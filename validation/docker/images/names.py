"""Image names: the pinned official image, and the project's own name for a local build.

A local build is tagged ``stackcheck-local/<component>:<version of the binary in it>``,
never with an official name: a machine that can pull must never take a local build for
the real image, and a report must say which of the two ran.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # components import provision.apt, which imports images.build, which imports this
    from validation.components import Component
    from validation.core.project import ComponentConfig

LOCAL_REPOSITORY = "stackcheck-local"


def official_image(component: Component, config: ComponentConfig) -> str:
    """stack.yaml's ``image``, else the official repository at ``v<version>``."""
    if config.image:
        return config.image
    return f"{component.image}:v{config.version}" if config.version else f"{component.image}:latest"


def local_repository(component: str) -> str:
    return f"{LOCAL_REPOSITORY}/{component}"


def local_image_name(component: str, version: str) -> str:
    """``stackcheck-local/prometheus:2.42.0``; ``unversioned`` when the binary says no version."""
    return f"{local_repository(component)}:{version or 'unversioned'}"


def is_local_build_name(tag: str) -> bool:
    return tag.startswith(LOCAL_REPOSITORY + "/")


def tag_version(tag: str) -> str:
    """``prom/prometheus:v2.42.0`` → ``2.42.0``; '' without a tag."""
    name = tag.rsplit("/", 1)[-1]
    return name.split(":", 1)[1].removeprefix("v") if ":" in name else ""
