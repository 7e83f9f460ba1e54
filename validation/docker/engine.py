"""Make a Docker engine answer: install Debian's docker.io and start dockerd when allowed.

dockerd is started the one way that works on these machines and keeps the network rule:
``--bridge=none --iptables=false --ip6tables=false`` — no default bridge, so no
private-range address ever exists; containers use host networking on loopback only.
The engine is infrastructure: it keeps running after the harness (like a system service).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from validation.core.errors import ComponentUnavailable
from validation.core.wait import WaitTimeout, wait_until

DOCKERD_ARGS = ("--bridge=none", "--iptables=false", "--ip6tables=false")


def engine_answers(timeout: float = 2.0) -> bool:
    from validation.docker.client import engine_available

    return engine_available(timeout)


def can_install() -> bool:
    return os.geteuid() == 0 and Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None


def apt_install(packages: list[str]) -> None:
    from validation.provision.provision import Apt

    apt = Apt()
    for package in packages:
        ok, output = apt.install(package)
        if not ok:
            raise ComponentUnavailable(
                f"apt-get install {package} failed: {output.strip()[-300:]}",
                place="apt-get",
                hint="install the package by hand, then run `stackcheck provision --docker` again",
            )


def ensure_engine(log: Path = Path("/tmp/stackcheck-dockerd.log"), timeout: float = 60.0) -> None:
    """Return when an engine answers; install/start one when root on Debian, else explain."""
    if engine_answers():
        return
    if shutil.which("dockerd") is None:
        if not can_install():
            raise ComponentUnavailable(
                "no Docker engine answers and dockerd is not installed",
                place="docker",
                hint="install docker.io and start `dockerd " + " ".join(DOCKERD_ARGS) + "`",
            )
        apt_install(["docker.io"])
    if os.geteuid() != 0:
        raise ComponentUnavailable(
            "no Docker engine answers",
            place="docker",
            hint="start it as root: dockerd " + " ".join(DOCKERD_ARGS),
        )
    with log.open("ab") as out:
        subprocess.Popen(
            [shutil.which("dockerd") or "dockerd", *DOCKERD_ARGS],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        wait_until(
            engine_answers,
            timeout=timeout,
            what="the Docker engine to answer",
            interval=0.5,
            hint=f"see {log}",
        )
    except WaitTimeout as exc:
        raise ComponentUnavailable(exc.what, place="dockerd", hint=f"see {log}") from None
