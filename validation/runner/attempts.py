"""Never falsely red: re-run the scenarios whose failures the harness's own trouble may explain.

After the alert pipeline, each failed verdict is set against the harness trouble of its window
(``pipeline/trouble.py``). Failures with the harness in good health stand (exit 1). Failures
formed while it was in trouble are re-run once, on a fresh stack at half the time scale; the
second attempt's verdicts replace the first's in ``checks`` and the first's are kept under
``attempts`` in results.json. If the second attempt fails again in trouble, no verdict can be
trusted: ``report.untrusted`` says why and what to do (exit 2).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from validation.core.project import Project
from validation.core.results import CheckResult, Report
from validation.pipeline.run import scenario_of
from validation.pipeline.trouble import Decision, FailedVerdict, Trouble, decide, gentler
from validation.runner.progress import NULL_PROGRESS, Progress

# scenarios, scale → the report of those scenarios run again at that scale (coverage included)
Rerun = Callable[[set[str], float], Report]

COVERAGE = ("alert_rules", "receivers", "routes")


def failed_verdicts(report: Report) -> list[FailedVerdict]:
    out = []
    for check in report.checks:
        window = check.details.get("window_s")
        if check.failed and window and scenario_of(check.id):
            explained_by = check.details.get("explained_by")
            out.append(
                FailedVerdict(
                    check.id,
                    scenario_of(check.id),
                    float(window[0]),
                    float(window[1]),
                    None if explained_by is None else frozenset(explained_by),
                    float(check.details.get("trouble_coverage", 0.0)),
                )
            )
    return out


def troubles(report: Report) -> list[Trouble]:
    found = (report.measurements.get("harness") or {}).get("trouble") or []
    return [Trouble(t["what"], t["window_s"][0], t["window_s"][1], t["detail"]) for t in found]


def judge(report: Report) -> Decision:
    return decide(failed_verdicts(report), troubles(report))


def settle(report: Report, scale: float, rerun: Rerun, progress: Progress = NULL_PROGRESS) -> None:
    """Apply the rerun decision to ``report`` (the alert pipeline's), in place."""
    decision = judge(report)
    if decision.trusted:
        return
    scenarios = sorted(decision.rerun)
    why = "; ".join(
        f"{check_id} during {', '.join(t.summary for t in found[:2])}"
        for check_id, found in sorted(decision.suspect.items())
    )
    second_scale = gentler(scale)
    if second_scale == scale:
        report.untrusted = _untrusted(scenarios, why, scale)
        return
    progress.warning(
        f"{len(scenarios)} scenario(s) failed while the harness was behind; re-running them at "
        f"--time-scale {second_scale:g}: {', '.join(scenarios)}"
    )
    second = rerun(set(scenarios), second_scale)
    replaced = [c for c in report.checks if scenario_of(c.id) in decision.rerun]
    report.checks = [c for c in report.checks if scenario_of(c.id) not in decision.rerun]
    report.attempts.append(
        {
            "attempt": 1,
            "time_scale": scale,
            "scenarios": scenarios,
            "suspect": {k: [t.to_json() for t in v] for k, v in sorted(decision.suspect.items())},
            "harness": report.measurements.get("harness", {}),
            "checks": [_json(c) for c in replaced],
        }
    )
    kinds = {c.kind for c in replaced}
    kept = [c for c in second.checks if scenario_of(c.id) in decision.rerun and c.kind in kinds]
    for check in kept:
        check.details.update(attempt=2, time_scale=second_scale)
    report.checks += kept
    report.attempts.append(
        {
            "attempt": 2,
            "time_scale": second_scale,
            "scenarios": scenarios,
            "harness": second.measurements.get("harness", {}),
            "checks": [c.id for c in kept],
        }
    )
    _merge_coverage(report, second)
    again = judge(second)
    for check in kept:
        if check.id in again.suspect:
            check.details["untrusted"] = True  # not the config's failure, nor a pass: exit 2
    if not again.trusted:
        untrust_coverage(report, [c for c in kept if scenario_of(c.id) in again.rerun])
        report.untrusted = _untrusted(
            sorted(again.rerun),
            "; ".join(
                f"{check_id} during {', '.join(t.summary for t in found[:2])}"
                for check_id, found in sorted(again.suspect.items())
            ),
            second_scale,
        )
    outcome = "failed again" if any(c.failed for c in kept) else "passed"
    report.warning(
        "harness/rerun",
        "reliability",
        f"{len(scenarios)} scenario(s) failed while the harness was in trouble at --time-scale "
        f"{scale:g} ({why}); re-run at {second_scale:g}: {outcome}. Both attempts are in "
        "results.json (attempts)",
        scenarios=scenarios,
    )


def _untrusted(scenarios: list[str], why: str, scale: float) -> str:
    return (
        f"no trustworthy verdict for {', '.join(scenarios)}: they failed while the harness itself "
        f"was behind at --time-scale {scale:g} ({why}). Hint: the machine is too busy; run again "
        f"on a quieter machine, or with a lower --time-scale, e.g. `stackcheck run --only "
        f"alerts,notifications --time-scale {max(1.0, scale / 4):g} --scenarios '{scenarios[0]}'`"
    )


def _merge_coverage(report: Report, second: Report) -> None:
    """Covered in either attempt is covered: the uncovered lists intersect."""
    for key in COVERAGE:
        first, again = report.coverage.get(key), second.coverage.get(key)
        if not first or not again:
            continue
        uncovered = [u for u in first["uncovered"] if u in set(again["uncovered"])]
        first["covered"] = first["total"] - len(uncovered)
        first["uncovered"] = uncovered
    ids = {
        "alert_rules": "coverage/alert-rules",
        "receivers": "coverage/receivers",
        "routes": "coverage/routes",
    }
    for key, check_id in ids.items():
        found = report.coverage.get(key)
        for check in report.checks:
            if check.id != check_id or not check.failed or found is None:
                continue
            if found["uncovered"]:
                check.message = (
                    f"still uncovered after the re-run: {', '.join(found['uncovered'])}. "
                    + check.message.partition(". ")[2]
                )
            else:
                check.status = "passed"
                check.message = "covered once the suspect scenarios were re-run"


def untrust_coverage(report: Report, untrusted: list[CheckResult]) -> None:
    """A coverage gap that only the untrusted scenarios would have closed is untrusted too: the
    alerts and receivers their verdicts name, and the routes to those receivers."""
    names = set()
    for check in untrusted:
        target = check.id.split("/")[2] if check.id.count("/") >= 3 else ""
        names |= set(target.split(":"))
    for key, check_id in (
        ("alert_rules", "coverage/alert-rules"),
        ("receivers", "coverage/receivers"),
        ("routes", "coverage/routes"),
    ):
        uncovered = (report.coverage.get(key) or {}).get("uncovered") or []
        if uncovered and all(u in names or u.rpartition("-> ")[2] in names for u in uncovered):
            for check in report.checks:
                if check.id == check_id and check.failed:
                    check.details["untrusted"] = True


def _json(check: CheckResult) -> dict[str, Any]:
    data: dict[str, Any] = {"id": check.id, "status": check.status, "message": check.message}
    if check.details:
        data["details"] = check.details
    return data


def rerun_on_new_stack(
    project: Project,
    backend: str,
    keep_run_dir: bool,
    coverage: bool,
    progress: Progress = NULL_PROGRESS,
    first_scale: float = 1.0,
) -> Rerun:
    """The ``Rerun`` of a run: the named scenarios on a fresh stack of the same backend. Deadlines
    keep the first attempt's margin in production time (the wall slack grows as the scale
    shrinks): a gentler attempt must not be a stricter one."""

    def rerun(scenarios: set[str], scale: float) -> Report:
        from validation.checks import CheckContext
        from validation.checks.alerts.pipeline import AlertPipelineCheck
        from validation.checks.base import run_check
        from validation.pipeline.timing import Timing
        from validation.stack.stack import Stack, StackOptions

        second = Report()
        stack = Stack(project, StackOptions(backend=backend, time_scale=scale, keep_run_dir=keep_run_dir))
        with tempfile.TemporaryDirectory(prefix="stackcheck-rerun-") as tmp, stack:
            ctx = CheckContext(project, Path(tmp), stack=stack, progress=progress)
            slack = Timing.slack * first_scale / scale
            run_check(AlertPipelineCheck(coverage=coverage, names=scenarios, slack=slack), ctx, second)
        return second

    return rerun
