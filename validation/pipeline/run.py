"""Run every scenario at once on one stack and judge them: `stackcheck run --only alerts,notifications`.

All scenarios start together (each isolated by its own instance/node values), so a run costs
about its longest scenario, not the sum.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from validation.core.errors import HarnessError
from validation.core.results import CheckResult, Kind, Report
from validation.pipeline.coverage import FiredAlert, ScenarioObservation
from validation.pipeline.expectations import ScenarioState, Verdict, judge_alert, judge_notification
from validation.pipeline.harness_health import HarnessMonitor, record_health
from validation.pipeline.inject import Poster, Pusher, aligned_start, serve_scenario
from validation.pipeline.latency import Latency, alert_latencies, external_labels, mark_trouble, summarize
from validation.pipeline.observer import AlertObserver, AlertTrace
from validation.pipeline.timing import Timing
from validation.pipeline.trouble import Trouble, observer_trouble, overdue_trouble, verdict_kind
from validation.routing.config import AlertmanagerConfig
from validation.runner.progress import NULL_PROGRESS, Progress
from validation.scenarios.model import Scenario
from validation.sinks import Notification
from validation.stack.stack import Stack


@dataclass
class PipelineOutcome:
    states: list[ScenarioState]
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    fired: dict[str, set[str]] = field(default_factory=dict)  # alert → scenarios where it fired
    delivered: dict[str, set[str]] = field(default_factory=dict)  # alert → receivers
    label_sets: list[dict[str, str]] = field(default_factory=list)
    latencies: dict[str, dict[str, Any]] = field(default_factory=dict)
    alert_latencies: list[Latency] = field(default_factory=list)
    observations: list[ScenarioObservation] = field(default_factory=list)  # what coverage reads
    closed: dict[str, float] = field(default_factory=dict)  # scenario → wall seconds to its verdicts


_DELIVERIES = ("/delivered", "/recipients")  # verdicts a late delivery can have failed


@dataclass
class _Silence:
    state: ScenarioState
    matchers: list[dict[str, Any]]
    create_at: float
    expire_at: float
    id: str = ""
    done: bool = False


def run_pipeline(
    stack: Stack,
    scenarios: list[Scenario],
    timing: Timing,
    rule_for: dict[str, float],
    routing: AlertmanagerConfig,
    report: Report,
    clock: Callable[[], float] = time.monotonic,
    progress: Progress = NULL_PROGRESS,
    progress_group: str = "alerts",
) -> PipelineOutcome:
    if stack.synthetic is None:
        raise HarnessError("the stack runs without a synthetic target", hint="start it with synthetic=True")
    # Service discovery delivers the synthetic target ~5 s after start-up (wall time, not
    # compressed: 5 production minutes at 60×). Start the scenarios' clocks only once Prometheus
    # scrapes the target, so the first samples of every series are really ingested.
    if not stack.synthetic.wait_for_scrapes(stack.synthetic.scrapes + 1, timeout=60):
        raise HarnessError(
            "Prometheus never scraped the synthetic target within 60 s",
            place=stack.synthetic.url,
            hint="see the Prometheus log in the run directory (--keep)",
        )
    # scrapes at their slots, half a sample step from every boundary (synthetic/exposition.py)
    scrape_every = timing.real(timing.scrape_interval)
    stack.synthetic.follow_scrapes(scrape_every)
    step = min([scrape_every] + [timing.real(s.interval) for s in scenarios])
    start = aligned_start(clock() + 0.05, stack.synthetic.scrape_phase(scrape_every), step)
    origin_wall = time.time() + (start - clock())
    states = [ScenarioState(s.isolate(i), start, timing, rule_for) for i, s in enumerate(scenarios)]
    pusher = Pusher(stack.pushgateway(), clock) if any(s.push_series for s in scenarios) else None
    poster = Poster(stack.alertmanager(), timing.real(60), clock)
    for state in states:
        serve_scenario(stack.synthetic, state.scenario, start, timing.scale)
        if pusher:
            pusher.add(state.scenario, start, timing.scale)
        poster.add(state.scenario, start, timing.scale)
    silences = [
        _Silence(
            state,
            [
                {"name": m.name, "value": m.value, "isRegex": "~" in m.op, "isEqual": "!" not in m.op}
                for m in sil.matchers
            ],
            start + timing.real(sil.after),
            start + timing.real(sil.after + sil.duration),
        )
        for state in states
        for sil in state.scenario.silences
    ]
    observer = AlertObserver(
        stack.prometheus(), max(0.25, timing.real(timing.evaluation_interval)), clock
    ).start()
    monitor = HarnessMonitor(stack.prometheus(), stack.alertmanager(), origin_wall).start()
    if pusher:
        pusher.start()
    poster.start()
    outcome = PipelineOutcome(states)
    end = max((s.window_end + timing.real(timing.group_interval) for s in states), default=start)
    end = max([end] + [s.alert_deadline(a) for s in states for a in s.scenario.exp_alerts])
    end = max([end] + [s.notification_deadline(e) for s in states for e in s.scenario.exp_notifications])
    progress.group_started(progress_group, len(states), (end - start) * timing.scale, timing.scale)
    try:
        am = stack.alertmanager()
        while True:
            now = clock()
            for silence in silences:
                if not silence.id and now >= silence.create_at:
                    # expired explicitly at expire_at: expiring must restore delivery
                    silence.id = am.create_silence(
                        silence.matchers,
                        silence.expire_at - silence.create_at + 60,
                        f"stackcheck scenario {silence.state.scenario.name}",
                    )
                if silence.id and not silence.done and now >= silence.expire_at:
                    am.expire_silence(silence.id)
                    silence.done = True
            final = now >= end
            open_ = _judge(outcome, observer, stack, now, final, progress, progress_group)
            if not open_ or final:
                break
            time.sleep(0.25)
        if any(
            status == "failed" and cid.endswith(_DELIVERIES) for cid, (status, _) in outcome.verdicts.items()
        ):
            # a delivery still in flight lands now and reads as late (harness), not missing (config)
            time.sleep(timing.slack)
    finally:
        monitor.stop()
        observer.stop()
        poster.stop()
        if pusher:
            pusher.stop()
        for state in states:
            stack.synthetic.remove_scenario(state.scenario.name)
    _record(outcome, observer, stack, report, routing)
    before = len(report.checks)
    health = monitor.health(clock() - start)
    health.add(_observer_trouble(observer, states, start, clock() - start, timing, rule_for))
    record_health(health, report)
    latencies = mark_trouble(outcome.alert_latencies, health.troubles, start)
    outcome.latencies = {lat.key: lat.to_json() for lat in latencies}
    report.measurements["alert_latency"] = outcome.latencies
    report.measurements["alert_latency_summary"] = summarize(latencies)
    for check in report.checks[before:]:
        if check.warned:
            # a scenario group's harness ids end in its name (runner/scenario_jobs.py)
            label = check.id if progress_group == "alerts" else f"{check.id}/{progress_group}"
            progress.warning(f"{label}: {check.message}")
    _add_windows(outcome, report, start, observer.snapshot(), stack.inbox.all())
    report.measurements["scenario_seconds"] = {k: round(v, 2) for k, v in outcome.closed.items()}
    progress.group_finished(progress_group)
    return outcome


def _observer_trouble(
    observer: AlertObserver,
    states: list[ScenarioState],
    start: float,
    seconds: float,
    timing: Timing,
    rule_for: dict[str, float],
) -> list[Trouble]:
    """What the alert observer itself shows: stretches it did not poll, and the scenarios'
    alerts Prometheus left pending after their ``for`` ran out (seconds since start). Only the
    scenarios' own: other alerts (the real exporters', the stack's own) may come from rules
    that are not compressed, and no verdict rests on them."""
    pending = []
    for trace in observer.snapshot():
        hold = rule_for.get(trace.name)
        if trace.active_at is None or not hold or not any(s.scope.owns_labels(trace.labels) for s in states):
            continue
        until = trace.first_firing if trace.first_firing is not None else trace.last_seen
        pending.append((trace.name, trace.active_at - start, timing.real(hold), until - start))
    margin = 2 * timing.real(timing.evaluation_interval) + observer.interval
    polls = [at - start for at in observer.poll_times()]
    return overdue_trouble(pending, margin) + observer_trouble(polls, observer.interval, 0.0, seconds)


def _add_windows(
    outcome: PipelineOutcome,
    report: Report,
    start: float,
    traces: list[AlertTrace],
    inbox: list[Notification],
) -> None:
    """A failed verdict says when it was formed (seconds since the pipeline started) and what
    could explain it: harness trouble of that kind in that window makes it suspect
    (``pipeline/trouble.py``)."""
    states = {state.scenario.name: state for state in outcome.states}
    for check in report.checks:
        state = states.get(scenario_of(check.id))
        if not check.failed or state is None:
            continue
        until = max([state.window_end] + [state.alert_deadline(a) for a in state.scenario.exp_alerts])
        until += state.timing.real(state.timing.group_interval)
        target = check.id.split("/")[2] if check.id.count("/") >= 3 else ""
        receiver, _, alert = (
            target.partition(":") if check.id.startswith("notifications/") else ("", "", target)
        )
        alerts = {alert} if alert else state.scenario.expected_alerts
        pinned = [
            e
            for e in state.scenario.exp_notifications
            if (f"{e.receiver}:{e.alertname}" if e.alertname else e.receiver) == target
        ]
        ours = [
            n
            for n in inbox
            if n.status != "resolved" and n.received_at >= state.start and state.scope.owns_notification(n)
        ]
        here = [n for n in ours if n.receiver == receiver]
        received: dict[str, list[str]] = {}  # integration → what each of its notifications said
        for n in here:
            received.setdefault(n.kind, []).append(n.content)
        due = min((state.notification_deadline(e) for e in pinned), default=until)
        arrived = {n.kind for n in here if n.received_at <= due}  # delivered by the deadline
        pinned_kinds = {"email" for e in pinned if e.to} | {"slack" for e in pinned if e.channel}
        reached = any(alerts & state.scope.alertnames(n) for n in here)
        check.details.update(
            scenario=state.scenario.name,
            window_s=[round(state.start - start, 3), round(until - start, 3)],
            **verdict_kind(
                check.id,
                delivered_elsewhere=any(
                    n.receiver != receiver and alerts & state.scope.alertnames(n) for n in ours
                ),
                alert_seen=bool(state.traces(traces, alert)),
                pinned_integration_silent=bool(pinned_kinds - arrived),
                group_split=any(e.contains and _split_only(received, e.contains) for e in pinned),
                arrived_late=reached and pinned_kinds <= set(received),
            ),
        )


def _split_only(received: dict[str, list[str]], wanted: tuple[str, ...]) -> bool:
    """Some notification lacks part of ``wanted``, yet every integration delivered all of it
    across its notifications: a group split in time, not a template that drops the text."""
    lacking = any(not all(w in text for w in wanted) for texts in received.values() for text in texts)
    return lacking and all(
        all(any(w in text for text in texts) for w in wanted) for texts in received.values()
    )


def scenario_of(check_id: str) -> str:
    """``alerts/<scenario>/…`` and ``notifications/<scenario>/…`` → the scenario's name."""
    group, _, rest = check_id.partition("/")
    return rest.partition("/")[0] if group in ("alerts", "notifications") else ""


