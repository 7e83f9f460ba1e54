"""Errors that end a run with a clear, one-paragraph message instead of a traceback.

Two families, matching the exit codes the README documents:
- ``ConfigError`` — the config under test is broken (exit 1: that is a failed check);
- ``HarnessError`` — the harness cannot proceed: usage, scenario, binary, folder (exit 2).

Every message names the place (file, file:line, component) and ends with a hint.
"""

from __future__ import annotations

import re

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_HARNESS = 2


class StackcheckError(Exception):
    """Base class: ``what`` went wrong at ``place``; ``hint`` says what to do next."""

    exit_code = EXIT_HARNESS

    def __init__(self, what: str, *, place: str = "", hint: str = "") -> None:
        self.what = what
        self.place = place
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.place}: {self.what}" if self.place else self.what
        if self.hint:
            text = f"{text.rstrip('.')}. Hint: {self.hint}"
        return text


class HarnessError(StackcheckError):
    """The harness cannot proceed (usage, scenario, missing binary or folder): exit 2."""

    exit_code = EXIT_HARNESS


class ConfigError(StackcheckError):
    """A config under test does not parse or is invalid: exit 1."""

    exit_code = EXIT_FAILED


class ScenarioError(HarnessError):
    """A scenario file is malformed: exit 2, with file:line."""


class ComponentUnavailable(HarnessError):
    """A component cannot be had here (binary missing, image missing, engine down)."""


def split_place(place: str) -> tuple[str | None, int | None]:
    """``file:line[:column]`` (as ``StackcheckError.place`` writes it) → (file, line)."""
    match = re.match(r"^(.+?):(\d+)(?::\d+)?$", place)
    if match:
        return match.group(1), int(match.group(2))
    return (place or None), None
