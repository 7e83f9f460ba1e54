"""``stackcheck run``: start the real stack on loopback and run the check groups against it."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from validation.checks import ALL_GROUPS
from validation.commands.base import (
    Command,
    add_backend_option,
    add_changed_since_option,
    add_report_option,
    add_time_scale_option,
    add_verbosity_options,
    changed_since,
    load_project,
    verbosity,
)
from validation.commands.ci_outputs import CiOutputs, add_ci_options
from validation.commands.summary import finish
from validation.runner.options import DEFAULT_TIME_SCALE_CAP


class RunCommand(Command):
    name = "run"
    help = "start the real stack and run the checks against it"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add_backend_option(parser)
        add_time_scale_option(
            parser,
            default=DEFAULT_TIME_SCALE_CAP,
            help=(
                "the largest time compression any group may take (default %(default)g); each "
                "scenario group takes the smallest K that keeps it short, see README 'time'"
            ),
        )
        parser.add_argument(
            "--only",
            default="",
            metavar="GROUPS",
            help=f"comma-separated subset of: {', '.join(ALL_GROUPS)} (default: all)",
        )
        add_report_option(parser)
        add_ci_options(parser)
        parser.add_argument(
            "--scenarios",
            default="",
            metavar="PATTERN",
            help="only the scenarios whose name matches (shell pattern); disables the coverage gate",
        )
        add_changed_since_option(parser)
        parser.add_argument(
            "--keep", action="store_true", help="keep the run directory (rendered configs, logs)"
        )
        add_verbosity_options(parser)

    def run(self, args: argparse.Namespace) -> int:
        from validation.runner.progress import ConsoleProgress
        from validation.runner.runner import RunOptions, choose_backend, run

        only = tuple(g.strip() for g in args.only.split(",") if g.strip()) or ALL_GROUPS
        selection = changed_since(args.changed_since)
        if selection is not None:
            only = tuple(g for g in only if g in selection.groups)
        progress = ConsoleProgress(verbosity=verbosity(args))
        try:
            options = RunOptions(
                backend=args.backend,
                time_scale=args.time_scale,
                only=only,
                report_dir=args.report,
                keep_run_dir=args.keep,
                scenarios=args.scenarios,
                scenario_names=selection.scenario_filter() if selection else None,
                selection=selection.to_json() if selection else None,
                progress=progress,
            )  # refuses a bad --time-scale or --backend before anything starts
            project = load_project()
            backend, why = choose_backend(options.backend, project)
            if why:
                print(f"stackcheck run: --backend {options.backend} → {backend}: {why}", file=sys.stderr)
            report = run(project, dataclasses.replace(options, backend=backend))
        finally:
            progress.close()
        return finish(report, args.report, CiOutputs.from_args(args, "stackcheck run"), verbosity(args))
