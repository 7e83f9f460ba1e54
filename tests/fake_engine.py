"""A stand-in for the docker SDK's image calls, for provision and image-choice unit tests.

It keeps images by tag with their labels and creation order, fails pulls with ``pull_error``
(as an offline engine does), and ``build`` records the Dockerfile and takes its LABELs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import docker.errors

_LABEL = re.compile(r'^LABEL (".*?")=(".*")$')


class FakeImage:
    def __init__(self, tags: list[str], labels: dict[str, str], created: str) -> None:
        self.tags = tags
        self.attrs = {"Config": {"Labels": labels}, "Created": created}


class FakeImages:
    def __init__(self, present: dict[str, dict[str, str]], pull_error: str = "no such host") -> None:
        self.present = dict(present)
        self.created = {tag: f"2026-01-01T00:00:{i:02d}Z" for i, tag in enumerate(present)}
        self.pull_error = pull_error
        self.built: list[tuple[str, str]] = []
        self.pulled: list[str] = []

    def _add(self, tag: str, labels: dict[str, str]) -> FakeImage:
        self.present[tag] = labels
        self.created[tag] = f"2026-01-02T00:00:{len(self.created):02d}Z"
        return self.get(tag)

    def get(self, tag: str) -> FakeImage:
        if tag not in self.present:
            raise docker.errors.ImageNotFound(tag)
        return FakeImage([tag], self.present[tag], self.created[tag])

    def list(self, name: str = "", **_: Any) -> list[FakeImage]:
        return [self.get(t) for t in self.present if t.rpartition(":")[0] == name]

    def pull(self, repository: str, tag: str) -> FakeImage:
        self.pulled.append(f"{repository}:{tag}")
        if self.pull_error:
            raise docker.errors.APIError(self.pull_error)
        return self._add(f"{repository}:{tag}", {})

    def build(self, *, path: str, tag: str, **_: Any) -> tuple[FakeImage, list[Any]]:
        dockerfile = (Path(path) / "Dockerfile").read_text()
        self.built.append((tag, dockerfile))
        labels = {}
        for line in dockerfile.splitlines():
            match = _LABEL.match(line)
            if match:
                labels[json.loads(match.group(1))] = json.loads(match.group(2))
        return self._add(tag, labels), []


class FakeRunContainers:
    """``containers.run(tag, ["--version"])`` as a built image answers it: ``answer``, else the
    version its ``stackcheck.version`` label names."""

    def __init__(self, images: FakeImages, answer: str = "") -> None:
        self.images = images
        self.answer = answer
        self.runs: list[tuple[str, dict[str, Any]]] = []

    def run(self, tag: str, command: list[str], **kwargs: Any) -> bytes:
        self.runs.append((tag, kwargs))
        version = self.images.present[tag].get("stackcheck.version", "")
        return (self.answer or f"{tag}, version {version}+ds").encode()


class FakeClient:
    def __init__(self, images: FakeImages, version_answer: str = "") -> None:
        self.images = images
        self.containers = FakeRunContainers(images, version_answer)
