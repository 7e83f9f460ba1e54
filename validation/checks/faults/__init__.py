"""The faults group (`--only faults`): the stack keeps its promises when receivers, components and
configs fail. docs/faults.md lists every case, what it catches and its severity.

``run_faults`` starts a stack of its own (Prometheus, Alertmanager, Pushgateway, the sinks and
the synthetic target; no node_exporters), so it can run beside the scenarios' stack. The cases
run in three phases; within a phase, lanes run concurrently and the cases of a lane one after
the other. Cases share a phase only when their faults cannot disturb each other:

1. receiver outage (sinks fail for named receivers), broken reloads (Prometheus, Alertmanager:
   the old config keeps serving), Pushgateway restarts (nothing else uses it);
2. Prometheus kill -9, then its retention restart | Alertmanager SIGTERM restart (posted alerts:
   no Prometheus needed);
3. Alertmanager down while Prometheus fires.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from validation.checks.alerts.pipeline import load_checked_scenarios
from validation.checks.base import CheckContext
from validation.checks.faults.alertmanager_down import AlertmanagerDownCase
from validation.checks.faults.alertmanager_reload import AlertmanagerReloadCase
from validation.checks.faults.alertmanager_restart import AlertmanagerRestartCase
from validation.checks.faults.common import KIND, FaultCase, FaultContext
from validation.checks.faults.prometheus_crash import PrometheusCrashCase
from validation.checks.faults.prometheus_reload import PrometheusReloadCase
from validation.checks.faults.pushgateway_persistence import PushgatewayPersistenceCase
from validation.checks.faults.receiver_outage import ReceiverOutageCase
from validation.checks.faults.retention import RetentionCase
from validation.core.errors import ConfigError
from validation.core.project import Project
from validation.core.results import Report
from validation.stack.stack import Stack, StackOptions

COMPONENTS = ("prometheus", "alertmanager", "pushgateway")
Lane = list[type[FaultCase]]
PHASES: list[list[Lane]] = [
    [[ReceiverOutageCase], [PrometheusReloadCase], [AlertmanagerReloadCase], [PushgatewayPersistenceCase]],
    [[PrometheusCrashCase, RetentionCase], [AlertmanagerRestartCase]],
    [[AlertmanagerDownCase]],
]
CASES: list[type[FaultCase]] = [case for phase in PHASES for lane in phase for case in lane]


@dataclass
class FaultOptions:
    backend: str = "process"
    time_scale: float = 60.0
    keep_run_dir: bool = False
    cases: tuple[str, ...] = ()  # case ids (faults/pushgateway, …) to run; empty: all


def selected_phases(cases: tuple[str, ...]) -> list[list[Lane]]:
    """``PHASES`` with only the named cases (all when ``cases`` is empty); empty lanes dropped."""
    if not cases:
        return PHASES
    phases = [[[c for c in lane if c.id in cases] for lane in phase] for phase in PHASES]
    return [[lane for lane in phase if lane] for phase in phases if any(phase)]


def run_faults(
    project: Project, options: FaultOptions, report: Report, started_stacks: list[Stack] | None = None
) -> None:
    """Start the faults stack, run every case against it, append the results to ``report``.

    Raises ``HarnessError`` when the harness cannot proceed (exit 2); a config that makes a
    component fail to start is a failed ``faults/stack/start`` (exit 1). The stack is appended
    to ``started_stacks`` so that a caller running this on another thread can stop it (Ctrl-C).
    """
    started = time.monotonic()
    scenarios, rules, routing = load_checked_scenarios(CheckContext(project, Path(".")))
    stack = Stack(
        project,
        StackOptions(
            backend=options.backend,
            time_scale=options.time_scale,
            keep_run_dir=options.keep_run_dir,
            components=COMPONENTS,
        ),
    )
    if started_stacks is not None:
        started_stacks.append(stack)
    results = Report()
    try:
        with stack:
            report.measurements["faults_startup_s"] = round(time.monotonic() - started, 3)
            fx = FaultContext(project, stack, options.time_scale, scenarios, rules, routing, stack.run_dir)
            phases = []
            selected = selected_phases(options.cases)
            cases = {case: case() for phase in selected for lane in phase for case in lane}
            for case in list(cases):
                absent = [c for c in case.needs if c not in project.components]
                if absent:
                    results.skipped(case.id, KIND, f"the stack has no {', '.join(absent)}")
                    del cases[case]
            for instance in cases.values():
                instance.prepare(fx, results)
            for phase in selected:
                begun = time.monotonic()
                _run_phase(fx, [[cases[c] for c in lane if c in cases] for lane in phase], results)
                phases.append(round(time.monotonic() - begun, 3))
            report.measurements["faults_phase_s"] = phases
    except ConfigError as exc:
        results.failed("faults/stack/start", KIND, exc.render(), severity="error")
    report.environment = report.environment or stack.environment()
    report.checks += results.checks
    report.measurements["faults_wall_s"] = round(time.monotonic() - started, 3)


def _run_phase(fx: FaultContext, lanes: list[list[FaultCase]], report: Report) -> None:
    errors: list[BaseException] = []
    reports = [Report() for _ in lanes]

    def lane(cases: list[FaultCase], out: Report) -> None:
        try:
            for case in cases:
                start = len(out.checks)
                try:
                    case.run(fx, out)
                except ConfigError as exc:  # a component the config breaks did not come back
                    out.failed(case.id, KIND, exc.render())
                finally:
                    out.stamp_severity(case.severity, start)
        except BaseException as exc:  # re-raised on the calling thread
            errors.append(exc)

    threads = [
        threading.Thread(target=lane, args=(cases, out), daemon=True)
        for cases, out in zip(lanes, reports, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for out in reports:
        report.checks += out.checks
    if errors:
        raise errors[0]


__all__ = ["CASES", "PHASES", "FaultOptions", "run_faults", "selected_phases"]
