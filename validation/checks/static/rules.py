"""static/rules/<file> — `promtool check rules` on every rules/*.rules.yml.

Catches: PromQL that does not parse, bad durations, duplicate rules, templates in
annotations that do not parse — each reported with the file, line, group and rule promtool names.
"""

from __future__ import annotations

from validation.checks.base import Check, CheckContext, relative
from validation.clients.tools import run_tool
from validation.core.results import Report


class RulesCheck(Check):
    id = "static/rules"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        files = ctx.project.rule_files()
        if not files:
            report.failed(
                self.id, self.kind, f"no *.rules.yml in {ctx.project.rules_dir}. Hint: add rule files"
            )
            return
        for path in files:
            timing = report.timed(f"{self.id}/{path.name}", self.kind)
            name = relative(ctx.project, path)
            result = run_tool("promtool", ["check", "rules", "--lint=all", str(path)], cwd=ctx.project.root)
            if result.ok:
                timing.passed()
            else:
                detail = result.output.replace(str(path), name).split("FAILED:", 1)[-1].strip()
                timing.failed(
                    f"{name}: promtool check rules failed: {detail}. Hint: fix the "
                    "expression at that line (the position after the line is inside the expression)"
                )
