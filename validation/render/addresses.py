"""Map every host named in the configs to its own loopback address, keeping ports.

A run owns one block 127.B.0.0/16 (B taken with a lock file, so parallel runs on one machine
never share addresses). Each host gets 127.B.x.y in order of first use; the mapping is
deterministic for a given order of hosts. Nothing here ever resolves a name: a host the
configs name is never contacted, only its loopback stand-in.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from validation.core.errors import HarnessError

BLOCKS = range(40, 250)
# Machine-wide, never under $TMPDIR: loopback addresses are shared by every process on the
# machine, so a run with its own TMPDIR (a test session) must still see the others' blocks.
_LOCK_DIR = (
    Path("/tmp") if os.access("/tmp", os.W_OK) else Path(tempfile.gettempdir())
) / "stackcheck-blocks"
# One address per block that nothing ever listens on: unknown hosts are sent there, so a
# target the harness does not serve is down, exactly as an unreachable host would be.
BLACKHOLE_SUFFIX = (255, 254)


def _listening_blocks() -> set[int]:
    """The B of every 127.B.x.y a socket listens on now (Linux ``/proc/net/tcp``; empty elsewhere)."""
    blocks: set[int] = set()
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return blocks
    for line in lines:
        fields = line.split()
        if len(fields) > 3 and fields[3] == "0A":  # LISTEN
            address = fields[1].split(":")[0]  # little-endian hex: 127.B.x.y is yyxxBB7F
            if len(address) == 8 and address.endswith("7F"):
                blocks.add(int(address[4:6], 16))
    return blocks


def split_host_port(address: str) -> tuple[str, int | None]:
    """``host:port`` → (host, port); ``[::1]:9090`` and bare hosts work too."""
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, sep, port = address.rpartition(":")
    if sep and port.isdigit():
        return host, int(port)
    return address, None


@dataclass
class AddressMap:
    """Host name → loopback address for one run."""

    block: int
    hosts: dict[str, str] = field(default_factory=dict)
    _lock: IO[str] | None = None

    def address_of(self, host: str) -> str:
        host = host.strip().lower()
        if not host:
            raise ValueError("empty host")
        if host not in self.hosts:
            index = len(self.hosts) + 1
            if index >= 250 * 250 - 2:
                raise HarnessError("more than 62,500 hosts in one run", hint="split the stack")
            self.hosts[host] = f"127.{self.block}.{(index - 1) // 250}.{(index - 1) % 250 + 1}"
        return self.hosts[host]

    def map_address(self, address: str) -> str:
        """``gpu-node-7:9100`` → ``127.B.x.y:9100`` (port kept; no port stays no port)."""
        host, port = split_host_port(address)
        mapped = self.address_of(host)
        return f"{mapped}:{port}" if port is not None else mapped

    @property
    def blackhole(self) -> str:
        return f"127.{self.block}.{BLACKHOLE_SUFFIX[0]}.{BLACKHOLE_SUFFIX[1]}"

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    @classmethod
    def allocate(cls, preferred: int | None = None) -> AddressMap:
        """Take a free 127.B.0.0/16 block (lock file per block, released by ``release``)."""
        _LOCK_DIR.mkdir(parents=True, exist_ok=True)
        start = preferred if preferred is not None else 40 + os.getpid() % len(BLOCKS)
        order = [b for b in BLOCKS if b >= start] + [b for b in BLOCKS if b < start]
        busy = _listening_blocks()
        for block in order:
            if block in busy:  # someone listens there without our lock (another checkout's run)
                continue
            handle = (_LOCK_DIR / f"{block}.lock").open("w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            return cls(block=block, _lock=handle)
        raise HarnessError(
            "every loopback block 127.40-249.0.0/16 is taken by another stackcheck run",
            place=str(_LOCK_DIR),
            hint="wait for the other runs to finish, or remove stale lock files if none is running",
        )
