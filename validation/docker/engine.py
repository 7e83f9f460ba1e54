"""Make a Docker engine answer: install Debian's docker.io and start dockerd when allowed.

dockerd is started the one way that works on these machines and keeps the network rule:
``--bridge=none --iptables=false --ip6tables=false`` — no default bridge, so no
private-range address ever exists; containers use host networking on loopback only.
The engine is infrastructure: it keeps running after the harness (like a system service).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from validation.core.errors import ComponentUnavailable
from validation.core.wait import WaitTimeout, wait_until
from validation.provision.apt import Apt, HostFacts
from validation.provision.binaries import find_binary

DOCKERD_ARGS = ("--bridge=none", "--iptables=false", "--ip6tables=false")


def engine_answers(timeout: float = 2.0) -> bool:
    from validation.docker.client import engine_available

    return engine_available(timeout)


def ensure_engine(log: Path = Path("/tmp/stackcheck-dockerd.log"), timeout: float = 60.0) -> None:
    """Return when an engine answers; install/start one when root on Debian, else explain."""
    if engine_answers():
        return
    host = HostFacts.detect()
    if not find_binary(("dockerd",)):
        if not host.can_apt:
            raise ComponentUnavailable(
                "no Docker engine answers and dockerd is not installed",
                place="docker",
                hint="install docker.io and start `dockerd " + " ".join(DOCKERD_ARGS) + "`",
            )
        Apt().require("docker.io", retry="stackcheck provision --docker")
    if not host.is_root:
        raise ComponentUnavailable(
            "no Docker engine answers",
            place="docker",
            hint="start it as root: dockerd " + " ".join(DOCKERD_ARGS),
        )
    with log.open("ab") as out:
        subprocess.Popen(
            [find_binary(("dockerd",)) or "dockerd", *DOCKERD_ARGS],
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
