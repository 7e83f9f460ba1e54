"""Harness trouble: when the machine, not the config under test, could have decided a verdict.

Pure functions over statistics the run collects (``pipeline/harness_health.py``): the
synthetic target's scrapes, Prometheus' rule-group evaluations, Alertmanager's notification
latency towards the harness's sinks, the harness's own polling of Prometheus' alerts. Each
finds *windows* (seconds since the pipeline started) in which the harness could not keep the
compressed clock: a failed scrape of the synthetic target (its series go stale and an alert's
``for`` restarts), a scrape slower than its interval (the target rendered the sample of a later
moment than Prometheus stamps it with), a scrape or an evaluation late by more than an interval,
an alert left pending after its ``for`` ran out (its evaluations fell behind), a sink answering
slowly, the observer not polling (what it saw is out of date).

``decide`` then says, for the failed verdicts, which ones fell in such a window: those are
re-run at a gentler scale; the others are the config's own failures. A config defect does
not depend on the machine's load, so it fails again when re-run; harness trouble does not
follow the scenario to a quieter attempt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

# a gap this many intervals long between two scrapes (or evaluations) means one was late
LATE_FACTOR = 2.0
# the target renders a scrape at its slot unless the request came this late (synthetic/exposition.py)
SLOW_SCRAPE = 0.9
# a sink (or the harness thread serving it) answering slower than this delays deliveries
SLOW_SINK_S = 1.0
# the observer not polling for this long shifts what it sees by a third of the deadlines' slack
OBSERVER_GAP_S = 1.0


@dataclass(frozen=True)
class Trouble:
    what: str  # synthetic-scrapes | rule-evaluations | sinks | alert-observer
    start: float  # seconds since the pipeline started
    end: float
    detail: str
    count: int = 1  # findings merged into this window

    @property
    def summary(self) -> str:
        if self.count == 1:
            return self.detail
        return f"{self.count} findings between {self.start:.2f}s and {self.end:.2f}s (first: {self.detail})"

    def overlaps(self, start: float, end: float) -> bool:
        return self.start <= end and start <= self.end

    def to_json(self) -> dict[str, object]:
        return {
            "what": self.what,
            "window_s": [round(self.start, 3), round(self.end, 3)],
            "detail": self.summary,
        }


def scrape_trouble(samples: Sequence[tuple[float, float]], interval: float) -> list[Trouble]:
    """``samples``: the synthetic target's ``up`` as (seconds since start, value), in order.
    A 0 is a failed scrape; a gap over ``LATE_FACTOR`` intervals is a late one."""
    found: list[Trouble] = []
    previous: float | None = None
    for at, up in samples:
        if up < 1:
            found.append(Trouble("synthetic-scrapes", at - interval, at, f"scrape failed at {at:.2f}s"))
        if previous is not None and at - previous > LATE_FACTOR * interval:
            found.append(
                Trouble(
                    "synthetic-scrapes",
                    previous,
                    at,
                    f"no scrape for {at - previous:.2f}s (interval {interval:.2f}s) at {previous:.2f}s",
                )
            )
        previous = at
    return found


def slow_scrape_trouble(durations: Sequence[tuple[float, float]], interval: float) -> list[Trouble]:
    """``durations``: the synthetic target's ``scrape_duration_seconds`` as (seconds since start,
    seconds). The target renders a scrape at the slot Prometheus stamps it with, unless the
    request came more than ``SLOW_SCRAPE`` of an interval late: such a scrape may have stored
    a later sample than its timestamp says, which bends every ``rate`` over it."""
    return [
        Trouble(
            "synthetic-scrapes",
            at,
            at + took,
            f"a scrape took {took:.2f}s (interval {interval:.2f}s) at {at:.2f}s",
        )
        for at, took in durations
        if interval > 0 and took > SLOW_SCRAPE * interval
    ]


def overdue_trouble(pending: Iterable[tuple[str, float, float, float]], margin: float) -> list[Trouble]:
    """``pending``: (alert, its activeAt, its ``for``, until when it was seen still pending), in
    seconds since start (the ``for`` in wall seconds). Prometheus fires a pending alert at the
    first evaluation after its ``for`` ran out, if its condition still holds (the same activeAt
    says it did): pending longer than that plus ``margin`` (two evaluation intervals and the
    observer's own polling interval) means its rule group was evaluated late. A ``for`` longer than the scenario allows is never overdue: the alert
    is pending because the config says so."""
    found = []
    for alert, active_at, hold, until in pending:
        due = active_at + hold
        if until > due + margin:
            found.append(
                Trouble(
                    "rule-evaluations",
                    due,
                    until,
                    f"{alert} still pending {until - due:.2f}s after its `for` ran out at {due:.2f}s",
                )
            )
    return found


def observer_trouble(polls: Sequence[float], interval: float, start: float, end: float) -> list[Trouble]:
    """``polls``: when the harness read Prometheus' alerts successfully, seconds since start.
    A gap over ``LATE_FACTOR`` intervals and ``OBSERVER_GAP_S`` (at either end too) is a stretch
    in which an alert could have fired, or fired and resolved, unseen — or is seen firing later
    than it did."""
    found = []
    for before, at in pairwise([start, *polls, end]):
        if at - before > max(LATE_FACTOR * interval, OBSERVER_GAP_S):
            found.append(
                Trouble(
                    "alert-observer",
                    before,
                    at,
                    f"Prometheus' alerts not read for {at - before:.2f}s (interval {interval:.2f}s) at {before:.2f}s",
                )
            )
    return found


def evaluation_trouble(samples: Sequence[tuple[float, float, float]]) -> list[Trouble]:
    """``samples``: (seconds since start, missed iterations counter summed over the rule groups,
    the largest ratio of a group's last evaluation time to its interval), sampled by the harness.
    A missed iteration, or an evaluation longer than its interval, is a late evaluation."""
    found: list[Trouble] = []
    for (before, missed_before, _), (at, missed, ratio) in pairwise(samples):
        if missed > missed_before:
            found.append(
                Trouble(
                    "rule-evaluations",
                    before,
                    at,
                    f"{missed - missed_before:g} rule group evaluation(s) missed between {before:.2f}s "
                    f"and {at:.2f}s",
                )
            )
        elif ratio > 1:
            found.append(
                Trouble(
                    "rule-evaluations",
                    before,
                    at,
                    f"a rule group evaluation took {ratio:.1f}× its interval at {at:.2f}s",
                )
            )
    return found


def sink_trouble(
    samples: Sequence[tuple[float, float, float, float]], slow: float = SLOW_SINK_S
) -> list[Trouble]:
    """``samples``: (seconds since start, notification latency sum, count, count over a second)
    from Alertmanager, sampled by the harness. A notification that took a second or more, or
    notifications that took ``slow`` seconds on average between two samples, were held up by a
    sink (or the harness thread serving it)."""
    found: list[Trouble] = []
    for (before, total_before, count_before, slow_before), (at, total, count, slower) in pairwise(samples):
        sent = count - count_before
        if sent <= 0:
            continue
        average = (total - total_before) / sent
        if average >= slow or slower > slow_before:
            detail = f"{sent:g} notification(s) took {average:.2f}s on average"
            if slower > slow_before:
                detail += f", {slower - slow_before:g} of them over 1s"
            found.append(Trouble("sinks", before, at, detail))
    return found


def merge(troubles: Iterable[Trouble], gap: float = 0.0) -> list[Trouble]:
    """Overlapping (or within ``gap``) windows of the same kind become one (the first detail kept)."""
    out: list[Trouble] = []
    for trouble in sorted(troubles, key=lambda t: (t.what, t.start)):
        last = out[-1] if out else None
        if last is not None and last.what == trouble.what and trouble.start <= last.end + gap:
            out[-1] = Trouble(
                last.what, last.start, max(last.end, trouble.end), last.detail, last.count + trouble.count
            )
        else:
            out.append(trouble)
    return sorted(out, key=lambda t: (t.start, t.what))


@dataclass(frozen=True)
class FailedVerdict:
    check_id: str
    scenario: str
    start: float  # the window in which the verdict was formed, seconds since the pipeline start
    end: float
    # the kinds of trouble that could have caused this failure (None: any). Content cannot be
    # lost to a late scrape; an alert delivered elsewhere in time was routed, so only a slow
    # sink explains its absence at the expected receiver.
    explained_by: frozenset[str] | None = None
    # the share of the window trouble must cover: an alert never seen at all needs its condition
    # missed at every evaluation, not one late scrape
    coverage: float = 0.0


def covered(troubles: Sequence[Trouble], start: float, end: float) -> float:
    """The share of [start, end] inside some trouble window."""
    spans = sorted((max(start, t.start), min(end, t.end)) for t in troubles if t.overlaps(start, end))
    total, reach = 0.0, start
    for lo, hi in spans:
        if hi > reach:
            total += hi - max(lo, reach)
            reach = hi
    return total / (end - start) if end > start else 1.0


def verdict_kind(
    check_id: str,
    delivered_elsewhere: bool,
    alert_seen: bool,
    pinned_integration_silent: bool = False,
    group_split: bool = False,
    arrived_late: bool = False,
) -> dict[str, Any]:
    """What may explain a failed verdict (``FailedVerdict`` fields), from what it checked.

    A slow sink explains a delivery that did not arrive in time only if it did arrive, late:
    ``arrived_late`` — the alert reached the expected receiver (through every pinned
    integration) after the verdict was formed. A notification that never arrives at all went
    elsewhere, or to an address the sinks refuse: the config. ``pinned_integration_silent``: a
    recipients verdict whose pinned email or Slack integration had delivered nothing by its
    deadline. ``group_split``: a content verdict whose missing text did arrive at that receiver,
    in another notification — alerts meant to fire together were split across notifications,
    which late scrapes or evaluations explain (a template that drops the text never delivers it
    at all)."""
    what = check_id.rsplit("/", 1)[-1]
    if what == "recipients" and pinned_integration_silent:
        return {"explained_by": ["sinks"] if arrived_late else []}
    if what == "content" and group_split:
        return {}
    if what in ("content", "annotations", "recipients", "labels"):
        return {"explained_by": []}
    if what == "delivered" and delivered_elsewhere:
        return {"explained_by": ["sinks"] if arrived_late else []}
    if what == "fires" and not alert_seen:
        return {"trouble_coverage": 0.5}
    return {}


@dataclass
class Decision:
    """What to do about the failed verdicts of one attempt."""

    rerun: set[str] = field(default_factory=set)  # scenarios whose failures the harness may explain
    suspect: dict[str, list[Trouble]] = field(default_factory=dict)  # check id → trouble in its window
    genuine: list[str] = field(default_factory=list)  # failed with the harness in good health

    @property
    def trusted(self) -> bool:
        return not self.rerun


def decide(failed: Iterable[FailedVerdict], troubles: Sequence[Trouble]) -> Decision:
    decision = Decision()
    for verdict in failed:
        during = [
            t
            for t in troubles
            if t.overlaps(verdict.start, verdict.end)
            and (verdict.explained_by is None or t.what in verdict.explained_by)
        ]
        if during and covered(during, verdict.start, verdict.end) < verdict.coverage:
            during = []
        if during:
            decision.rerun.add(verdict.scenario)
            decision.suspect[verdict.check_id] = during
        else:
            decision.genuine.append(verdict.check_id)
    return decision


def gentler(scale: float) -> float:
    """The scale of a re-run: half the compression, never below real time."""
    return max(1.0, scale / 2)
