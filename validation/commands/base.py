"""What every ``stackcheck`` sub-command is: a class with a name, its options and ``run``.

The CLI parses, changes into ``-C DIR`` and calls ``run``; a command loads the project itself
(``load_project``) so that a command which needs no stack.yaml does not ask for one.
"""

from __future__ import annotations

import abc
import argparse
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from validation.core.project import Project
from validation.core.settings import BACKENDS, DEFAULT_BACKEND, DEFAULT_REPORT_DIR, DEFAULT_TIME_SCALE
from validation.runner.progress import Verbosity

if TYPE_CHECKING:
    from validation.diff.selection import Selection


class Command(abc.ABC):
    name: ClassVar[str]
    help: ClassVar[str]
    # options naming files the caller typed, resolved against the caller's directory before -C
    caller_paths: ClassVar[tuple[str, ...]] = ()

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:  # noqa: B027 - optional hook
        """Declare the command's options on its sub-parser."""

    @abc.abstractmethod
    def run(self, args: argparse.Namespace) -> int:
        """Do the work in the current directory (already -C DIR); return the exit code."""


def load_project() -> Project:
    return Project.load(Path("."))


def add_report_option(parser: argparse.ArgumentParser, what: str = "report directory") -> None:
    parser.add_argument(
        "--report",
        type=Path,
        default=DEFAULT_REPORT_DIR,
        help=f"{what} (default {DEFAULT_REPORT_DIR}/)",
    )


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND)


def add_time_scale_option(
    parser: argparse.ArgumentParser, default: float = DEFAULT_TIME_SCALE, help: str = ""
) -> None:
    parser.add_argument(
        "--time-scale",
        type=float,
        default=default,
        metavar="K",
        help=help or f"run K times faster than production (default {default:g}; 1 = real time)",
    )


def add_verbosity_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quiet", "-q", action="store_true", help="print only failures and the final line")
    group.add_argument("--verbose", "-v", action="store_true", help="print every check as it finishes")


def verbosity(args: argparse.Namespace) -> Verbosity:
    return "quiet" if args.quiet else "verbose" if args.verbose else "normal"


def add_changed_since_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--changed-since",
        default=None,
        metavar="REF",
        help="only what the changes since git REF can affect, plus a smoke set (docs/diff.md)",
    )


def changed_since(ref: str | None) -> Selection | None:
    """The selection for ``--changed-since REF`` (the project at REF against the work tree),
    printed with its reasons; None without the option."""
    if ref is None:
        return None
    from validation.diff import trees_at
    from validation.diff.selection import select_changes

    with trees_at(Path("."), ref, None) as (base, head):
        selection = select_changes(base, head, base_name=ref)
    print(selection.describe(), flush=True)
    return selection
