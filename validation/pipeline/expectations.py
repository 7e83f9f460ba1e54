"""Judge a scenario's expectations against what was observed.

Each expectation becomes one check (kind ``alert`` or ``notification``) whose id is stable:
``alerts/<scenario>/<alert>/<what>`` and ``notifications/<scenario>/<receiver>/<what>``.
``judge(now, final)`` returns None while the outcome is still open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from validation.pipeline.observer import AlertTrace
from validation.pipeline.scope import Scope
from validation.pipeline.timing import Timing
from validation.scenarios.model import ExpAlert, ExpNotification, Scenario
from validation.sinks import Notification

Verdict = tuple[Literal["passed", "failed"], str]


@dataclass
class ScenarioState:
    scenario: Scenario
    start: float
    timing: Timing
    rule_for: dict[str, float]
    scope: Scope = field(init=False)

    def __post_init__(self) -> None:
        self.scope = Scope.of(self.scenario)

    @property
    def data_end(self) -> float:
        return self.start + self.timing.real(self.scenario.duration)

    @property
    def window_end(self) -> float:
        """Until when absence is watched: the data, then the time any consequence needs."""
        return self.data_end + self.timing.real(self.timing.settle) + self.timing.slack

    def alert_deadline(self, exp: ExpAlert) -> float:
        bound = exp.fires_within if exp.fires_within is not None else self.scenario.duration
        return self.start + self.timing.real(bound) + self.timing.slack

    def notification_deadline(self, exp: ExpNotification) -> float:
        """By when a notification is due: its own ``within``, else the latest alert deadline of
        the scenario (or the end of its data) plus the route's group_wait — or its group_interval,
        when longer: an alert that joins a group already notified (a route without ``group_by``,
        or one that groups scenarios together) waits for the group's next flush."""
        if exp.within is not None:
            return self.start + self.timing.real(exp.within) + self.timing.slack
        latest = max(
            (self.alert_deadline(a) for a in self.scenario.exp_alerts if not a.absent), default=self.data_end
        )
        wait = max(self.timing.group_wait, self.timing.group_interval)
        return latest + self.timing.real(wait) + self.timing.slack

    def traces(self, traces: list[AlertTrace], name: str) -> list[AlertTrace]:
        return [t for t in traces if t.name == name and self.scope.owns_labels(t.labels)]

    def notifications(
        self, inbox: list[Notification], receiver: str, alertname: str = ""
    ) -> list[Notification]:
        return [
            n
            for n in inbox
            if n.receiver == receiver
            and n.received_at >= self.start
            and self.scope.owns_notification(n)
            and (not alertname or alertname in self.scope.alertnames(n))
        ]


def _labels_match(trace: AlertTrace, exp: ExpAlert) -> bool:
    return all(trace.labels.get(k) == v for k, v in exp.exp_labels.items())


