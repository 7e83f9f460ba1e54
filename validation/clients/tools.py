"""Run the components' own static tools (promtool, amtool) with a deadline."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from validation.core.errors import ComponentUnavailable

TOOLS = {
    "promtool": ("promtool", "prometheus"),
    "amtool": ("amtool", "prometheus-alertmanager"),
}


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def find_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    package = TOOLS.get(name, (name, name))[1]
    raise ComponentUnavailable(
        f"{name} is not on PATH",
        place=name,
        hint=f"run `stackcheck provision` or `apt-get install {package}`",
    )


def run_tool(name: str, args: list[str], cwd: Path | None = None, timeout: float = 60.0) -> ToolResult:
    binary = find_tool(name)
    try:
        proc = subprocess.run(
            [binary, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return ToolResult(124, f"{name} {' '.join(args)} timed out after {timeout:g}s")
    return ToolResult(proc.returncode, (proc.stdout + proc.stderr).strip())
