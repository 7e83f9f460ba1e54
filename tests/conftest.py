"""Shared test helpers: a private copy of the repository's stack to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def copy_stack(dest: Path) -> Path:
    """Copy stack/, rules/, fixtures/ (what `stackcheck -C` needs) into ``dest``."""
    for part in ("stack", "rules", "fixtures"):
        shutil.copytree(REPO / part, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.fixture
def stack_copy(tmp_path: Path) -> Path:
    return copy_stack(tmp_path / "repo")


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
