"""``stackcheck check``: the static gate (promtool / amtool, unit tests, lints), seconds."""

from __future__ import annotations

import argparse

from validation.commands.base import (
    Command,
    add_changed_since_option,
    add_report_option,
    add_verbosity_options,
    changed_since,
    load_project,
    verbosity,
)
from validation.commands.ci_outputs import CiOutputs, add_ci_options
from validation.commands.summary import finish


class CheckCommand(Command):
    name = "check"
    help = "static gate: promtool/amtool checks, promtool unit tests, lints"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add_report_option(parser)
        add_ci_options(parser)
        add_verbosity_options(parser)
        add_changed_since_option(parser)

    def run(self, args: argparse.Namespace) -> int:
        from validation.runner.progress import ConsoleProgress
        from validation.runner.runner import check

        # the static gate is the smoke set: it always runs whole (seconds; its checks cross files)
        selection = changed_since(args.changed_since)
        project = load_project()
        progress = ConsoleProgress(verbosity=verbosity(args))
        try:
            report = check(project, args.report, progress, selection.to_json() if selection else None)
        finally:
            progress.close()
        return finish(report, args.report, CiOutputs.from_args(args, "stackcheck check"), verbosity(args))
