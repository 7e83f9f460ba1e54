"""`stackcheck` — the command line: parse, change into ``-C DIR``, dispatch to ``commands/``.

Exit codes: 0 all selected checks passed; 1 a check failed (a broken config under test is a
failed check); 2 the harness cannot proceed (usage, scenario, binary, folder).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from validation.commands import COMMANDS
from validation.core.errors import EXIT_HARNESS, HarnessError, StackcheckError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stackcheck",
        description="Validate a Prometheus / Alertmanager / Pushgateway / node_exporter / Grafana stack: "
        "static gate, then the real components with synthetic metrics.",
    )
    parser.add_argument(
        "-C",
        dest="directory",
        type=Path,
        default=Path("."),
        help="run as if started in DIR (the repository with stack/, rules/, fixtures/)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        command.add_arguments(sub.add_parser(command.name, help=command.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return dispatch(args)
    except StackcheckError as exc:
        print(f"stackcheck: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("stackcheck: interrupted; every process and container it started was stopped", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in stackcheck itself: say so, keep the traceback, never hide it
        import tempfile
        import traceback

        path = Path(tempfile.gettempdir()) / "stackcheck-internal-error.txt"
        path.write_text(traceback.format_exc(), encoding="utf-8")
        print(
            f"stackcheck: internal error (a bug in stackcheck, not in your stack): {exc.__class__.__name__}: "
            f"{exc}. Hint: the traceback is in {path}; please report it",
            file=sys.stderr,
        )
        return EXIT_HARNESS


def dispatch(args: argparse.Namespace) -> int:
    command = COMMANDS[args.command]
    for name in command.caller_paths:  # files the caller named are relative to where they stand
        value = getattr(args, name, None)
        if isinstance(value, Path):
            setattr(args, name, value.resolve())
        elif isinstance(value, list):
            setattr(args, name, [v.resolve() for v in value])
    if not args.directory.is_dir():
        raise HarnessError(
            "no such directory", place=str(args.directory), hint="pass an existing repository to -C"
        )
    os.chdir(args.directory)
    return command.run(args)


if __name__ == "__main__":
    sys.exit(main())
