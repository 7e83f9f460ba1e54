"""Scenario names checked against the stack: alerts in the rules, receivers in alertmanager.yml."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from validation.core.errors import ScenarioError
from validation.scenarios.model import Scenario


def validate_against(scenario: Scenario, alert_names: Iterable[str], receiver_names: Iterable[str]) -> None:
    """Raise ``ScenarioError`` if an expectation names an alert or receiver the stack lacks."""
    alerts, receivers = sorted(set(alert_names)), sorted(set(receiver_names))
    for alert in scenario.exp_alerts:
        _known(alert.alertname, alerts, "alert rule", scenario.place(alert.line), "the rule files")
    posted = {a.labels["alertname"] for a in scenario.post_alerts}
    for note in scenario.exp_notifications:
        _known(note.receiver, receivers, "receiver", scenario.place(note.line), "alertmanager.yml")
        if note.alertname and note.alertname not in posted:
            _known(note.alertname, alerts, "alert rule", scenario.place(note.line), "the rule files")


def _known(name: str, known: list[str], what: str, place: str, where: str) -> None:
    if name in known:
        return
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known[:10]) or 'none'}"
    raise ScenarioError(f"no {what} named {name!r} in {where}", place=place, hint=hint)
