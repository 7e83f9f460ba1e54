"""``stackcheck routes CASES.yml``: routing cases (labels → receivers) against the routing tree."""

from __future__ import annotations

import argparse
from pathlib import Path

from validation.commands.base import Command, load_project
from validation.core.errors import EXIT_FAILED, EXIT_OK, HarnessError


class RoutesCommand(Command):
    name = "routes"
    help = "check a file of routing cases (labels → expected receivers)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("cases", type=Path)
        parser.add_argument(
            "--config", type=Path, default=None, help="alertmanager.yml (default: the stack's)"
        )

    def run(self, args: argparse.Namespace) -> int:
        from validation.routing.cases import format_outcome, run_routes_cases

        config = args.config or load_project().components["alertmanager"].config
        if config is None:
            raise HarnessError("no alertmanager config to route with", hint="pass --config alertmanager.yml")
        outcome = run_routes_cases(config, args.cases)
        print(format_outcome(outcome))
        return EXIT_OK if outcome.ok else EXIT_FAILED
