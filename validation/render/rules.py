"""Render the run copies of the rule files (time-compressed when the run is)."""

from __future__ import annotations

from pathlib import Path

import yaml

from validation.core.errors import ConfigError
from validation.core.yamlload import load_yaml, to_plain
from validation.render.context import RenderContext


def render_rules(sources: list[Path], ctx: RenderContext) -> tuple[list[Path], list[str]]:
    """Copy each rule file into the run; returns (paths, rules that could not be compressed)."""
    out_dir = ctx.config_dir / "rules"
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered: list[Path] = []
    uncompressible: list[str] = []
    for source in sources:
        data = to_plain(load_yaml(source) or {})
        if not isinstance(data, dict):
            raise ConfigError("a rule file must be a mapping with 'groups'", place=f"{source}:1")
        if ctx.time_scale != 1:
            from validation.timescale.rules import compress_rule_groups

            data, skipped = compress_rule_groups(data, ctx.time_scale, min_interval_ms=ctx.min_interval_ms)
            uncompressible += [f"{source.name}: {entry}" for entry in skipped]
        target = out_dir / source.name
        target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        rendered.append(target)
    return rendered, uncompressible


def rule_name(entry: str) -> str:
    """The rule name in an uncompressible entry ``file: group/name: reason``."""
    parts = entry.split(": ")
    return parts[1].rsplit("/", 1)[-1] if len(parts) > 2 else entry
