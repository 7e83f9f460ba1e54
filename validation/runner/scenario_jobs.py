"""The alert pipeline as jobs: one stack per scenario group, all at once, coverage merged.

``ScenarioJobs`` loads and filters the scenarios, starts the planner's oracle in the background
and hands the ``JobRunner`` one job per group of the initial plan. A job whose sampling is the
production one runs at once; a coarse job waits for the oracle and runs only the scenarios it
proved. A scenario the oracle refused runs in a late job at a smaller K (its own stack), so no
group ever waits for another. At the end the outcomes of every group feed one coverage gate.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from validation.checks.alerts.pipeline import AlertPipelineCheck, load_checked_scenarios, production_timing
from validation.checks.base import CheckContext
from validation.core.alert_rules import load_alert_rules
from validation.core.durations import parse_duration_seconds
from validation.core.results import Report
from validation.core.yamlload import load_yaml
from validation.fixtures.endpoints import FILE_NAME as ENDPOINTS_FILE
from validation.pipeline.coverage import compute_coverage, record_coverage
from validation.pipeline.endpoints import record_endpoint_checks
from validation.pipeline.grouping import GroupSpec, Planner, default_cache_dir, group_timing, promtool_oracle
from validation.pipeline.paths import path_coverage
from validation.pipeline.run import PipelineOutcome, run_pipeline
from validation.pipeline.timing import Timing
from validation.runner.attempts import Rerun, settle, untrust_coverage
from validation.runner.jobs import Job, JobPlanContext, JobResult, JobRunner
from validation.scenarios.model import Scenario
from validation.scenarios.selection import runnable_at, select_scenarios
from validation.sinks import Notification
from validation.sinks.base import Rejection
from validation.stack.stack import Stack
from validation.timescale.promql import uncompressible_reasons

PIPELINE_KINDS = {"alerts": "alert", "notifications": "notification"}


@dataclass
class GroupRun:
    """One group's share of the run: who ran where, and what came out."""

    spec: GroupSpec
    name: str
    scenarios: list[Scenario] = field(default_factory=list)
    outcome: PipelineOutcome | None = None
    inbox: list[Notification] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    spans: dict[str, float] = field(default_factory=dict)  # production seconds per scenario
    reruns: list[PipelineOutcome] = field(default_factory=list)  # second attempts (coverage)
    harness: dict[str, Any] = field(default_factory=dict)  # the harness's health, this group's
    rejections: list[Rejection] = field(default_factory=list)  # deliveries its sinks refused
    pipeline: Report | None = None  # the first attempt's checks, until settled

    def describe(self, wall_s: float, startup_s: float) -> dict[str, Any]:
        span = max(self.spans.values(), default=0.0)
        return {
            "name": self.name,
            **self.spec.describe(),
            "scenarios": [s.name for s in self.scenarios],
            "production_span_s": round(span, 3),
            "startup_s": round(startup_s, 3),
            "wall_s": round(wall_s, 3),
            "production_per_wall": round(span / wall_s, 1) if wall_s else 0.0,
            "oracle_notes": self.notes,
        }