def judge_alert(
    state: ScenarioState,
    exp: ExpAlert,
    traces: list[AlertTrace],
    now: float,
    final: bool,
    seen_until: float | None = None,
) -> dict[str, Verdict | None]:
    """``seen_until``: what ``traces`` say holds at least until then (the observer's last poll;
    default ``now``). A verdict that rests on an alert *not* being seen waits for a poll past its
    deadline: an observer that fell behind has not seen the alert yet, it did not see it missing."""
    name = exp.alertname
    seen = now if seen_until is None else seen_until
    own = state.traces(traces, name)
    if exp.absent:
        fired = [t for t in own if _labels_match(t, exp) and t.first_firing is not None]
        if fired:
            got = "; ".join(_describe(t, state) for t in fired)
            return {
                "silent": (
                    "failed",
                    f"exp: {name} never fires in this scenario, got: {got}. Hint: the "
                    "threshold or `for` is too loose for this negative case — or the scenario data "
                    "crosses it",
                )
            }
        if (now >= state.window_end and seen >= state.window_end) or final:
            return {"silent": ("passed", "")}
        return {"silent": None}
    deadline = state.alert_deadline(exp)
    matching = [t for t in own if _labels_match(t, exp)]
    firing = [t for t in matching if t.first_firing is not None and t.first_firing <= deadline]
    out: dict[str, Verdict | None] = {}
    if not firing:
        if (now < deadline or seen < deadline) and not final:
            return {"fires": None}
        got = (
            "; ".join(_describe(t, state) for t in own) or "no alert of that name for this scenario's series"
        )
        bound = exp.fires_within if exp.fires_within is not None else state.scenario.duration
        out["fires"] = (
            "failed",
            f"exp: {name}{_fmt(exp.exp_labels)} firing within {bound:g}s (production), "
            f"got: {got}. Hint: check the rule's threshold, `for` and labels against the scenario's "
            f"series ({state.scenario.place(exp.line)})",
        )
        return out
    trace = min(firing, key=lambda t: t.first_firing or 0)
    assert trace.first_firing is not None
    out["fires"] = (
        "passed",
        f"firing after {(trace.first_firing - state.start) * state.timing.scale:.0f}s (production)",
    )
    want_pending = exp.pending if exp.pending is not None else state.rule_for.get(name, 0) > 0
    if want_pending:
        out["pending"] = (
            ("passed", "")
            if trace.first_pending is not None and trace.first_pending <= trace.first_firing
            else (
                "failed",
                f"exp: {name} pending before firing, got: firing without a pending "
                "phase. Hint: the rule's `for` is 0 or shorter than one evaluation interval",
            )
        )
    wrong = {
        k: (v, trace.annotations.get(k))
        for k, v in exp.exp_annotations.items()
        if trace.annotations.get(k) != v
    }
    wrong |= {
        k: (f"…{v}…", trace.annotations.get(k))
        for k, v in exp.exp_annotations_contain.items()
        if v not in (trace.annotations.get(k) or "")
    }
    if exp.exp_annotations or exp.exp_annotations_contain:
        out["annotations"] = (
            ("passed", "")
            if not wrong
            else (
                "failed",
                "; ".join(f"{k}: exp {e!r}, got {g!r}" for k, (e, g) in sorted(wrong.items()))
                + ". Hint: check the annotation templates of the rule",
            )
        )
    if exp.resolves:
        resolve_by = state.window_end + state.timing.real(state.timing.evaluation_interval * 2)
        if trace.gone_at is not None:
            out["resolves"] = ("passed", "")
        elif now >= resolve_by or final:
            out["resolves"] = (
                "failed",
                f"exp: {name} resolved after the series return to normal, got: still "
                "active. Hint: check the scenario's recovery values and the rule's expression",
            )
        else:
            out["resolves"] = None
    return out


