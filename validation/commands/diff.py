"""``stackcheck diff BASE [HEAD]``: what a change does to the stack — rules, who gets notified,
inhibition, receivers, scrape jobs, dashboards — as Markdown (a pull-request comment) or JSON.

HEAD omitted means the work tree as it is on disk (like ``git diff BASE``). Exit 0 whatever the diff
says (a diff is information); 2 when the directory is not in a git repository or a ref is unknown.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from validation.commands.base import Command
from validation.core.errors import EXIT_OK


class DiffCommand(Command):
    name = "diff"
    help = "semantic diff of the stack between two git refs (Markdown or JSON)"
    caller_paths = ("output",)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("base", metavar="BASE", help="git ref to compare from (e.g. origin/main, HEAD~1)")
        parser.add_argument(
            "head",
            metavar="HEAD",
            nargs="?",
            default=None,
            help="git ref to compare to (default: the work tree)",
        )
        parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
        parser.add_argument(
            "--output", type=Path, default=None, metavar="FILE", help="write here, not to stdout"
        )

    def run(self, args: argparse.Namespace) -> int:
        from validation.diff import diff_refs, render_markdown

        diff = diff_refs(Path("."), args.base, args.head)
        text = (
            render_markdown(diff)
            if args.format == "markdown"
            else json.dumps(diff.to_json(), indent=2) + "\n"
        )
        if args.output is None:
            print(text, end="")
        else:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(text, encoding="utf-8")
        return EXIT_OK
