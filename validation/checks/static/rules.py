"""static/rules/<file> — `promtool check rules` on every rules/*.rules.yml; static/rules/<file>/lint —
its lint findings.

Catches: PromQL that does not parse, bad durations, templates in annotations that do not parse —
each reported with the file, line, group and rule promtool names (errors: the group is not loaded).
Duplicate rules (same name and labels) promtool reports as lint with exit code 0: a warning.
"""

from __future__ import annotations

from validation.checks.base import Check, CheckContext, relative, tool_line
from validation.clients.tools import run_tool
from validation.core.results import Report


class RulesCheck(Check):
    id = "static/rules"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        files = ctx.project.rule_files()
        if not files:
            report.failed(
                self.id,
                self.kind,
                "no rule files: prometheus.yml's rule_files (or stack.yaml's paths.rules) match no file. "
                "Hint: fix the globs (relative to prometheus.yml; paths.rules is relative to stack.yaml)",
                file=relative(
                    ctx.project, ctx.project.components["prometheus"].config or ctx.project.stack_file
                ),
            )
            return
        for path in files:
            check_id = f"{self.id}/{path.name}"
            timing = report.timed(check_id, self.kind)
            name = relative(ctx.project, path)
            result = run_tool("promtool", ["check", "rules", "--lint=all", str(path)], cwd=ctx.project.root)
            if result.ok:
                timing.passed()
                self._lint(check_id, name, result.output, report)
            else:
                detail = result.output.replace(str(path), name).split("FAILED:", 1)[-1].strip()
                timing.failed(
                    f"{name}: promtool check rules failed: {detail}. Hint: fix the "
                    "expression at that line (the position after the line is inside the expression)",
                    file=name,
                    line=tool_line(detail, name),
                )

    def _lint(self, check_id: str, name: str, output: str, report: Report) -> None:
        """promtool's lint findings (duplicate rules) leave its exit code 0: a warning of their own."""
        if "lint error" not in output:
            report.passed(f"{check_id}/lint", self.kind)
            return
        detail = " ".join(output.split("FAILED:", 1)[-1].split())
        report.failed(
            f"{check_id}/lint",
            self.kind,
            f"{name}: promtool lint: {detail}. Hint: give each rule its own name or labels, or merge them",
            severity="warning",
            file=name,
        )
