"""static/prometheus-config — `promtool check config` on the config under test.

Catches: a prometheus.yml that Prometheus would refuse (unknown fields, bad relabel regex,
bad durations, rule files that do not parse). It runs on the render's copy, so secrets and
outside service discovery are replaced exactly as in a run (Debian's build lacks Kubernetes
SD); rule files stay the originals, so promtool names the user's files, and the line numbers
promtool gives for the copy are mapped back to the user's prometheus.yml (checks/static/tool_places.py).
"""

from __future__ import annotations

import re
from typing import Any

from validation.checks.base import Check, CheckContext, relative
from validation.checks.static.tool_places import map_rendered_lines
from validation.clients.tools import run_tool
from validation.core.errors import StackcheckError, split_place
from validation.core.results import Report
from validation.render.addresses import AddressMap
from validation.render.context import RenderContext
from validation.render.prometheus import render_prometheus

_RULE_LINE = re.compile(r"^\s*(\S+\.ya?ml): (\d+):\d+:", re.MULTILINE)


class PrometheusConfigCheck(Check):
    id = "static/prometheus-config"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        config = ctx.project.components["prometheus"]
        if config.config is None:
            report.failed(self.id, self.kind, "components.prometheus.config is not set in stack/stack.yaml")
            return
        timing = report.timed(self.id, self.kind)
        addresses = AddressMap.allocate()
        try:
            render_ctx = RenderContext(ctx.work_dir / "static-prometheus", addresses)
            rendered = render_prometheus(
                config.config,
                render_ctx,
                own_host=config.host or "localhost",
                rule_files=ctx.project.rule_files(),
                fixtures_dir=ctx.project.fixtures_dir,
                synthetic_address=None,
            )
        except StackcheckError as exc:
            file, line = split_place(exc.place)
            timing.failed(exc.render(), file=file, line=line)
            return
        finally:
            addresses.release()
        result = run_tool("promtool", ["check", "config", "--lint=all", str(rendered.path)])
        output, line = map_rendered_lines(result.output, rendered.path, config.config)
        output = output.replace(str(rendered.path), relative(ctx.project, config.config))
        output = output.replace(f"{ctx.project.root}/", "")
        if result.ok:
            timing.passed("; ".join(render_ctx.warnings))
        else:
            # promtool lists every file it checked; what failed follows its last "FAILED:"
            timing.failed(
                f"promtool check config failed: {output.rsplit('FAILED:', 1)[-1].strip()}. Hint: fix the file and line "
                "promtool names; run `promtool check config` on it for details",
                **_place(output, relative(ctx.project, config.config), line),
            )


def _place(output: str, config: str, line: int | None) -> dict[str, Any]:
    """A rule file's line when promtool names one (rule files are the user's originals); else the
    config's line mapped back from the rendered copy promtool read."""
    match = _RULE_LINE.search(output)
    if match and not match.group(1).startswith("/"):
        return {"file": match.group(1), "line": int(match.group(2))}
    return {"file": config, "line": line}