def uncompressible_alerts(ctx: CheckContext) -> set[str]:
    """Alert rules whose expression reads the wall clock: no K other than 1 keeps their value."""
    out: set[str] = set()
    for path in ctx.project.rule_files():
        for group in (load_yaml(path) or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                if "alert" in rule and uncompressible_reasons(str(rule.get("expr", ""))):
                    out.add(str(rule["alert"]))
    return out


def lookback_seconds(ctx: CheckContext) -> float:
    prom = ctx.project.components.get("prometheus")
    flags = prom.flags if prom is not None else {}
    return parse_duration_seconds(str(flags.get("query.lookback-delta", "5m")))


class ScenarioJobs:
    """Plans the groups and builds their jobs; ``record`` merges them into the run's report."""

    def __init__(self, plan_ctx: JobPlanContext, report: Report) -> None:
        self.plan_ctx = plan_ctx
        options = plan_ctx.options
        ctx = CheckContext(plan_ctx.project, plan_ctx.work_dir)
        scenarios, self.rules, self.routing = load_checked_scenarios(ctx)
        scenarios = select_scenarios(
            scenarios, options.scenarios, options.scenario_names, plan_ctx.project.scenarios_dir
        )
        self.cap = float(options.time_scale)
        self.uncompressible = uncompressible_alerts(ctx) if self.cap != 1 else set()
        runnable = runnable_at(scenarios, self.cap, self.uncompressible, report)
        self.production: Timing = production_timing(ctx, 1, self.routing)
        self.planner = Planner(
            runnable,
            self.rules,
            self.production,
            promtool_oracle(
                plan_ctx.project.rule_files(),
                self.production,
                work_root=plan_ctx.work_dir,
                cache_dir=default_cache_dir(),
            ),
            cap=self.cap,
            floor_s=options.interval_floor,
            budget_s=options.group_budget,
            lookback_s=lookback_seconds(ctx),
        )
        self.final: Future[tuple[dict[str, int], list[str]]] = Future()
        self.oracle_s = 0.0
        self.groups: list[GroupRun] = []
        self._lock = threading.Lock()
        self.coverage = (
            {"alerts", "notifications"} <= set(options.only)
            and not options.scenarios
            and options.scenario_names is None
        )
        self.kinds = {PIPELINE_KINDS[g] for g in options.only if g in PIPELINE_KINDS} | {"reliability"}
        self.progress = options.progress

    @property
    def exact_k(self) -> float:
        return self.planner.specs[0].k

    def jobs(self, runner: JobRunner) -> list[Job]:
        """One job per group of the initial plan; the oracle runs meanwhile."""
        threading.Thread(target=self._prove, args=(runner,), name="sampling-oracle", daemon=True).start()
        jobs = []
        for i, spec in enumerate(self.planner.specs):
            members = [s for s in self.planner.scenarios if self.planner.initial[s.name] == i]
            if members:
                jobs.append(self._job(spec, spec.name, members if spec.exact else None))
        return jobs

    def _job(self, spec: GroupSpec, name: str, members: list[Scenario] | None) -> Job:
        group = GroupRun(spec, name)
        with self._lock:
            self.groups.append(group)

        def body(stack: Stack | None, report: Report) -> None:
            assert stack is not None, "a scenario group owns its stack"
            chosen = members
            if chosen is None:  # a coarse group: only what the oracle proved
                waited = time.monotonic()
                choice, notes = self.final.result()
                report.measurements["oracle_wait_s"] = round(time.monotonic() - waited, 3)
                index = self.planner.specs.index(spec)
                chosen = [s for s in self.planner.scenarios if choice[s.name] == index]
                group.notes = [n for n in notes if n.startswith(tuple(f"{s.name}:" for s in chosen))]
            self._run_group(group, chosen, stack, report)

        def after_stop(report: Report) -> None:
            self._settle_group(group, report, job.stacks)

        options = self.plan_ctx.stack_options(spec.k, 0.0 if spec.exact else spec.interval_s)
        job = Job(name, options, body, {"k": spec.k, "production_sampling_s": spec.sampling_s})
        job.after_stop = after_stop
        return job

    def _prove(self, runner: JobRunner) -> None:
        started = time.monotonic()
        try:
            choice, notes = self.planner.prove()
            self.oracle_s = round(time.monotonic() - started, 3)
        except BaseException as exc:
            self.final.set_exception(exc)
            return
        # late jobs are added before the waiting jobs may end: the runner must never see a
        # moment with no job alive while one is still to come
        initial = self.planner.initial
        for i, spec in enumerate(self.planner.specs):
            members = [s for s in self.planner.scenarios if choice[s.name] == i]
            if spec.exact:  # its job already runs the initial members
                late = [s for s in members if initial[s.name] != i]
            else:  # a coarse job waits for the final choice, unless there is none
                late = [] if any(initial[s.name] == i for s in self.planner.scenarios) else members
            if late:
                runner.add(self._job(spec, f"{spec.name}-refused", late))
        self.final.set_result((choice, notes))

    def _run_group(self, group: GroupRun, scenarios: list[Scenario], stack: Stack, report: Report) -> None:
        group.scenarios = scenarios
        group.spans = {s.name: self.planner.span(s, group.spec) for s in scenarios}
        if not scenarios:
            return
        timing = group_timing(self.production, group.spec)
        pipeline = Report()
        started = time.monotonic()
        group.outcome = run_pipeline(
            stack,
            scenarios,
            timing,
            self.rules,
            self.routing,
            pipeline,
            progress=self.progress,
            progress_group=group.name,
        )
        report.measurements["pipeline_s"] = round(time.monotonic() - started, 3)
        group.inbox = stack.inbox.all()
        group.rejections = _rejections(stack)
        group.harness = dict(pipeline.measurements.get("harness") or {})
        group.pipeline = pipeline

    def _settle_group(self, group: GroupRun, report: Report, stacks: list[Stack]) -> None:
        """Once the group's stack stopped: its failures formed in harness trouble re-run on a
        fresh stack at half its K (``attempts.settle``), then its checks and figures join the
        job's report. Trouble windows are relative to this group's start, so each group is
        settled on its own, before anything is merged."""
        pipeline = group.pipeline
        if pipeline is None:
            return
        settle(pipeline, group.spec.k, self._rerun(group, stacks), self.progress)
        report.attempts += pipeline.attempts
        report.untrusted = pipeline.untrusted
        pipeline.stamp_severity(AlertPipelineCheck.severity)
        for check in pipeline.checks:
            if check.kind in self.kinds:
                if check.id.startswith("harness/"):
                    check.id = f"{check.id}/{group.name}"
                report.checks.append(check)
        report.measurements.update(pipeline.measurements)

    def gentler_spec(self, spec: GroupSpec, k: float) -> GroupSpec:
        """A group's spec at the re-run's smaller ``k``. An exact group stays exact (its wall
        interval only grows). A coarse group takes the production sampling when that is above the
        floor at ``k``; otherwise it keeps the sampling the oracle proved for it: exact sampling
        there would put the intervals under the floor the machine sustains, the trouble the re-run
        is meant to escape, while the proven sampling's wall interval doubles."""
        production = self.production.scrape_interval
        if spec.exact or production / k >= self.plan_ctx.options.interval_floor:
            return GroupSpec(k, production, True)
        return GroupSpec(k, spec.sampling_s, False)

    def _rerun(self, group: GroupRun, stacks: list[Stack]) -> Rerun:
        """Re-run the named scenarios of ``group`` on a fresh stack at ``k`` (``attempts.settle``);
        deadlines keep the first attempt's margin in production time."""

        def rerun(names: set[str], k: float) -> Report:
            spec = self.gentler_spec(group.spec, k)
            scenarios = [s for s in group.scenarios if s.name in names]
            timing = dataclasses.replace(
                group_timing(self.production, spec), slack=Timing.slack * group.spec.k / k
            )
            second = Report()
            stack = Stack(
                self.plan_ctx.project,
                self.plan_ctx.stack_options(k, 0.0 if spec.exact else spec.interval_s),
            )
            stacks.append(stack)  # stop_all stops it on Ctrl-C / SIGTERM
            with stack:
                outcome = run_pipeline(
                    stack,
                    scenarios,
                    timing,
                    self.rules,
                    self.routing,
                    second,
                    progress=self.progress,
                    progress_group=f"{group.name}-rerun",
                )
                with self._lock:
                    group.reruns.append(outcome)
                    group.inbox += stack.inbox.all()
                    group.rejections += _rejections(stack)
            second.measurements["rerun"] = {"k": k, "interval_s": spec.interval_s, "exact": spec.exact}
            return second

        return rerun

    def record(self, report: Report, results: list[JobResult]) -> None:
        """Coverage over every group at once (a rule covered in any group is covered), and each
        group's K, intervals and wall time in ``environment.groups``."""
        by_name = {r.job.name: r for r in results}
        report.environment["groups"] = [
            group.describe(by_name[group.name].wall_s, by_name[group.name].startup_s)
            | {"address_block": by_name[group.name].environment.get("address_block", "")}
            for group in self.groups
            if group.name in by_name
        ]
        merged = PipelineOutcome([])
        inbox: list[Notification] = []
        harness = {}
        for group in self.groups:
            if group.outcome is None:
                continue
            harness[group.name] = group.harness
            # covered in either attempt is covered: the second attempt's outcome joins the first's
            for outcome in [group.outcome, *group.reruns]:
                merged.states += outcome.states
                merged.verdicts.update(outcome.verdicts)
                for alert, names in outcome.fired.items():
                    merged.fired.setdefault(alert, set()).update(names)
                for alert, receivers in outcome.delivered.items():
                    merged.delivered.setdefault(alert, set()).update(receivers)
                merged.label_sets += outcome.label_sets
                merged.observations += outcome.observations
            merged.latencies.update(group.outcome.latencies)
            inbox += group.inbox
        report.measurements["alert_latency"] = merged.latencies
        report.measurements["sampling_oracle_s"] = self.oracle_s
        report.measurements["harness_by_group"] = harness
        if self.coverage:
            project = self.plan_ctx.project
            rules = load_alert_rules(project.rule_files(), project.root)
            record_coverage(
                compute_coverage(rules, self.routing, merged.observations, self.uncompressible), report
            )
            untrust_coverage(report, [c for c in report.checks if c.failed and c.untrusted])
            prometheus = project.components["prometheus"].config
            if prometheus is not None:
                scenarios = [s for group in self.groups for s in group.scenarios]
                report.coverage["paths"] = path_coverage(
                    scenarios, prometheus, project.address_of("pushgateway")
                )
        if "notification" in self.kinds:  # once for the run: every group's sinks together
            record_endpoint_checks(
                [r for group in self.groups for r in group.rejections],
                inbox,
                (self.plan_ctx.project.fixtures_dir / ENDPOINTS_FILE).is_file(),
                report,
            )


def _rejections(stack: Stack) -> list[Rejection]:
    return [r for sink in stack.sinks or [] for r in sink.rejected]
