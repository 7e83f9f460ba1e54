"""Generated scenarios: for every alerting rule, synthetic series that make it fire and series
just short of it, verified with promtool, written as scenario files (``generated: true``) and
promtool unit tests behind the generated-file marker.

Derived from the config under test, they cannot catch a wrong threshold: they prove the
pipeline and give the user a start to review. Modules: ``shapes`` (PromQL → what to solve),
``evaluate`` (the value model), ``solve`` (parameters), ``series`` (promtool notation, timing),
``verify`` (promtool), ``generator`` (the loop), ``writer`` (files).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from validation.core.project import Project
from validation.generate.generator import GenerationReport, Pair, RuleRef, UnhandledRule, generate_for_rules
from validation.generate.project_context import project_context
from validation.generate.writer import write_generated as _write

__all__ = [
    "GenerationReport",
    "Pair",
    "RuleRef",
    "UnhandledRule",
    "generate",
    "generate_for_rules",
    "write_generated",
]


def generate(project: Project, promtool: str) -> GenerationReport:
    """Every alerting rule of ``project``'s rule files → a verified (firing, silent) pair, or a reason."""
    context = project_context(project)
    return generate_for_rules(
        project.rule_files(),
        promtool,
        root=project.root,
        evaluation_interval=context.evaluation_interval,
        routing=context.routing,
        external_labels=context.external_labels,
    )


def write_generated(
    report: GenerationReport, scenarios_dir: Path, rule_tests_dir: Path, overwrite: Callable[[Path], bool]
) -> list[Path]:
    """Write the scenario files (``generated: true``) and promtool unit test files of the verified
    pairs; ``overwrite(path)`` is asked before an existing file is replaced. Returns the paths written."""
    return _write(report, scenarios_dir, rule_tests_dir, overwrite)