def _judge(
    outcome: PipelineOutcome,
    observer: AlertObserver,
    stack: Stack,
    now: float,
    final: bool,
    progress: Progress = NULL_PROGRESS,
    progress_group: str = "alerts",
) -> int:
    seen_until = observer.seen_until  # before the snapshot: the snapshot is at least this fresh
    traces = observer.snapshot()
    inbox = stack.inbox.all()
    open_ = 0
    for state in outcome.states:
        name = state.scenario.name
        open_before = open_
        for exp in state.scenario.exp_alerts:
            for what, verdict in judge_alert(state, exp, traces, now, final, seen_until).items():
                open_ += _keep(outcome, f"alerts/{name}/{exp.alertname}/{what}", verdict)
        for note in state.scenario.exp_notifications:
            for what, verdict in judge_notification(state, note, inbox, now, final).items():
                target = f"{note.receiver}:{note.alertname}" if note.alertname else note.receiver
                open_ += _keep(outcome, f"notifications/{name}/{target}/{what}", verdict)
        if open_ == open_before and name not in outcome.closed:
            outcome.closed[name] = now - state.start
            progress.item_done(progress_group, name, _verdicts_of(outcome, name))
    return open_


def _verdicts_of(outcome: PipelineOutcome, scenario: str) -> list[CheckResult]:
    return [
        CheckResult(
            check_id, "alert" if check_id.startswith("alerts/") else "notification", status, 0.0, message
        )
        for check_id, (status, message) in sorted(outcome.verdicts.items())
        if scenario_of(check_id) == scenario
    ]


