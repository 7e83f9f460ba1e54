"""The settings every entry point shares, written once: the CLI (``commands/``) and the pytest
plugin build a ``Settings`` (or ``RunOptions``, which is one) instead of repeating defaults."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from validation.core.errors import HarnessError

BackendName = Literal["auto", "process", "containers"]
BACKENDS: tuple[BackendName, ...] = ("auto", "process", "containers")

DEFAULT_TIME_SCALE = 60.0
"""A run covers an hour of production time in a minute (15 s scrapes every 250 ms)."""
REAL_TIME = 1.0
"""No compression: the default of the library's own objects (``StackOptions``, ``RenderContext``),
so a stack built in code runs in production time unless its caller asks for a scale."""
DEFAULT_REPORT_DIR = Path("reports")
DEFAULT_BACKEND: BackendName = "process"


@dataclass(frozen=True)
class Settings:
    """How to run the stack: which backend, how much faster than production, where to report."""

    backend: BackendName = DEFAULT_BACKEND
    time_scale: float = DEFAULT_TIME_SCALE
    report_dir: Path = DEFAULT_REPORT_DIR

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise HarnessError(
                f"unknown backend {self.backend!r}",
                place="--backend",
                hint=f"choose from {', '.join(BACKENDS)}",
            )
        if not math.isfinite(self.time_scale) or self.time_scale < REAL_TIME:
            raise HarnessError(
                f"--time-scale {self.time_scale:g} is below 1" if self.time_scale < 1 else
                f"--time-scale {self.time_scale:g} is not a finite number",
                hint="use 1 (real time) or more",
            )  # fmt: skip
