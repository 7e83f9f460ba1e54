"""stack/stack.yaml written from a ``StackPlan``: it points at the user's files where they are
(paths relative to stack.yaml; nothing moved, nothing copied), pins the versions the image tags
name, carries the flags of each service's command, and says in comments what was inferred and
which components are absent and why.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from validation.init.infer import ComponentPlan, StackPlan


def relative(path: Path, stack_dir: Path) -> str:
    return Path(os.path.relpath(path, stack_dir)).as_posix()


def render_stack_yaml(plan: StackPlan, stack_dir: Path, paths: dict[str, Any]) -> str:
    """The text of stack.yaml; ``paths`` are the ``paths:`` entries (already relative)."""
    lines = [
        f"# The stack of {relative(plan.source, stack_dir)}, as stackcheck init read it. Paths are relative",
        "# to this file and point at your files where they are. Review every line, then delete the",
        "# marker line above: a later `stackcheck init` leaves a reviewed file alone.",
        "components:",
    ]
    for component in plan.components.values():
        lines += _component(component, stack_dir)
    for name, why in plan.absent.items():
        lines.append(f"  # {name}: absent — {why}")
    for note in plan.notes:
        lines.append(f"# note: {note}")
    if paths:
        lines.append("paths:")
        lines += ["  " + line for line in _dump({k: v for k, v in paths.items()}).splitlines()]
    return "\n".join(lines) + "\n"


def _component(component: ComponentPlan, stack_dir: Path) -> list[str]:
    entry: dict[str, Any] = {}
    if component.version:
        entry["version"] = component.version
    if component.image:
        entry["image"] = component.image
    if component.address:
        entry["address"] = component.address
    for key in ("config", "web_config", "provisioning", "dashboards"):
        value = getattr(component, key)
        if value is not None:
            entry[key] = relative(value, stack_dir)
    if component.job:
        entry["job"] = component.job
    if component.flags:
        entry["flags"] = dict(component.flags)
    if not component.required:
        entry["required"] = False
    head = f"  {component.name}:" + (
        f"   # compose service {component.service!r}" if component.service else ""
    )
    out = [head]
    out += [f"    # {note}" for note in component.notes]
    out += ["    " + line for line in _dump(entry).splitlines()] if entry else ["    {}"]
    return out


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000)


def rule_file_paths(prometheus_yml: Path) -> list[Path]:
    """The rule files prometheus.yml's ``rule_files`` name (globs relative to it), as Prometheus reads them."""
    import glob as globbing

    from validation.core.errors import StackcheckError
    from validation.core.yamlload import load_yaml

    try:
        data = load_yaml(prometheus_yml)
    except StackcheckError:
        return []
    found: dict[Path, None] = {}
    for item in (data.get("rule_files") if isinstance(data, dict) else None) or []:
        pattern = str(prometheus_yml.parent / str(item))
        matches = sorted(globbing.glob(pattern)) if globbing.has_magic(pattern) else [pattern]
        found.update(dict.fromkeys(Path(m).resolve() for m in matches if Path(m).is_file()))
    return list(found)
