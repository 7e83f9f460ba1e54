"""The settings every entry point shares, written once: the CLI and the pytest plugin build a
``Settings`` and pass it down instead of repeating defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

BackendName = Literal["auto", "process", "containers"]
BACKENDS: tuple[BackendName, ...] = ("auto", "process", "containers")

DEFAULT_TIME_SCALE = 60.0
"""A run covers an hour of production time in a minute (15 s scrapes every 250 ms)."""
DEFAULT_REPORT_DIR = Path("reports")
DEFAULT_BACKEND: BackendName = "process"


@dataclass(frozen=True)
class Settings:
    """How to run the stack: which backend, how much faster than production, where to report."""

    backend: BackendName = DEFAULT_BACKEND
    time_scale: float = DEFAULT_TIME_SCALE
    report_dir: Path = DEFAULT_REPORT_DIR
