"""A scratch git repository holding a copy of the reference stack, for the diff-aware tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import copy_stack

IDENTITY = ["-c", "user.name=stackcheck tests", "-c", "user.email=tests@stackcheck.invalid"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *IDENTITY, *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def scratch_repo(dest: Path) -> Path:
    """``dest`` with the reference stack committed once (message 'base')."""
    dest.mkdir(parents=True)
    copy_stack(dest)
    git(dest, "init", "-q", "-b", "main")
    commit(dest, "base")
    return dest


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
