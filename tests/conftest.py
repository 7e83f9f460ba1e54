"""Shared test helpers: a private copy of the repository's stack to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# A shared 2-core machine makes wall-clock deadlines a coin toss: properties are about inputs, and
# performance lives in tests/perf. Examples stay as many as each test asks for.
settings.register_profile("stackcheck", deadline=None)
settings.load_profile("stackcheck")

REPO = Path(__file__).resolve().parent.parent
WAIVER_FILE = ".stackcheck-waivers.yml"


def copy_stack(dest: Path) -> Path:
    """Copy stack/, rules/, fixtures/ and the waiver file (what `stackcheck -C` needs) into ``dest``."""
    for part in ("stack", "rules", "fixtures"):
        shutil.copytree(REPO / part, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / WAIVER_FILE, dest / WAIVER_FILE)
    return dest


def reference_waivers() -> str:
    """The reference stack's waiver entries (without the ``waivers:`` line), to keep below a
    test's own entries so its line numbers stay where the test expects them."""
    text = (REPO / WAIVER_FILE).read_text(encoding="utf-8")
    return text.split("waivers:\n", 1)[1]


@pytest.fixture
def stack_copy(tmp_path: Path) -> Path:
    return copy_stack(tmp_path / "repo")


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
