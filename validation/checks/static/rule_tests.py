"""static/rule-tests/<file> — `promtool test rules` on rules/tests/*.yml.

Catches: a rule whose exact timing or labels changed (promtool prints exp:/got:).
"""

from __future__ import annotations

from validation.checks.base import Check, CheckContext, relative
from validation.clients.tools import run_tool
from validation.core.results import Report


class RuleTestsCheck(Check):
    id = "static/rule-tests"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        files = ctx.project.rule_test_files()
        if not files:
            report.failed(
                self.id,
                self.kind,
                f"no promtool unit tests in {relative(ctx.project, ctx.project.rules_dir / 'tests')}. "
                "Hint: every rule needs a test (see rules/tests/); stack.yaml's paths.rule_tests says where yours are",
            )
            return
        for path in files:
            check_id = f"{self.id}/{path.name}"
            timing = report.timed(check_id, self.kind)
            result = run_tool("promtool", ["test", "rules", path.name], cwd=path.parent, timeout=120)
            if result.ok:
                timing.passed()
            else:
                timing.failed(
                    f"{relative(ctx.project, path)}: promtool test rules failed:\n{result.output}",
                    file=relative(ctx.project, path),
                )
