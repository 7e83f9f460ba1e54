"""Get an image into the local engine: the official one kept or pulled, or a local build.

``ensure_official`` keeps or pulls the pinned official image; ``ensure_local`` builds
``stackcheck-local/<component>:<version>`` from the local binary. Every engine call goes
through the docker SDK client it is given, every host command through an injected runner,
so tests replace both.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validation.docker.images.context import (
    LABEL_BUILT_FROM,
    LABEL_COMPONENT,
    LABEL_VERSION,
    ImageRecipe,
    is_static,
    parse_ldd,
    write_context,
)
from validation.docker.images.names import LOCAL_REPOSITORY, is_local_build_name, tag_version

Runner = Callable[[list[str]], tuple[int, str]]
_SKIPPED_SHARE = ("doc", "man", "lintian", "bash-completion", "zsh", "fish", "info")


def run_command(argv: list[str]) -> tuple[int, str]:
    """Run a host command; (exit code, stdout+stderr). A missing program is exit 127."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    except FileNotFoundError:
        return 127, f"{argv[0]}: not found"
    except subprocess.TimeoutExpired:
        return 124, f"{' '.join(argv)}: timed out"
    return out.returncode, out.stdout + out.stderr


OFFICIAL = "official"
LOCAL = "local build"


@dataclass(frozen=True)
class ImageOutcome:
    tag: str
    status: str  # present | pulled | built | rebuilt | absent
    version: str = ""  # what really runs in it: the built binary's version, else the tag's
    reason: str = ""
    source: str = ""  # OFFICIAL | LOCAL; '' when absent


def package_data_files(listing: str, is_file: Callable[[Path], bool] = Path.is_file) -> list[Path]:
    """Regular files a Debian package installs under /usr/share, docs and shell completions excluded.

    Debian's builds read templates and web assets from there (Alertmanager's default.tmpl,
    Pushgateway's template.html). Directory symlinks into other packages are not followed.
    """
    files = []
    for line in listing.splitlines():
        path = Path(line.strip())
        parts = path.parts
        if len(parts) < 4 or parts[:3] != ("/", "usr", "share") or parts[3] in _SKIPPED_SHARE:
            continue
        if is_file(path):
            files.append(path)
    return files


def recipe_for(
    *,
    component: str,
    tag: str,
    binary: Path,
    version: str,
    entrypoint: str,
    extra_binaries: tuple[tuple[Path, str], ...] = (),
    debian_package: str = "",
    run: Runner = run_command,
) -> ImageRecipe:
    """Collect what the image needs: ``ldd`` of every binary and the package's data files."""
    libraries: list[Path] = []
    for path in (binary, *(host for host, _ in extra_binaries)):
        code, out = run(["ldd", str(path)])
        if is_static(out):
            continue
        if code != 0:
            raise RuntimeError(f"ldd {path} failed: {out.strip()}")
        libraries += [lib for lib in parse_ldd(out) if lib not in libraries]
    data: list[Path] = []
    if debian_package:
        code, out = run(["dpkg", "-L", debian_package])
        if code == 0:
            data = package_data_files(out)
    return ImageRecipe(
        tag=tag,
        binary=binary,
        entrypoint=entrypoint,
        libraries=tuple(libraries),
        extra_binaries=extra_binaries,
        data_files=tuple(data),
        labels={
            LABEL_BUILT_FROM: f"{binary}@{version}",
            LABEL_VERSION: version,
            LABEL_COMPONENT: component,
        },
    )


def present_image(client: Any, tag: str) -> Any | None:
    import docker.errors

    try:
        return client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None


def image_labels(image: Any) -> dict[str, str]:
    config = (image.attrs or {}).get("Config") or {}
    return dict(config.get("Labels") or {})


def try_pull(client: Any, tag: str) -> str:
    """Pull ``tag``; '' on success, else the engine's reason (offline it fails within a second)."""
    repository, _, version = tag.rpartition(":") if ":" in tag.rsplit("/", 1)[-1] else (tag, "", "latest")
    try:
        client.images.pull(repository, tag=version)
    except Exception as exc:
        text = str(getattr(exc, "explanation", None) or exc).strip().splitlines()
        return text[0] if text else exc.__class__.__name__
    return ""


def verify_image(client: Any, tag: str) -> str:
    """Run ``<tag> --version`` with no network; its output. Raises when the image cannot start."""
    output = client.containers.run(
        tag, ["--version"], network_mode="none", remove=True, stdout=True, stderr=True
    )
    return bytes(output).decode("utf-8", "replace").strip()


def build_image(client: Any, recipe: ImageRecipe) -> Any:
    with tempfile.TemporaryDirectory(prefix="stackcheck-image-") as tmp:
        context = write_context(recipe, Path(tmp))
        image, _logs = client.images.build(path=str(context), tag=recipe.tag, rm=True, forcerm=True)
    return image


def built_by_stackcheck(image: Any) -> bool:
    return LABEL_BUILT_FROM in image_labels(image)


def ensure_official(client: Any, tag: str, *, pull: bool) -> ImageOutcome:
    """The pinned official image: present (and genuine), pulled, or absent with the reason.

    An image under the official name that stackcheck built (an older release tagged its local
    builds so) is not the official image: it is reported, never used as one, and a pull
    replaces it.
    """
    image = present_image(client, tag)
    mistagged = ""
    if image is not None:
        if not built_by_stackcheck(image):
            return ImageOutcome(tag, "present", tag_version(tag), source=OFFICIAL)
        mistagged = (
            f"{tag} here is a local build that an older stackcheck tagged with the official name: "
            f"not used (remove it: `docker rmi {tag}`)"
        )
    if not pull:
        why = "not pulled (pulling is off: `stackcheck provision --pull` to try)"
        return ImageOutcome(tag, "absent", reason=mistagged or f"{tag} {why}")
    failure = try_pull(client, tag)
    if not failure:
        return ImageOutcome(tag, "pulled", tag_version(tag), source=OFFICIAL)
    return ImageOutcome(
        tag, "absent", reason="; ".join(filter(None, (mistagged, f"{tag} not pulled ({failure})")))
    )


def ensure_local(client: Any, recipe: ImageRecipe) -> ImageOutcome:
    """The local build ``recipe`` describes: kept when built from the same binary, else (re)built.

    Refuses an official name: a local build is tagged only under ``stackcheck-local/``.
    """
    if not is_local_build_name(recipe.tag):
        raise ValueError(f"{recipe.tag}: a local build is tagged only under {LOCAL_REPOSITORY}/")
    version = recipe.labels[LABEL_VERSION]
    image = present_image(client, recipe.tag)
    if image is not None and image_labels(image).get(LABEL_BUILT_FROM) == recipe.labels[LABEL_BUILT_FROM]:
        return ImageOutcome(recipe.tag, "present", version, source=LOCAL)
    build_image(client, recipe)
    version_line = verify_image(client, recipe.tag)
    if version not in version_line:
        raise RuntimeError(f"{recipe.tag} built but `--version` says {version_line!r}")
    return ImageOutcome(recipe.tag, "rebuilt" if image is not None else "built", version, source=LOCAL)
