"""Alert latency, per alert and receiver: from Prometheus' own ``activeAt`` to the first
notification carrying the alert at that receiver, against its floor.

The floor is what the configuration itself costs: the rule's ``for``, the ``group_wait`` of the
route that delivers to that receiver (from the routing tree, not the root's), and one
evaluation interval (the firing evaluation comes up to one interval after ``for`` ran out) —
all compressed. A ratio near 1 means the harness adds nothing; the goal is ≤ 1.25.

Not measured, because their first delivery is decided by something other than latency: alerts
of scenarios with silences (delivered when the silence ends), receivers a scenario expects to
receive nothing, and alerts that joined an aggregation group already notified (they wait for
the group's next ``group_interval``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

import yaml

from validation.clients.http import ApiError
from validation.clients.prometheus import PrometheusClient
from validation.pipeline.expectations import ScenarioState
from validation.pipeline.observer import AlertTrace
from validation.pipeline.trouble import Trouble
from validation.routing.config import AlertmanagerConfig
from validation.routing.tree import Route
from validation.sinks import Notification

GOAL = 1.25


@dataclass(frozen=True)
class Latency:
    scenario: str
    alert: str
    labels: Mapping[str, str]
    receiver: str
    seconds: float  # activeAt → first delivery, wall
    floor: float  # for + group_wait + one evaluation interval, compressed, wall
    active_at: float = 0.0  # on the pipeline's clock
    in_trouble: bool = False  # the harness was behind between activeAt and the delivery

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor if self.floor > 0 else float("inf")

    @property
    def key(self) -> str:
        shown = ",".join(
            f"{k}={self.labels[k]}" for k in sorted(self.labels) if k in ("node", "instance", "gpu")
        )
        return f"{self.scenario}/{self.alert}{{{shown}}}/{self.receiver}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "active_to_delivery_s": round(self.seconds, 3),
            "floor_s": round(self.floor, 3),
            "ratio_to_floor": round(self.ratio, 3),
        }
        if self.in_trouble:
            data["in_trouble"] = True
        return data


def carries(note: Notification, state: ScenarioState, trace: AlertTrace) -> bool:
    """Does ``note`` carry this very alert (its labels when structured, its name otherwise)?"""
    if note.alerts:
        return any(all(a.get(k) == v for k, v in trace.labels.items()) for a in note.alerts)
    return state.scope.owns_notification(note) and trace.name in state.scope.alertnames(note)


def group_key(route: Route, labels: Mapping[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    if route.opts.group_by_all:
        return route.path, tuple(sorted(labels.items()))
    return route.path, tuple(sorted((k, labels.get(k, "")) for k in route.opts.group_by))


def alert_latencies(
    states: Sequence[ScenarioState],
    traces: Sequence[AlertTrace],
    inbox: Sequence[Notification],
    routing: AlertmanagerConfig,
    external_labels: Mapping[str, str] | None = None,
) -> list[Latency]:
    found: list[Latency] = []
    real = routing.real_receivers
    for state in states:
        if state.scenario.silences:
            continue
        positive = state.scenario.expected_alerts
        unwanted = {n.receiver for n in state.scenario.exp_notifications if n.absent and not n.contains}
        mine = [
            t
            for t in traces
            if t.name in positive
            and state.scope.owns_labels(t.labels)
            and t.first_firing is not None
            and t.active_at is not None
        ]
        opened: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}  # group → first activeAt
        for trace in sorted(mine, key=lambda t: t.active_at or 0.0):
            assert trace.active_at is not None
            labels = {**(external_labels or {}), **trace.labels}
            for route in routing.route.match(labels):
                key = group_key(route, labels)
                joined = key in opened
                opened.setdefault(key, trace.active_at)
                if joined or route.receiver in unwanted or route.receiver not in real:
                    continue
                first = min(
                    (
                        n.received_at
                        for n in inbox
                        if n.receiver == route.receiver
                        and n.status != "resolved"
                        and n.received_at >= trace.active_at
                        and carries(n, state, trace)
                    ),
                    default=None,
                )
                if first is None:
                    continue
                floor = state.timing.floor(state.rule_for.get(trace.name, 0.0), route.opts.group_wait)
                found.append(
                    Latency(
                        state.scenario.name,
                        trace.name,
                        dict(trace.labels),
                        route.receiver,
                        first - trace.active_at,
                        floor,
                        trace.active_at,
                    )
                )
    return found


def mark_trouble(latencies: Sequence[Latency], troubles: Sequence[Trouble], origin: float) -> list[Latency]:
    """Flag the latencies the harness's own trouble (windows since ``origin``) may have stretched."""
    return [
        dataclasses.replace(
            lat,
            in_trouble=any(
                t.overlaps(lat.active_at - origin, lat.active_at - origin + lat.seconds) for t in troubles
            ),
        )
        for lat in latencies
    ]


def summarize(latencies: Sequence[Latency]) -> dict[str, Any]:
    """Median and max ratio over every delivery, and over those outside harness trouble."""
    ratios = [lat.ratio for lat in latencies]
    if not ratios:
        return {"alerts": 0}
    clean = [lat.ratio for lat in latencies if not lat.in_trouble]
    return {
        "alerts": len({(lat.scenario, lat.alert, tuple(sorted(lat.labels.items()))) for lat in latencies}),
        "deliveries": len(ratios),
        "ratio_median": round(median(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "goal": GOAL,
        "over_goal": sorted(lat.key for lat in latencies if lat.ratio > GOAL),
        "outside_trouble": {
            "deliveries": len(clean),
            "ratio_median": round(median(clean), 3) if clean else None,
            "ratio_max": round(max(clean), 3) if clean else None,
        },
    }


def external_labels(prom: PrometheusClient) -> dict[str, str]:
    """The running Prometheus' external labels: Alertmanager routes on them too."""
    try:
        config = yaml.safe_load(prom.get_json("/api/v1/status/config")["data"]["yaml"]) or {}
    except (ApiError, KeyError, yaml.YAMLError):
        return {}
    return {str(k): str(v) for k, v in ((config.get("global") or {}).get("external_labels") or {}).items()}
