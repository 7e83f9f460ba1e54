"""Read a repository at a git ref without touching the work tree: ``git archive REF`` into a temp dir.

Every failure (no git, not a repository, an unknown ref) is a ``HarnessError`` (exit 2) with a hint.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from validation.core.errors import HarnessError


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise HarnessError("git is not installed", hint="install git (apt-get install git)")
    return subprocess.run([git, *args], cwd=cwd, capture_output=True, check=False)


def repository_root(directory: Path) -> Path:
    """The top of the git work tree holding ``directory``."""
    done = _git(["rev-parse", "--show-toplevel"], directory)
    if done.returncode != 0:
        raise HarnessError(
            "not inside a git repository",
            place=str(directory.resolve()),
            hint="run stackcheck from (or point -C at) a git checkout of the stack",
        )
    return Path(done.stdout.decode().strip()).resolve()


def resolve_commit(root: Path, ref: str) -> str:
    """The commit ``ref`` names (a branch, tag, sha, ``HEAD~1``, ``origin/main``)."""
    done = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    if done.returncode != 0 or not done.stdout.strip():
        raise HarnessError(
            f"unknown git ref {ref!r}",
            place=str(root),
            hint="name a commit, branch or tag that exists here (in CI: fetch the base branch, "
            "e.g. actions/checkout with fetch-depth: 0)",
        )
    return done.stdout.decode().strip()


def export_tree(root: Path, commit: str, destination: Path) -> None:
    """Write the files of ``commit`` into ``destination`` (the user's work tree is never touched)."""
    done = _git(["archive", "--format=tar", commit], root)
    if done.returncode != 0:
        raise HarnessError(
            f"git archive {commit} failed: {done.stderr.decode().strip()}",
            place=str(root),
            hint="check the ref",
        )
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(destination, filter="data")  # no member may write outside destination
