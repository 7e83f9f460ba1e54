"""Every check class declares a severity, and docs/checks.md lists the decision for each."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import validation.checks
from validation.checks.base import Check, CheckContext, run_check
from validation.core.project import Project
from validation.core.results import SEVERITIES, Report

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[2] / "docs" / "checks.md"


def check_classes() -> list[type[Check]]:
    for module in pkgutil.walk_packages(validation.checks.__path__, "validation.checks."):
        importlib.import_module(module.name)
    found: list[type[Check]] = []
    pending = list(Check.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if not inspect.isabstract(cls) and cls.__module__.startswith("validation.checks."):
            found.append(cls)
    return sorted(set(found), key=lambda c: c.__name__)


def test_every_check_class_has_a_documented_severity() -> None:
    rows = [
        line.split("|") for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")
    ]
    documented: dict[str, set[str]] = {}
    for cells in rows:
        documented.setdefault(cells[1].strip().strip("`"), set()).add(cells[4].strip())
    classes = check_classes()
    assert len(classes) >= 20
    for cls in classes:
        assert cls.severity in SEVERITIES
        assert cls.severity in documented.get(cls.__name__, set()), (
            f"{cls.__module__}.{cls.__name__} (severity {cls.severity}): add a row "
            f"| `{cls.__name__}` | id | catches | {cls.severity} | why | to docs/checks.md"
        )


class _Mixed(Check):
    id = "x"
    kind = "static"
    severity = "warning"

    def run(self, ctx: CheckContext, report: Report) -> None:
        report.failed("x/style", self.kind, "style")
        report.failed("x/bug", self.kind, "bug", severity="error")


def test_run_check_stamps_the_class_default_but_keeps_a_results_own(tmp_path: Path) -> None:
    report = Report()
    report.failed("earlier", "static", "from another check")
    run_check(_Mixed(), CheckContext(Project.__new__(Project), tmp_path), report)
    assert [c.severity for c in report.checks] == [None, "warning", "error"]
    assert [c.level for c in report.checks] == ["error", "warning", "error"]
