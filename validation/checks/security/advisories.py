"""security/advisories/<component>/<advisory> — no component is pinned to, or runs, an affected version.

Catches: a stack.yaml that pins (and a run that really starts — ``--version`` of the binary,
the version label of a locally built image, and ``dpkg-query`` for the Debian revision when
the binary comes from a Debian package) a release inside the affected range of a known
advisory in advisories.yaml beside this module. A hit fails naming the advisory and the
fixed version; a Debian package revision listed as carrying a backported fix is not a hit.
Where a stack cannot move, accept the hit with a waiver in .stackcheck-waivers.yml stating
the reason — the stable id above is what the waiver names; never delete the entry.

Pinned versions are checked in ``stackcheck check``; in a run the running binaries too.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from validation.checks.base import Check, CheckContext
from validation.checks.security.versions import debian_compare, debian_revision, debian_upstream, in_range
from validation.core.errors import HarnessError, StackcheckError
from validation.core.results import Report
from validation.core.yamlload import load_yaml

if TYPE_CHECKING:
    from validation.stack.stack import Stack

ADVISORIES = Path(__file__).with_name("advisories.yaml")


@dataclass(frozen=True)
class Advisory:
    id: str
    component: str
    summary: str
    affected: tuple[str, ...]
    fixed: tuple[str, ...]
    debian_fixed: tuple[str, ...] = ()
    fixed_builds: tuple[str, ...] = ()
    source: str = ""

    def affects(self, version: str, debian: str = "") -> bool:
        if not version or version in self.fixed_builds:
            return False
        try:
            hit = any(in_range(version, spec) for spec in self.affected)
        except ValueError:
            return False
        if hit and debian:
            same = [d for d in self.debian_fixed if debian_upstream(d) == debian_upstream(debian)]
            if any(debian_compare(debian, d) >= 0 for d in same):
                return False
        return hit


@dataclass
class Seen:
    """One version of a component, and where it was seen."""

    version: str
    where: str
    debian: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def load_advisories(path: Path = ADVISORIES) -> list[Advisory]:
    data = load_yaml(path) or {}
    out = []
    for index, entry in enumerate(data.get("advisories") or []):
        try:
            out.append(
                Advisory(
                    id=str(entry["id"]),
                    component=str(entry["component"]),
                    summary=str(entry.get("summary", "")),
                    affected=tuple(str(a) for a in entry["affected"]),
                    fixed=tuple(str(f) for f in entry.get("fixed") or ()),
                    debian_fixed=tuple(str(d) for d in entry.get("debian_fixed") or ()),
                    fixed_builds=tuple(str(b) for b in entry.get("fixed_builds") or ()),
                    source=str(entry.get("source", "")),
                )
            )
        except (KeyError, TypeError) as exc:
            raise HarnessError(
                f"advisory #{index + 1} lacks {exc}", place=str(path), hint="give id, component, affected"
            ) from None
    return out


def running_versions(stack: Stack) -> dict[str, Seen]:
    """What the run really started: the binary's --version (+ Debian revision) or the image's label."""
    seen: dict[str, Seen] = {}
    for inst in stack.instances():
        name = inst.component.name
        if name in seen or inst.launch is None:
            continue
        version = stack.versions.get(name, "")
        if inst.launch.binary:
            binary = os.path.realpath(inst.launch.binary)
            seen[name] = Seen(version, f"running {binary}", debian_revision(binary))
        elif inst.launch.image:
            seen[name] = Seen(version, f"running image {inst.launch.image}", _image_debian(inst.launch.image))
    return seen


def _image_debian(tag: str) -> str:
    """A locally built image carries the host binary it was built from: its Debian revision."""
    try:
        from validation.docker.client import engine_client
        from validation.docker.images.build import image_labels, present_image
        from validation.docker.images.context import LABEL_BUILT_FROM

        image = present_image(engine_client(timeout=10), tag)
        built_from = image_labels(image).get(LABEL_BUILT_FROM, "") if image is not None else ""
    except (StackcheckError, OSError, ImportError):
        return ""
    binary = built_from.rpartition("@")[0]
    return debian_revision(os.path.realpath(binary)) if binary else ""


class AdvisoriesCheck(Check):
    id = "security/advisories"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        advisories = load_advisories()
        running = running_versions(ctx.stack) if ctx.stack is not None else {}
        for advisory in advisories:
            start = time.monotonic()
            config = ctx.project.components.get(advisory.component)
            if config is None:
                continue
            check_id = f"{self.id}/{advisory.component}/{advisory.id}"
            seen = [Seen(config.version, "pinned in stack.yaml")] if config.version else []
            if advisory.component in running:
                seen.append(running[advisory.component])
            hits = [s for s in seen if advisory.affects(s.version, s.debian)]
            described = "; ".join(
                f"{s.where}: {s.version or 'unknown'}" + (f" (Debian {s.debian})" if s.debian else "")
                for s in seen
            )
            seconds = time.monotonic() - start
            if hits:
                report.failed(
                    check_id,
                    self.kind,
                    f"{advisory.id} ({advisory.summary}) affects {advisory.component} {described}; "
                    f"fixed in {', '.join(advisory.fixed)}. Hint: upgrade, or accept it in "
                    f".stackcheck-waivers.yml with the reason ({advisory.source})",
                    seconds,
                    file=str(ctx.project.stack_dir / "stack.yaml"),
                    fixed=list(advisory.fixed),
                    source=advisory.source,
                )
            elif seen:
                report.passed(check_id, self.kind, f"not affected: {described}", seconds)
            else:
                report.skipped(
                    check_id, self.kind, f"no version of {advisory.component} is pinned or running"
                )
