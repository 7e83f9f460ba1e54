"""Strict scenario parsing: every problem is a ``ScenarioError`` with file:line and a hint.

A file holds one scenario (a mapping) or ``scenarios: [...]``. Unknown keys are errors with a
did-you-mean; types are checked (YAML's ``yes`` is not a duration, ``5`` is not a list).
``load_scenarios`` also checks that names are unique across the directory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from validation.core.errors import HarnessError, ScenarioError
from validation.core.yamlload import LineDict, parse_yaml
from validation.scenarios import fields as f
from validation.scenarios.model import (
    ExpAlert,
    ExpNotification,
    ExpPanel,
    InputSeries,
    Matcher,
    PostAlert,
    PushSeries,
    Scenario,
    Silence,
)
from validation.scenarios.references import validate_against
from validation.synthetic.notation import parse_series, parse_values

SCENARIO_KEYS = (
    "name", "why", "interval", "input_series", "push_series", "post_alerts", "exp_alerts",
    "exp_notifications", "exp_panels", "silences", "scale",
)  # fmt: skip
FILE_KEYS = ("scenarios", "generated")  # top level of a file with several scenarios
SERIES_KEYS = ("series", "values")
PUSH_KEYS = ("job", "grouping", "series", "values", "type")
PUSH_TYPES = ("counter", "gauge", "untyped")
ALERT_KEYS = (
    "alertname", "exp_labels", "exp_annotations", "exp_annotations_contain",
    "fires_within", "pending", "resolves", "absent",
)  # fmt: skip
NOTIFICATION_KEYS = (
    "receiver", "alertname", "contains", "absent", "count", "resolved", "within", "to", "channel", "labels",
)  # fmt: skip
PANEL_KEYS = ("dashboard", "panel", "min", "max", "has_data")
SILENCE_KEYS = ("matchers", "after", "duration")
EXPECTATIONS = ("exp_alerts", "exp_notifications", "exp_panels")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*')
T = TypeVar("T")
__all__ = ["load_scenario_file", "load_scenarios", "parse_scenarios", "validate_against"]


def _series(data: LineDict, at: f.At) -> tuple[str, dict[str, str], tuple[Any, ...], str]:
    series = f.text(data, "series", at, required=True)
    values = f.text(data, "values", at, required=True)
    assert series is not None and values is not None
    name, labels = parse_series(series, place=at.key(data, "series").place)
    samples = parse_values(values, place=at.key(data, "values").place)
    if not samples:
        raise at.key(data, "values").error(
            "values expand to no samples", "give at least one sample, e.g. 1x10"
        )
    return name, labels, tuple(samples), values


POST_ALERT_KEYS = ("labels", "annotations", "active_for")


def _post_alert(data: Any, at: f.At) -> PostAlert:
    fields = f.mapping(data, at, POST_ALERT_KEYS, ("labels",))
    labels = f.labels(fields, "labels", at)
    if not labels.get("alertname"):
        raise at.key(fields, "labels").error(
            "a posted alert needs an alertname label", "add alertname: to labels"
        )
    return PostAlert(
        labels=labels,
        annotations=f.labels(fields, "annotations", at),
        active_for=f.duration(fields, "active_for", at) or 300.0,
        line=at.line,
    )


def _input_series(data: Any, at: f.At) -> InputSeries:
    fields = f.mapping(data, at, SERIES_KEYS, ("series", "values"))
    name, labels, samples, text = _series(fields, at)
    return InputSeries(name, labels, samples, text, at.line)


def _push_series(data: Any, at: f.At) -> PushSeries:
    fields = f.mapping(data, at, PUSH_KEYS, ("job", "series", "values"))
    name, labels, samples, text = _series(fields, at)
    job = f.text(fields, "job", at, required=True)
    assert job is not None
    kind = f.text(fields, "type", at) or ""
    if kind and kind not in PUSH_TYPES:
        raise at.key(fields, "type").error(
            f"type must be one of {', '.join(PUSH_TYPES)}, got {kind!r}",
            "the # TYPE line pushed with the series; a type that conflicts with another group's makes "
            "the Pushgateway reject the push",
        )
    return PushSeries(
        name, labels, samples, text, at.line, job=job, grouping=f.labels(fields, "grouping", at), type=kind
    )


def _exp_alert(data: Any, at: f.At) -> ExpAlert:
    fields = f.mapping(data, at, ALERT_KEYS, ("alertname",))
    absent = bool(f.boolean(fields, "absent", at, False))
    if absent:
        clash = [key for key in ALERT_KEYS[1:-1] if key != "exp_labels" and fields.get(key) is not None]
        if clash:
            raise at.key(fields, clash[0]).error(
                f"{clash[0]} cannot be combined with absent: true",
                "an absent alert never fires: keep only alertname and exp_labels",
            )
    resolves_raw = fields.get("resolves")
    resolves: bool | None = None
    resolves_within = None
    if isinstance(resolves_raw, bool):
        resolves = resolves_raw
    elif resolves_raw is not None:
        resolves_within = f.duration(fields, "resolves", at)
        resolves = True
    pending = f.boolean(fields, "pending", at, None)
    alertname = f.text(fields, "alertname", at, required=True)
    assert alertname is not None
    return ExpAlert(
        alertname=alertname,
        exp_labels=f.labels(fields, "exp_labels", at),
        exp_annotations=f.labels(fields, "exp_annotations", at),
        exp_annotations_contain=f.labels(fields, "exp_annotations_contain", at),
        fires_within=f.duration(fields, "fires_within", at),
        pending=pending,
        resolves=resolves,
        resolves_within=resolves_within,
        absent=absent,
        line=at.line,
    )


def _exp_notification(data: Any, at: f.At) -> ExpNotification:
    fields = f.mapping(data, at, NOTIFICATION_KEYS, ("receiver",))
    absent = bool(f.boolean(fields, "absent", at, False))
    count = fields.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise at.key(fields, "count").error(
            f"count must be a whole number >= 1, got {count!r}", "count is how many notifications arrive"
        )
    if absent:
        for key in ("count", "resolved", "to", "channel", "labels"):
            if fields.get(key) is not None:
                raise at.key(fields, key).error(
                    f"{key} cannot be combined with absent: true",
                    "an absent notification never arrives: keep receiver, contains and within",
                )
    receiver = f.text(fields, "receiver", at, required=True)
    assert receiver is not None
    to = (
        (f.text(fields, "to", at) or "",)
        if isinstance(fields.get("to"), str)
        else f.strings(fields, "to", at)
    )
    for address in to:
        if "@" not in address:
            raise at.key(fields, "to").error(
                f"to: {address!r} is not an email address", "write the mailbox, e.g. oncall@example.com"
            )
    channel = f.text(fields, "channel", at) or ""
    if "channel" in fields and not channel.startswith(("#", "@")):
        raise at.key(fields, "channel").error(
            f"channel: {channel!r} is not a Slack channel", 'quote it with its #: channel: "#alerts"'
        )
    return ExpNotification(
        receiver=receiver,
        alertname=f.text(fields, "alertname", at) or "",
        contains=f.strings(fields, "contains", at),
        absent=absent,
        count=count,
        resolved=bool(f.boolean(fields, "resolved", at, False)),
        within=f.duration(fields, "within", at),
        to=tuple(a.lower() for a in to),
        channel=channel,
        labels=f.labels(fields, "labels", at),
        line=at.line,
    )


def _exp_panel(data: Any, at: f.At) -> ExpPanel:
    fields = f.mapping(data, at, PANEL_KEYS, ("dashboard", "panel"))
    low, high = f.number(fields, "min", at), f.number(fields, "max", at)
    has_data = bool(f.boolean(fields, "has_data", at, True))
    if not has_data and (low is not None or high is not None):
        raise at.key(fields, "has_data").error(
            "min / max cannot be combined with has_data: false", "a panel without data has no values to bound"
        )
    if low is not None and high is not None and low > high:
        raise at.key(fields, "min").error(f"min {low} is above max {high}", "swap them")
    dashboard, panel = (
        f.text(fields, "dashboard", at, required=True),
        f.text(fields, "panel", at, required=True),
    )
    assert dashboard is not None and panel is not None
    return ExpPanel(dashboard, panel, low, high, has_data, at.line)


def _silence(data: Any, at: f.At) -> Silence:
    fields = f.mapping(data, at, SILENCE_KEYS, ("matchers", "duration"))
    raw = fields["matchers"]
    matchers: list[Matcher] = []
    if isinstance(raw, LineDict):
        matchers = [Matcher(name, "=", value) for name, value in f.labels(fields, "matchers", at).items()]
    else:
        for item, here in f.items(fields, "matchers", at):
            match = _MATCHER.fullmatch(item) if isinstance(item, str) else None
            if match is None:
                raise here.error(
                    f"invalid matcher {item!r}",
                    'write matchers as name="value", name!="v", name=~"re" or name!~"re"',
                )
            value = match[3] if match[3] is not None else match[4]
            op: Any = match[2]
            matchers.append(Matcher(match[1], op, re.sub(r"\\(.)", r"\1", value)))
    if not matchers:
        raise at.key(fields, "matchers").error("a silence needs at least one matcher", 'add alertname="…"')
    duration = f.duration(fields, "duration", at)
    assert duration is not None
    return Silence(tuple(matchers), duration, f.duration(fields, "after", at, positive=False) or 0.0, at.line)


def _scenario(data: Any, at: f.At, default_name: str | None, generated: bool | None = None) -> Scenario:
    """``generated`` is the file's flag for a scenario of a ``scenarios:`` list; ``None``: a
    single-scenario file, whose own top level may say ``generated: true``."""
    keys = SCENARIO_KEYS + (("generated",) if generated is None else ())
    fields = f.mapping(data, at, keys, ("why",))
    if generated is None:
        generated = bool(f.boolean(fields, "generated", at, False))
    name = f.text(fields, "name", at, required=True) if "name" in fields else default_name
    if name is None:
        raise at.error(
            f"{at.path or 'the scenario'} has no name",
            "every scenario in a 'scenarios:' list needs 'name:'" if at.path else "add 'name:'",
        )
    if not _NAME.fullmatch(name):
        raise at.key(fields, "name").error(
            f"scenario name {name!r} is not allowed",
            "use letters, digits, '.', '_' and '-' (it becomes a check id)",
        )
    why = f.text(fields, "why", at, required=True)
    assert why is not None
    scale = fields.get("scale", "auto")
    if scale != "auto" and (scale != 1 or isinstance(scale, bool)):
        raise at.key(fields, "scale").error(
            f"scale must be 'auto' or 1, got {scale!r}", "scale: 1 runs this scenario in real time"
        )
    scenario = Scenario(
        name=name,
        why=why,
        source=at.source,
        line=at.line or 1,
        interval=f.duration(fields, "interval", at) or 15.0,
        input_series=_each(fields, "input_series", at, _input_series),
        push_series=_each(fields, "push_series", at, _push_series),
        post_alerts=_each(fields, "post_alerts", at, _post_alert),
        exp_alerts=_each(fields, "exp_alerts", at, _exp_alert),
        exp_notifications=_each(fields, "exp_notifications", at, _exp_notification),
        exp_panels=_each(fields, "exp_panels", at, _exp_panel),
        silences=_each(fields, "silences", at, _silence),
        scale="auto" if scale == "auto" else 1,
        generated=generated,
    )
    if not (scenario.exp_alerts or scenario.exp_notifications or scenario.exp_panels):
        raise at.error(
            f"scenario {name!r} expects nothing",
            f"add at least one of {', '.join(EXPECTATIONS)}: a scenario that expects nothing cannot fail",
        )
    return scenario


def _each(fields: LineDict, key: str, at: f.At, build: Callable[[Any, f.At], T]) -> tuple[T, ...]:
    return tuple(build(item, here) for item, here in f.items(fields, key, at))


def parse_scenarios(text: str, *, source: str, default_name: str | None = None) -> list[Scenario]:
    """Parse one scenario file's text; ``default_name`` names a single-scenario file."""
    try:
        data = parse_yaml(text, source=source, error=ScenarioError, literal_ints=True)
    except (TypeError, ValueError, RecursionError) as exc:
        # yamlload lets unhashable keys ("? [a]: 1") and absurd nesting through as Python errors.
        raise ScenarioError(
            f"not valid YAML: {exc}", place=source, hint="simplify the YAML structure"
        ) from None
    at = f.At(source, "", getattr(data, "line", 0))
    if data is None:
        raise at.error("the file is empty", "write a scenario mapping (see fixtures/scenarios/README.md)")
    if isinstance(data, LineDict) and "scenarios" in data:
        f.mapping(data, at, FILE_KEYS)
        generated = bool(f.boolean(data, "generated", at, False))
        listed = f.items(data, "scenarios", at)
        if not listed:
            raise at.error("'scenarios:' is empty", "add scenarios, or delete the file")
        return [_scenario(item, here, None, generated) for item, here in listed]
    return [_scenario(data, at, default_name)]


