"""The one apt probe: may this machine ``apt-get install``, and doing it (update once on failure).

Used by provision for the components' packages and by the Docker engine bootstrap for docker.io.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from validation.core.errors import ComponentUnavailable
from validation.docker.images.build import Runner, run_command
from validation.provision.binaries import find_binary

_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")


def is_debian_package(name: str) -> bool:
    return bool(_PACKAGE_NAME.fullmatch(name))


def install_hint(package: str) -> str:
    """How to get a binary that ``package`` ships (a non-Debian ``package`` says where instead)."""
    if not is_debian_package(package):
        return f"put the binary on PATH: {package}"
    return (
        f"run `stackcheck provision` (installs Debian's {package} when root on Debian), "
        f"or `apt-get install {package}`, or put the upstream binary on PATH"
    )


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
            has_apt=find_binary(("apt-get",)) != "",
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

    def require(self, package: str, *, retry: str) -> None:
        """Install ``package`` or raise ``ComponentUnavailable`` with apt's last words; ``retry`` is
        the command to run again once the package is installed by hand."""
        ok, output = self.install(package)
        if not ok:
            raise ComponentUnavailable(
                f"apt-get install {package} failed: {output.strip()[-300:]}",
                place="apt-get",
                hint=f"install the package by hand, then run `{retry}` again",
            )
