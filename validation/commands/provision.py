"""``stackcheck provision``: find or install each component's binary, build local images."""

from __future__ import annotations

import argparse
from pathlib import Path

from validation.commands.base import Command


class ProvisionCommand(Command):
    name = "provision"
    help = "install/locate the binaries, build local images if offline"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--docker",
            action="store_true",
            help="also make a Docker engine answer (install docker.io, start dockerd) and build images",
        )
        parser.add_argument(
            "--pull",
            action="store_true",
            help="try pulling the pinned images first (off by default: the only traffic that would "
            "leave the machine; local images are built from the provisioned binaries instead)",
        )

    def run(self, args: argparse.Namespace) -> int:
        from validation.provision.provision import provision

        if args.docker:
            from validation.docker.engine import ensure_engine

            ensure_engine()
        return provision(Path("."), pull=args.pull)
