"""Which image a containers run uses for a component: the official one, else the local build.

The pinned official image (stack.yaml) is used when the local engine holds it, genuine —
what a machine that can pull has. Otherwise the local build ``stackcheck-local/<component>``:
the one at the pinned version when present, else the newest (provision tags a build with
the version of the binary in it, which may differ from the pin). Nothing is pulled here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validation.components import COMPONENTS, Component
from validation.core.errors import ComponentUnavailable
from validation.core.project import ComponentConfig
from validation.docker.images.build import LOCAL, OFFICIAL, built_by_stackcheck, image_labels, present_image
from validation.docker.images.context import LABEL_VERSION
from validation.docker.images.names import local_image_name, local_repository, official_image, tag_version


@dataclass(frozen=True)
class ImageChoice:
    component: str
    official: str  # stack.yaml's pinned official image
    image: str = ""  # what a run starts; '' when the engine has neither
    source: str = ""  # OFFICIAL | LOCAL | ''
    version: str = ""  # what really runs in it

    def describe(self) -> str:
        return (
            f"{self.image} ({self.source})"
            if self.image
            else f"none ({self.official} absent, no local build)"
        )


def choose_image(component: Component, config: ComponentConfig, client: Any) -> ImageChoice:
    official = official_image(component, config)
    image = present_image(client, official)
    if image is not None and not built_by_stackcheck(image):
        return ImageChoice(component.name, official, official, OFFICIAL, tag_version(official))
    pinned = local_image_name(component.name, config.version) if config.version else ""
    image = present_image(client, pinned) if pinned else None
    tag = pinned
    if image is None:
        tag, image = _newest(client.images.list(name=local_repository(component.name)), component.name)
    if image is None:
        return ImageChoice(component.name, official)
    version = image_labels(image).get(LABEL_VERSION) or tag_version(tag)
    return ImageChoice(component.name, official, tag, LOCAL, version)


def _newest(images: list[Any], component: str) -> tuple[str, Any]:
    repository = local_repository(component) + ":"
    tagged = [
        (str((image.attrs or {}).get("Created", "")), tag, image)
        for image in images
        for tag in image.tags or []
        if tag.startswith(repository)
    ]
    if not tagged:
        return "", None
    _, tag, image = max(tagged, key=lambda entry: (entry[0], entry[1]))
    return tag, image


def image_for(component: Component, config: ComponentConfig, client: Any = None) -> ImageChoice:
    """The image a run starts for ``component``; ``ComponentUnavailable`` when the engine has none."""
    from validation.docker.client import engine_client

    choice = choose_image(component, config, client or engine_client(timeout=10))
    if not choice.image:
        raise ComponentUnavailable(
            f"neither {choice.official} nor a local build {local_repository(component.name)} is in the local "
            "Docker engine",
            place=component.name,
            hint="run `stackcheck provision --docker` (builds it from the local binary; "
            "`--pull` fetches the official image on a machine that can pull)",
        )
    return choice


def choose_images(configs: dict[str, ComponentConfig], client: Any = None) -> dict[str, ImageChoice]:
    """Component → the image a containers run would use (``image`` '' when none)."""
    from validation.docker.client import engine_client

    client = client or engine_client(timeout=10)
    return {name: choose_image(COMPONENTS[name], config, client) for name, config in configs.items()}
