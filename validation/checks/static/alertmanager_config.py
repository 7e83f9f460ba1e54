"""static/alertmanager-config — `amtool check-config` on alertmanager.yml."""

from __future__ import annotations

import time

from validation.checks.base import Check, CheckContext, relative, tool_line
from validation.clients.tools import run_tool
from validation.core.results import Report


class AlertmanagerConfigCheck(Check):
    id = "static/alertmanager-config"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        config = ctx.project.components.get("alertmanager")
        if config is None or config.config is None:
            return
        start = time.monotonic()
        result = run_tool("amtool", ["check-config", str(config.config)], cwd=config.config.parent)
        where = relative(ctx.project, config.config)
        if result.ok:
            report.passed(self.id, self.kind, seconds=time.monotonic() - start)
        else:
            output = result.output.replace(str(config.config), where)
            report.failed(
                self.id,
                self.kind,
                f"{where}: amtool check-config failed: {output}. Hint: fix the field amtool names",
                time.monotonic() - start,
                file=where,
                line=tool_line(output, where),
            )
