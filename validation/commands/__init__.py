"""One module per ``stackcheck`` sub-command, registered once here (pip's ``commands_dict``)."""

from __future__ import annotations

from validation.commands.base import Command
from validation.commands.baseline import BaselineCommand
from validation.commands.capacity import CapacityCommand
from validation.commands.check import CheckCommand
from validation.commands.dashboards import DashboardsCommand
from validation.commands.diff import DiffCommand
from validation.commands.init import InitCommand
from validation.commands.provision import ProvisionCommand
from validation.commands.routes import RoutesCommand
from validation.commands.run import RunCommand

COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        ProvisionCommand(),
        CheckCommand(),
        RunCommand(),
        RoutesCommand(),
        DashboardsCommand(),
        BaselineCommand(),
        CapacityCommand(),
        DiffCommand(),
        InitCommand(),
    )
}

__all__ = ["COMMANDS", "Command"]