def judge_notification(
    state: ScenarioState, exp: ExpNotification, inbox: list[Notification], now: float, final: bool
) -> dict[str, Verdict | None]:
    got = state.notifications(inbox, exp.receiver, exp.alertname)
    deadline = state.notification_deadline(exp)
    firing = [n for n in got if n.status != "resolved"]
    if exp.absent:
        if exp.contains:  # only notifications carrying all of these strings are forbidden
            firing = [n for n in firing if all(c in n.content for c in exp.contains)]
        if firing:
            return {
                "not-delivered": (
                    "failed",
                    f"exp: nothing for this scenario at {exp.receiver!r}, got: "
                    + "; ".join(n.summary() for n in firing[:3])
                    + ". Hint: the routing tree (matchers, continue) or an inhibition sends it "
                    "there",
                )
            }
        if now >= state.window_end or final:
            return {"not-delivered": ("passed", "")}
        return {"not-delivered": None}
    out: dict[str, Verdict | None] = {}
    if not firing:
        if now < deadline and not final:
            return {"delivered": None}
        lacking = _unnamed(state, exp, inbox)
        if lacking:
            values = sorted({v.rsplit(":", 1)[0] for v in state.scope.values})
            return {
                "delivered": (
                    "failed",
                    f"exp: a notification at {exp.receiver!r} naming this scenario's {values}, got: "
                    + "; ".join(
                        f"arrived at {exp.receiver!r} ({n.kind}) but lacked {values}: {n.summary()}"
                        for n in lacking[:3]
                    )
                    + ". Hint: the receiver's template drops the node / instance label",
                )
            }
        elsewhere = sorted({n.receiver for n in inbox if state.scope.owns_notification(n)})
        anonymous = _anonymous(state, exp, inbox)
        unnamed = (
            f"; {len(anonymous)} notification(s) there in its time named neither its alert nor its hosts, "
            f"e.g. {anonymous[0].content[:160]!r} — if one was this alert, the receiver's template says "
            "neither which alert nor which host (a text of .CommonAnnotations is empty once alerts that "
            "differ are grouped together: add group_by, or name .Alerts in the template)"
            if anonymous and not elsewhere
            else ""
        )
        return {
            "delivered": (
                "failed",
                f"exp: a notification at {exp.receiver!r}, got: none"
                + (f" (this scenario's alerts reached {elsewhere})" if elsewhere else "")
                + unnamed
                + ". Hint: check the route matchers, inhibitions, and that the receiver's "
                "integration works (see the sink's rejections)",
            )
        }
    first = min(firing, key=lambda n: n.received_at)
    out["delivered"] = ("passed", f"after {first.received_at - state.start:.2f}s wall")
    if exp.contains:
        # every integration of the receiver must carry the content: an email with the runbook
        # link does not excuse a Slack message without it
        problems = []
        for kind in sorted({n.kind for n in firing}):
            text = "\n".join(n.content for n in firing if n.kind == kind)
            missing = [c for c in exp.contains if c not in text]
            if missing:
                sample = next(n for n in firing if n.kind == kind).content[:300]
                problems.append(f"{kind} lacks {missing} (got: {sample!r})")
        # the joined text only grows: content passes as soon as it is there, and fails only at
        # the window's end — judged earlier, whichever group Alertmanager flushes first decides
        out["content"] = (
            ("passed", "")
            if not problems
            else None
            if now < state.window_end and not final
            else (
                "failed",
                f"exp: every notification at {exp.receiver!r} contains {list(exp.contains)}, got: "
                + "; ".join(problems)
                + ". Hint: check the receiver's templates (subject, text, title)",
            )
        )
    if exp.to or exp.channel:
        out["recipients"] = _judge_recipients(exp, firing, waiting=now < deadline and not final)
    if exp.labels:
        out["labels"] = _judge_labels(state, exp, firing)
    if exp.count is not None:
        if now < state.window_end and not final:
            out["count"] = None
        else:
            # one Alertmanager notification fans out to each integration of the receiver
            per_kind: dict[str, int] = {}
            # only the scenario's own window: later, repeat_interval legitimately repeats it
            in_window = [n for n in firing if n.received_at <= state.window_end]
            for note in distinct(in_window, state.timing.real(state.timing.group_interval)):
                per_kind[note.kind] = per_kind.get(note.kind, 0) + 1
            wrong = {k: n for k, n in per_kind.items() if n != exp.count}
            out["count"] = (
                ("passed", "")
                if not wrong
                else (
                    "failed",
                    f"exp: {exp.count} notification(s) at {exp.receiver!r} per integration, got: "
                    + ", ".join(f"{n} by {k}" for k, n in sorted(per_kind.items()))
                    + ". Hint: check group_by and group_interval / repeat_interval",
                )
            )
    if exp.resolved:
        if any(n.status == "resolved" for n in got):
            out["resolved"] = ("passed", "")
        elif now >= state.window_end + state.timing.real(state.timing.group_interval) or final:
            out["resolved"] = (
                "failed",
                f"exp: a resolved notification at {exp.receiver!r}, got: none. Hint: "
                "send_resolved must be true for this receiver",
            )
        else:
            out["resolved"] = None
    return out


def _unowned(state: ScenarioState, exp: ExpNotification, inbox: list[Notification]) -> list[Notification]:
    """Plain-text notifications at the receiver, from this scenario's start, that name none of
    its hosts (node or instance)."""
    return [
        n
        for n in inbox
        if n.receiver == exp.receiver
        and n.received_at >= state.start
        and n.status != "resolved"
        and not n.alerts
        and not state.scope.owns_notification(n)
    ]


def _wanted(state: ScenarioState, exp: ExpNotification) -> set[str]:
    return {exp.alertname} if exp.alertname else state.scenario.expected_alerts


def _unnamed(state: ScenarioState, exp: ExpNotification, inbox: list[Notification]) -> list[Notification]:
    """Of those, the ones about its alerts: the delivery happened, its content is what is missing."""
    wanted = _wanted(state, exp)
    return [n for n in _unowned(state, exp, inbox) if wanted & state.scope.alertnames(n)]


