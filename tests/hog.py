"""A CPU hog for tests under load: one bounded busy loop in its own process, stopped on exit."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# the loop ends by itself after ``seconds`` even if nobody stops it (no orphan spins forever)
LOOP = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@contextmanager
def cpu_hog(seconds: float = 600) -> Iterator[subprocess.Popen[bytes]]:
    """Keep one core busy while the block runs."""
    hog = subprocess.Popen([sys.executable, "-c", LOOP.format(seconds=seconds)])
    try:
        yield hog
    finally:
        hog.terminate()
        hog.wait(timeout=10)
