"""Run the components' own static tools (promtool, amtool) with a deadline."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from validation.components import tool_package
from validation.provision.apt import install_hint
from validation.provision.binaries import require_binary


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_tool(name: str, args: list[str], cwd: Path | None = None, timeout: float = 60.0) -> ToolResult:
    binary = require_binary((name,), place=name, hint=install_hint(tool_package(name)))
    try:
        proc = subprocess.run(
            [binary, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return ToolResult(124, f"{name} {' '.join(args)} timed out after {timeout:g}s")
    return ToolResult(proc.returncode, (proc.stdout + proc.stderr).strip())