def _keep(outcome: PipelineOutcome, check_id: str, verdict: Verdict | None) -> int:
    if verdict is None:
        return 1
    if check_id not in outcome.verdicts or outcome.verdicts[check_id][0] == "passed":
        outcome.verdicts[check_id] = verdict
    return 0


def expectation_places(outcome: PipelineOutcome) -> dict[str, tuple[str, int | None]]:
    """``alerts/<scenario>/<alert>`` and ``notifications/<scenario>/<target>`` → the scenario file and
    the line of that expectation, so a failed verdict points at what the user wrote."""
    places: dict[str, tuple[str, int | None]] = {}
    for state in outcome.states:
        scenario = state.scenario
        for exp in scenario.exp_alerts:
            places[f"alerts/{scenario.name}/{exp.alertname}"] = (
                scenario.source,
                exp.line or scenario.line or None,
            )
        for note in scenario.exp_notifications:
            target = f"{note.receiver}:{note.alertname}" if note.alertname else note.receiver
            places[f"notifications/{scenario.name}/{target}"] = (
                scenario.source,
                note.line or scenario.line or None,
            )
    return places


def _record(
    outcome: PipelineOutcome,
    observer: AlertObserver,
    stack: Stack,
    report: Report,
    routing: AlertmanagerConfig,
) -> None:
    traces = observer.snapshot()
    inbox = stack.inbox.all()
    places = expectation_places(outcome)
    for check_id, (status, message) in sorted(outcome.verdicts.items()):
        kind: Kind = "alert" if check_id.startswith("alerts/") else "notification"
        if status == "passed":
            report.passed(check_id, kind, message)
        else:
            file, line = places.get(check_id.rsplit("/", 1)[0], (None, None))
            report.failed(check_id, kind, message, file=file, line=line)
    for state in outcome.states:
        delivered_to = {
            n.receiver for n in inbox if n.received_at >= state.start and state.scope.owns_notification(n)
        }
        if delivered_to:
            outcome.label_sets += [dict(a.labels) for a in state.scenario.post_alerts]
        positive = state.scenario.expected_alerts
        for trace in traces:
            if (
                trace.first_firing is not None
                and state.scope.owns_labels(trace.labels)
                and trace.name in positive
            ):
                outcome.fired.setdefault(trace.name, set()).add(state.scenario.name)
                outcome.label_sets.append(trace.labels)
        observation = ScenarioObservation(state.scenario, receivers=delivered_to)
        observation.fired = [
            FiredAlert(dict(t.labels), dict(t.annotations))
            for t in traces
            if t.first_firing is not None and state.scope.owns_labels(t.labels)
        ] + [FiredAlert(dict(a.labels), dict(a.annotations), posted=True) for a in state.scenario.post_alerts]
        for note in inbox:
            if note.received_at >= state.start and state.scope.owns_notification(note):
                for alert in state.scope.alertnames(note):
                    observation.delivered.setdefault(alert, set()).add(note.receiver)
                for alert in state.scope.alertnames(note) & positive:
                    outcome.delivered.setdefault(alert, set()).add(note.receiver)
        outcome.observations.append(observation)
    outcome.alert_latencies = alert_latencies(
        outcome.states, traces, inbox, routing, external_labels(stack.prometheus())
    )
    report.measurements["observer_errors"] = observer.errors
