"""PR_SET_PDEATHSIG is per thread: a child forked by a worker thread would die when that thread
ends, or — without the signal — outlive a SIGKILLed harness. The backend forks on one long-lived
spawner thread: the child outlives the worker, and dies with the harness."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from validation.core.wait import wait_until

pytestmark = pytest.mark.unit

HARNESS = textwrap.dedent(
    """
    import threading, time, sys
    from pathlib import Path
    from validation.backends.base import LaunchSpec
    from validation.backends.process import ProcessBackend

    backend = ProcessBackend()
    pids = []

    def worker():
        spec = LaunchSpec(name="sleeper", component="sleep", binary="/bin/sleep", image="",
                          args=["300"], workdir=Path(sys.argv[1]), listen=("127.0.0.1", 0))
        pids.append(backend.launch(spec).proc.pid)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()  # the thread that asked for the child is gone now
    time.sleep(0.5)
    print(pids[0], flush=True)
    time.sleep(300)
    """
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_a_child_started_from_a_worker_thread_outlives_the_thread_and_dies_with_the_harness(tmp_path):
    harness = subprocess.Popen(
        [sys.executable, "-c", HARNESS, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    child = 0
    try:
        assert harness.stdout is not None
        child = int(harness.stdout.readline())
        time.sleep(0.5)
        assert _alive(child), "the child died with the worker thread that started it"
        harness.send_signal(signal.SIGKILL)
        harness.wait(timeout=10)
        wait_until(lambda: not _alive(child), timeout=10, what="the child to die with the harness")
    finally:
        if harness.poll() is None:
            harness.kill()
        if child and _alive(child):  # the defect this test exists for: do not leave it behind
            os.kill(child, signal.SIGKILL)
