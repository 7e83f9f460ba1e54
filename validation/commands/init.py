"""``stackcheck init``: read an existing stack (a compose file, or plain config paths) and write
stack/stack.yaml + the fixtures a run needs, pointing at the user's files where they are."""

from __future__ import annotations

import argparse
from pathlib import Path

from validation.commands.base import Command
from validation.core.errors import EXIT_OK, HarnessError


class InitCommand(Command):
    name = "init"
    help = "write stack/stack.yaml and fixtures for an existing stack (compose file or config paths)"
    caller_paths = ("compose", "prometheus_config", "alertmanager_config", "grafana_dir")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--from", dest="compose", type=Path, default=None, metavar="COMPOSE_FILE",
            help="the docker-compose.yml that runs Prometheus (and Alertmanager, exporters, Grafana…)",
        )  # fmt: skip
        parser.add_argument("--prometheus-config", type=Path, default=None, metavar="FILE")
        parser.add_argument("--alertmanager-config", type=Path, default=None, metavar="FILE")
        parser.add_argument(
            "--grafana-dir",
            type=Path,
            default=None,
            metavar="DIR",
            help="the folder holding Grafana's provisioning/",
        )

    def run(self, args: argparse.Namespace) -> int:
        from validation.init import adopt
        from validation.init.compose import load_compose
        from validation.init.infer import from_compose, from_paths

        if args.compose is not None:
            extra = [args.prometheus_config, args.alertmanager_config, args.grafana_dir]
            if any(value is not None for value in extra):
                raise HarnessError(
                    "--from reads the config paths from the compose file",
                    hint="pass either --from COMPOSE_FILE or --prometheus-config FILE [--alertmanager-config …]",
                )
            plan = from_compose(load_compose(args.compose))
        elif args.prometheus_config is not None:
            plan = from_paths(args.prometheus_config, args.alertmanager_config, args.grafana_dir)
        else:
            raise HarnessError(
                "nothing to read",
                hint="stackcheck init --from docker-compose.yml, or --prometheus-config prometheus.yml "
                "[--alertmanager-config alertmanager.yml] [--grafana-dir grafana/]",
            )
        result = adopt(Path("."), plan, promtool=_promtool())
        print(result.describe(Path(".").resolve()))
        return EXIT_OK


def _promtool() -> str:
    """promtool verifies every generated scenario before it is written: required, like for `check`."""
    from validation.components import tool_package
    from validation.provision.apt import install_hint
    from validation.provision.binaries import require_binary

    return require_binary(("promtool",), place="promtool", hint=install_hint(tool_package("promtool")))
