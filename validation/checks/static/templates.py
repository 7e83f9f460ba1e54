"""static/alertmanager-templates — every `templates:` entry of alertmanager.yml matches a file,
and every template name the receivers use is defined.

Catches: a template glob that matches nothing — amtool accepts it, and Alertmanager then
renders every notification with the empty default ("" subject, "" Slack text).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from validation.checks.base import Check, CheckContext, config_file, relative
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.core.yamlload import load_yaml

_USE = re.compile(r'template\s+"([^"]+)"')
_DEFINE = re.compile(r'define\s+"([^"]+)"')
BUILTIN_PREFIXES = (
    "__",
    "email.default",
    "slack.default",
    "pagerduty.default",
    "opsgenie.default",
    "wechat.default",
    "victorops.default",
    "pushover.default",
    "sns.default",
    "telegram.default",
    "discord.default",
    "webex.default",
)


class TemplatesCheck(Check):
    id = "static/alertmanager-templates"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        path = config_file(ctx.project, "alertmanager")
        if path is None:
            return
        timing = report.timed(self.id, self.kind)
        where = relative(ctx.project, path)
        try:
            data = load_yaml(path) or {}
        except StackcheckError as exc:
            report.failed(self.id, self.kind, exc.render(), file=where)
            return
        problems: list[str] = []
        first_line: int | None = None
        defined: set[str] = set()
        entries = data.get("templates") or []
        lines = getattr(entries, "item_lines", [0] * len(entries))
        for pattern, line in zip(entries, lines, strict=False):
            base = Path(pattern) if Path(pattern).is_absolute() else path.parent / pattern
            matches = sorted(base.parent.glob(base.name)) if base.parent.is_dir() else []
            if not matches:
                problems.append(f"templates entry {pattern!r} (line {line}) matches no file")
                first_line = first_line or line or None
            for match in matches:
                defined.update(_DEFINE.findall(match.read_text(encoding="utf-8", errors="replace")))
        used = sorted(set(_USE.findall(_strings(data.get("receivers") or []))))
        missing = [n for n in used if n not in defined and not n.startswith(BUILTIN_PREFIXES)]
        if missing:
            problems.append(f"receivers use templates that no template file defines: {', '.join(missing)}")
        if problems:
            timing.failed(
                f"{where}: " + "; ".join(problems) + ". Hint: fix the path (relative "
                "to alertmanager.yml) or add the {{ define }} — amtool does not catch this",
                file=where,
                line=first_line,
            )
        else:
            timing.passed()


def _strings(node: Any) -> str:
    if isinstance(node, dict):
        return " ".join(_strings(v) for v in node.values())
    if isinstance(node, list):
        return " ".join(_strings(v) for v in node)
    return node if isinstance(node, str) else ""