def _anonymous(state: ScenarioState, exp: ExpNotification, inbox: list[Notification]) -> list[Notification]:
    """Of those, the ones while it ran that name none of its alerts either — whoever they were
    about, they cannot be told apart."""
    wanted = _wanted(state, exp)
    return [
        n
        for n in _unowned(state, exp, inbox)
        if n.received_at <= state.window_end and not wanted & state.scope.alertnames(n)
    ]


def _judge_labels(state: ScenarioState, exp: ExpNotification, firing: list[Notification]) -> Verdict:
    """Every alert of the scenario in a structured notification carries the pinned labels."""
    structured = [n for n in firing if n.structured and n.alerts]
    if not structured:
        return (
            "failed",
            f"exp: alerts at {exp.receiver!r} labelled {exp.labels}, got: no notification with alert labels "
            "(only webhooks carry them). Hint: pin labels on a webhook receiver's expectation",
        )
    wrong = sorted(
        {
            f"{k}={a.get(k)!r}"
            for n in structured
            for a in n.alerts
            if state.scope.owns_labels(a)
            for k, v in exp.labels.items()
            if a.get(k) != v
        }
    )
    if not wrong:
        return ("passed", "")
    return (
        "failed",
        f"exp: every alert at {exp.receiver!r} labelled {exp.labels}, got: {', '.join(wrong)}. Hint: the "
        "labels Prometheus adds on the way (global.external_labels, alert_relabel_configs) changed",
    )


def _judge_recipients(exp: ExpNotification, firing: list[Notification], waiting: bool) -> Verdict | None:
    """Every email went to the pinned mailboxes and every Slack message to the pinned channel.
    ``waiting``: before the deadline an integration that has not delivered yet may still (one
    notification reaches a receiver's integrations one after the other); a wrong address is
    final at once."""
    problems, silent = [], []
    if exp.to:
        mails = [n for n in firing if n.kind == "email"]
        if not mails:
            silent.append(f"no email arrived (to: {list(exp.to)} pinned)")
        for mail in mails:
            got = {str(a).lower() for a in [*mail.meta.get("to", []), *mail.meta.get("rcpt_tos", [])]}
            missing = [a for a in exp.to if a not in got]
            if missing:
                problems.append(f"an email went to {sorted(got)}, not {missing}")
    if exp.channel:
        posts = [n for n in firing if n.kind == "slack"]
        if not posts:
            silent.append(f"no Slack message arrived (channel {exp.channel} pinned)")
        wrong = sorted(
            {str(n.meta.get("channel") or "(the webhook's default)") for n in posts} - {exp.channel}
        )
        if wrong:
            problems.append(f"Slack messages went to {wrong}, not {exp.channel}")
    if silent and waiting and not problems:
        return None
    problems += silent
    if not problems:
        return ("passed", "")
    return (
        "failed",
        f"exp: notifications at {exp.receiver!r} addressed as pinned, got: "
        + "; ".join(problems)
        + ". Hint: check the receiver's to: / channel: in alertmanager.yml",
    )


def distinct(notes: list[Notification], window: float) -> list[Notification]:
    """Drop retries: the same content at the same receiver again within one group_interval is
    Alertmanager retrying a delivery it could not confirm, not a second notification."""
    kept: list[Notification] = []
    for note in sorted(notes, key=lambda n: n.received_at):
        if any(
            k.kind == note.kind and k.content == note.content and note.received_at - k.received_at < window
            for k in kept
        ):
            continue
        kept.append(note)
    return kept


def _describe(trace: AlertTrace, state: ScenarioState) -> str:
    when = "firing" if trace.first_firing is not None else "pending"
    at = trace.first_firing if trace.first_firing is not None else trace.first_pending
    offset = ((at or state.start) - state.start) * state.timing.scale
    said = f"{trace.name}{_fmt(trace.labels)} {when} at {offset:.0f}s"
    first, latest = trace.first_pending, trace.active_at
    if trace.first_firing is None and first is not None and latest is not None and latest > first:
        # Prometheus' activeAt moved: the condition broke and its `for` started again
        said += f" (its `for` restarted at {(latest - state.start) * state.timing.scale:.0f}s)"
    return said


def _fmt(labels: dict[str, str]) -> str:
    shown = {k: v for k, v in labels.items() if k not in ("alertname", "__name__")}
    return "{" + ", ".join(f"{k}={v!r}" for k, v in sorted(shown.items())) + "}"
