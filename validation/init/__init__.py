"""``stackcheck init``: from an existing stack (a compose file, or plain config paths) to a
repository stackcheck can check — stack/stack.yaml pointing at the user's files where they are, and
the fixtures a run needs, every file marked as generated (marker.py) until the user reviews it.

    plan = infer.from_compose(compose.load_compose(path))   # or infer.from_paths(...)
    result = adopt(root, plan)                                # writes, never over a reviewed file
    print(result.describe(root))
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from validation.init import marker
from validation.init.endpoints import render_endpoints
from validation.init.exporters import dashboard_expressions, render_exporters, rule_expressions
from validation.init.infer import StackPlan
from validation.init.stackyaml import relative, render_stack_yaml, rule_file_paths
from validation.init.targets import discover, render_sd_skeleton, render_targets

GENERATED_TESTS = "rule_tests"  # under the fixtures folder: the generated promtool unit tests
Status = Literal["written", "kept (reviewed)", "kept (edited)"]


@dataclass(frozen=True)
class Outcome:
    path: Path
    status: Status
    review: str  # what the user must check in it


@dataclass
class InitResult:
    plan: StackPlan
    outcomes: list[Outcome] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)  # folders made (empty)
    extra: list[str] = field(default_factory=list)  # further lines (scenario generation)

    def describe(self, root: Path) -> str:
        def rel(path: Path) -> str:
            return os.path.relpath(path, root)

        lines = [f"stackcheck init: read {rel(self.plan.source)}"]
        for component in self.plan.components.values():
            where = [f"service {component.service}"] if component.service else []
            where += [f"{component.version or 'version not pinned'}"]
            for key in ("config", "web_config", "provisioning", "dashboards"):
                value = getattr(component, key)
                if value is not None:
                    where.append(f"{key} {rel(value)}")
            if component.job:
                where.append(f"job {component.job}")
            lines.append(f"  {component.name}: {', '.join(where)}")
        for name, why in self.plan.absent.items():
            lines.append(f"  {name}: absent ({why})")
        for job in self.plan.unserved:
            kind = f" ({job.kind})" if job.kind else ""
            lines.append(
                f"  job {job.job}{kind}: not run by the harness — served synthetically from exporters.yaml"
            )
        lines.append("files:")
        lines += [
            f"  {'created':<16} {rel(folder)}/ — your own scenarios go here too" for folder in self.created
        ]
        for outcome in self.outcomes:
            lines.append(f"  {outcome.status:<16} {rel(outcome.path)} — {outcome.review}")
        lines += self.extra
        lines.append(
            "review each written file, then delete its first line (the marker): a later init keeps it. "
            "Next: stackcheck check"
        )
        return "\n".join(lines)


class _Writer:
    def __init__(self, result: InitResult) -> None:
        self.result = result

    def file(self, path: Path, text: str, review: str) -> None:
        state = marker.state(path)
        if state in ("absent", "generated"):
            marker.write_marked(path, text)
            self.result.outcomes.append(Outcome(path, "written", review))
        elif state == "reviewed":
            self.result.outcomes.append(Outcome(path, "kept (reviewed)", "no marker line: yours, left alone"))
        else:
            self.result.outcomes.append(
                Outcome(
                    path,
                    "kept (edited)",
                    "edited below the marker: left alone (delete the marker line once reviewed)",
                )
            )


def adopt(root: Path, plan: StackPlan, promtool: str | None = None) -> InitResult:
    """Write stack.yaml and the fixtures for ``plan`` under ``root`` (never over a reviewed file);
    with ``promtool``, also the generated scenarios and promtool unit tests of every alerting rule."""
    root = root.resolve()
    stack_dir = root / "stack"
    fixtures = root / "fixtures"
    result = InitResult(plan)
    write = _Writer(result)
    prometheus_yml = plan.prometheus_yml

    write.file(
        stack_dir / "stack.yaml",
        render_stack_yaml(plan, stack_dir, paths=_paths(plan, stack_dir, fixtures) if promtool else {}),
        "versions, addresses and flags per component; the notes in it say what was guessed",
    )
    jobs = discover(prometheus_yml)
    skipped: dict[str, str] = {}
    node = plan.components.get("node_exporter")
    relabeled = [j.job for j in jobs if j.relabeled and not j.outside_sd]
    write.file(
        fixtures / "targets.yaml",
        render_targets(jobs, skipped),
        f"{sum(len(j.targets) for j in jobs)} targets of {len(jobs)} jobs as configured today"
        + (f"; relabeled, check labels: {', '.join(relabeled)}" if relabeled else "")
        + (f"; node_exporter job {node.job}" if node is not None and node.job else ""),
    )
    for job in jobs:
        if job.outside_sd:
            write.file(
                fixtures / "service_discovery" / f"{job.job}.yml",
                render_sd_skeleton(job),
                f"fill in what {', '.join(job.outside_sd)} finds ({len(job.meta_labels)} __meta labels read)",
            )
    also = _gap_families(root, plan)
    if plan.unserved:
        grafana = plan.components.get("grafana")
        exprs = rule_expressions(prometheus_yml) + dashboard_expressions(
            grafana.dashboards if grafana else None
        )
        text, review = render_exporters(plan.unserved, exprs, also)
        write.file(fixtures / "exporters.yaml", text, "; ".join(review) + "; set realistic values")
    alertmanager = plan.components.get("alertmanager")
    if alertmanager is not None and alertmanager.config is not None:
        text, review = render_endpoints(alertmanager.config)
        write.file(
            fixtures / "endpoints.yaml",
            text,
            "each relay, mailbox, URL and channel must really exist"
            + ("; " + "; ".join(review) if review else ""),
        )
    scenarios = fixtures / "scenarios"
    if not scenarios.is_dir():
        scenarios.mkdir(parents=True)
        result.created.append(scenarios)
    if promtool:
        _generate(root, promtool, result)
    return result


def _gap_families(root: Path, plan: StackPlan) -> dict[str, tuple[str, ...]]:
    """Which jobs a run would find unserved, and the families it attributes to each (the gap
    finder of validation/stack/exporter_gaps.py, on the stack.yaml just written): jobs init did not
    see as unserved join ``plan.unserved``. Empty when stack.yaml does not load (a reviewed one
    with a problem is reported by ``check``)."""
    from validation.core.errors import StackcheckError
    from validation.core.project import Project
    from validation.fixtures.exporters import ExportersFixture
    from validation.init.infer import UnservedJob
    from validation.stack.exporter_gaps import find_gaps

    try:
        project = Project.load(root)
        gaps = find_gaps(project, ExportersFixture(project.fixtures_dir / "exporters.yaml"))
    except StackcheckError:
        return {}
    known = {job.job for job in plan.unserved}
    plan.unserved += [UnservedJob(gap.job, "") for gap in gaps if gap.job not in known]
    return {gap.job: gap.families for gap in gaps}


def _paths(plan: StackPlan, stack_dir: Path, fixtures: Path) -> dict[str, Any]:
    """stack.yaml's ``paths.rule_tests``: the default place (tests/ beside each rule folder) and the
    folder of the generated promtool tests."""
    folders = dict.fromkeys(path.parent for path in rule_file_paths(plan.prometheus_yml))
    globs = [
        f"{relative(folder / 'tests', stack_dir)}/{pattern}"
        for folder in folders
        for pattern in ("*.yml", "*.yaml")
    ]
    return {"rule_tests": [*globs, f"{relative(fixtures / GENERATED_TESTS, stack_dir)}/*.yml"]}


def _generate(root: Path, promtool: str, result: InitResult) -> None:
    from validation.core.project import Project
    from validation.generate import generate, write_generated

    project = Project.load(root)
    tests_dir = project.fixtures_dir / GENERATED_TESTS
    report = generate(project, promtool)
    written = write_generated(report, project.scenarios_dir, tests_dir, marker.may_overwrite)
    produced = sorted(project.scenarios_dir.glob("generated-*.yaml")) + sorted(
        tests_dir.glob("generated-*.test.yml")
    )
    for path in produced:
        if path in written:
            what = "promtool unit tests" if path.parent == tests_dir else "scenarios (generated: true)"
            result.outcomes.append(
                Outcome(path, "written", f"{what}: check each expectation is what you intend")
            )
        else:
            status: Status = "kept (reviewed)" if marker.state(path) == "reviewed" else "kept (edited)"
            result.outcomes.append(Outcome(path, status, "left alone"))
    if any(tests_dir.glob("*.yml")) and not any(
        tests_dir.resolve() == f.parent.resolve() for f in project.rule_test_files()
    ):
        result.extra.append(
            f"  note: stack.yaml's paths.rule_tests does not include {os.path.relpath(tests_dir, root)}/*.yml:"
            " add it, or `check` will not run the generated unit tests"
        )
    result.extra += ["  " + line for line in report.summary().splitlines()]
