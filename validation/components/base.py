"""What every component module declares: binary names, image, readiness and flags.

A component module describes; it never starts anything (that is the backends' job) and
never rewrites configs (that is render's job).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field

from validation.core.errors import ComponentUnavailable


@dataclass(frozen=True)
class ComponentSpec:
    name: str
    binaries: tuple[str, ...]  # Debian name and upstream name, first found wins
    debian_package: str
    image: str  # official image (repository only; the tag comes from stack.yaml)
    ready_path: str
    healthy_path: str
    container_entrypoint: str  # where the official image keeps the binary
    path_flags: tuple[str, ...] = ()  # flags whose value is a path moved into the run directory
    auth_protected: bool = True  # --web.config.file basic auth covers every endpoint
    extra_binaries: tuple[str, ...] = field(default_factory=tuple)

    def find_binary(self, override: str = "") -> str:
        candidates = (override,) if override else self.binaries
        for candidate in candidates:
            found = shutil.which(candidate)
            if found:
                return found
        raise ComponentUnavailable(
            f"{self.name}: none of the binaries {', '.join(candidates)} is on PATH",
            place=self.name,
            hint=f"run `stackcheck provision` (installs Debian's {self.debian_package} when root on Debian), "
            f"or `apt-get install {self.debian_package}`, or put the upstream binary on PATH",
        )

    def version(self, binary: str) -> str:
        """The version the binary reports (``--version``), e.g. 2.42.0; '' when unknown."""
        try:
            out = subprocess.run(
                [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        match = re.search(r"version\s+v?(\d+\.\d+\.\d+)", out.stdout + out.stderr)
        return match.group(1) if match else ""
