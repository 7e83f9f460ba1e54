"""static/alertmanager-config — `amtool check-config` on alertmanager.yml."""

from __future__ import annotations

from validation.checks.base import Check, CheckContext, config_file, relative, tool_line
from validation.checks.static.tool_places import quoted_line
from validation.clients.tools import run_tool
from validation.core.results import Report


class AlertmanagerConfigCheck(Check):
    id = "static/alertmanager-config"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        path = config_file(ctx.project, "alertmanager")
        if path is None:
            return
        timing = report.timed(self.id, self.kind)
        result = run_tool("amtool", ["check-config", str(path)], cwd=path.parent)
        where = relative(ctx.project, path)
        if result.ok:
            timing.passed()
        else:
            output = result.output.replace(str(path), where)
            timing.failed(
                f"{where}: amtool check-config failed: {output}. Hint: fix the field amtool names",
                file=where,
                line=tool_line(output, where) or quoted_line(path, output),
            )