def load_scenario_file(path: Path) -> list[Scenario]:
    return parse_scenarios(read_fixture(path), source=str(path), default_name=path.stem)


def read_fixture(path: Path) -> str:
    """A fixture file's text: not UTF-8 is a ScenarioError, unreadable a HarnessError."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text ({exc.reason})", place=str(path), hint="save it as UTF-8"
        ) from None
    except OSError as exc:
        raise HarnessError(
            f"cannot read the file: {exc.strerror}", place=str(path), hint="check the path"
        ) from None


def load_scenarios(directory: Path) -> list[Scenario]:
    """Every scenario of ``directory/*.yaml`` and ``*.yml``, in file order; names must be unique."""
    if not directory.is_dir():
        raise HarnessError(
            "scenario folder not found",
            place=str(directory),
            hint="create fixtures/scenarios/ or pass -C DIR",
        )
    paths = sorted(
        path for path in directory.iterdir() if path.suffix in (".yaml", ".yml") and path.is_file()
    )
    scenarios: list[Scenario] = []
    seen: dict[str, Scenario] = {}
    for path in paths:
        for scenario in load_scenario_file(path):
            if scenario.name in seen:
                raise ScenarioError(
                    f"scenario name {scenario.name!r} is already used at {seen[scenario.name].place()}",
                    place=scenario.place(),
                    hint="scenario names key the check ids: give each scenario its own name",
                )
            seen[scenario.name] = scenario
            scenarios.append(scenario)
    return scenarios
