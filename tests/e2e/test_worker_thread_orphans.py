"""A stack started from a worker thread (as the runner starts one per job) leaves nothing behind
when the harness is SIGKILLed: no atexit, no signal handler runs — only PR_SET_PDEATHSIG."""

import signal
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.orphans import processes_mentioning
from validation.core.wait import wait_until

pytestmark = pytest.mark.e2e


def test_sigkill_while_a_worker_thread_stack_runs_leaves_no_process(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    harness = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import threading, time; from pathlib import Path;"
            "from validation.core.project import Project;"
            "from validation.stack.stack import Stack, StackOptions;"
            f"s = Stack(Project.load(Path({str(REPO)!r})), StackOptions(run_root=Path({str(runs)!r})));"
            "t = threading.Thread(target=s.start); t.start(); t.join();"
            "print('up', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert harness.stdout is not None
        assert harness.stdout.readline().strip() == "up"
        assert len(processes_mentioning(str(runs))) >= 5, "the stack should be running"
        harness.send_signal(signal.SIGKILL)
        harness.wait(timeout=10)
    finally:
        if harness.poll() is None:
            harness.kill()
    wait_until(lambda: not processes_mentioning(str(runs)), timeout=15, what="no process left")
    assert processes_mentioning(str(runs)) == []
