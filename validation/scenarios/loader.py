"""Strict scenario parsing: every problem is a ``ScenarioError`` with file:line and a hint.

A file holds one scenario (a mapping) or ``scenarios: [...]``. Unknown keys are errors with a
did-you-mean; types are checked (YAML's ``yes`` is not a duration, ``5`` is not a list).
``load_scenarios`` also checks that names are unique across the directory.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from validation.errors import HarnessError, ScenarioError
from validation.scenarios._durations import parse_duration
from validation.scenarios.model import (
    ExpAlert,
    ExpNotification,
    ExpPanel,
    InputSeries,
    Matcher,
    PushSeries,
    Scenario,
    Silence,
)
from validation.synthetic.notation import parse_series, parse_values
from validation.yamlload import LineDict, LineList, parse_yaml

SCENARIO_KEYS = (
    "name", "why", "interval", "input_series", "push_series", "exp_alerts",
    "exp_notifications", "exp_panels", "silences", "scale",
)  # fmt: skip
SERIES_KEYS = ("series", "values")
PUSH_KEYS = ("job", "grouping", "series", "values")
ALERT_KEYS = (
    "alertname", "exp_labels", "exp_annotations", "exp_annotations_contain",
    "fires_within", "pending", "resolves", "absent",
)  # fmt: skip
NOTIFICATION_KEYS = ("receiver", "contains", "absent", "count", "resolved", "within")
PANEL_KEYS = ("dashboard", "panel", "min", "max", "has_data")
SILENCE_KEYS = ("matchers", "after", "duration")
EXPECTATIONS = ("exp_alerts", "exp_notifications", "exp_panels")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*')
T = TypeVar("T")


class _At:
    """Where a value sits: the file, its line and a path such as ``exp_alerts[0]``."""

    def __init__(self, source: str, path: str, line: int) -> None:
        self.source, self.path, self.line = source, path, line

    @property
    def place(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def error(self, what: str, hint: str) -> ScenarioError:
        return ScenarioError(what, place=self.place, hint=hint)

    def key(self, data: LineDict, key: str) -> _At:
        return _At(self.source, f"{self.path}.{key}" if self.path else key, data.line_of(key) or self.line)

    def item(self, data: LineList, index: int) -> _At:
        lines = getattr(data, "item_lines", [])
        line = lines[index] if index < len(lines) else self.line
        return _At(self.source, f"{self.path}[{index}]", line)


def _mapping(data: Any, at: _At, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> LineDict:
    if not isinstance(data, LineDict):
        raise at.error(
            f"{at.path or 'the scenario'} must be a mapping, got {_kind(data)}",
            f"write it as 'key: value' lines with these keys: {', '.join(allowed)}",
        )
    for key in data:
        if not isinstance(key, str) or key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "remove it, or check the spelling"
            raise ScenarioError(
                f"unknown key {str(key)!r} in {at.path or 'the scenario'}; expected one of {', '.join(allowed)}",
                place=f"{at.source}:{data.line_of(str(key)) or at.line}",
                hint=hint,
            )
    for key in required:
        if data.get(key) is None:
            raise at.error(f"{at.path or 'the scenario'} is missing {key!r}", f"add '{key}:' to it")
    return data


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str | int | float):
        return f"{type(value).__name__} {value!r}"
    return f"a YAML {type(value).__name__}"


def _text(data: LineDict, key: str, at: _At, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise at.key(data, key).error(f"{at.path or 'the scenario'} is missing {key!r}", f"add '{key}:'")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise at.key(data, key).error(
            f"{key} must be text, got {_kind(value)}", "write it as a (quoted) string"
        )
    text = str(value)
    if required and not text.strip():
        raise at.key(data, key).error(f"{key} is empty", f"give {key} a value")
    return text


def _bool(data: LineDict, key: str, at: _At, default: T) -> bool | T:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise at.key(data, key).error(f"{key} must be true or false, got {value!r}", f"write {key}: true")
    return value


def _duration(data: LineDict, key: str, at: _At, *, positive: bool = True) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    seconds = parse_duration(value) if isinstance(value, str) else None
    if seconds is None or (positive and seconds <= 0):
        raise at.key(data, key).error(
            f"{key} must be a {'positive ' if positive else ''}duration, got {value!r}",
            "write a Prometheus duration such as 15s, 5m or 1h30m",
        )
    return seconds


def _number(data: LineDict, key: str, at: _At) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise at.key(data, key).error(f"{key} must be a number, got {value!r}", f"write {key}: 0.85")
    return float(value)


def _list(data: LineDict, key: str, at: _At) -> list[tuple[Any, _At]]:
    value = data.get(key)
    if value is None:
        return []
    here = at.key(data, key)
    if not isinstance(value, LineList):
        raise here.error(f"{key} must be a list, got {_kind(value)}", f"write each entry of {key} as '- …'")
    return [(item, here.item(value, index)) for index, item in enumerate(value)]


def _labels(data: LineDict, key: str, at: _At) -> dict[str, str]:
    value = data.get(key)
    if value is None:
        return {}
    here = at.key(data, key)
    if not isinstance(value, LineDict):
        raise here.error(
            f"{key} must be a mapping of label names to values, got {_kind(value)}", f"{key}: {{a: b}}"
        )
    result: dict[str, str] = {}
    for name, item in value.items():
        line = _At(at.source, f"{here.path}.{name}", value.line_of(str(name)))
        if not isinstance(name, str) or not _LABEL_NAME.fullmatch(name):
            raise line.error(
                f"invalid label name {name!r} in {key}", "label names match [a-zA-Z_][a-zA-Z0-9_]*"
            )
        if item is None or not isinstance(item, str | int | float):
            raise line.error(f"label {name!r} in {key} must have a text value, got {_kind(item)}", "quote it")
        result[name] = str(item).lower() if isinstance(item, bool) else str(item)
    return result


def _strings(data: LineDict, key: str, at: _At) -> tuple[str, ...]:
    items = []
    for item, here in _list(data, key, at):
        if isinstance(item, bool) or not isinstance(item, str | int | float) or str(item) == "":
            raise here.error(f"{here.path} must be a non-empty string, got {_kind(item)}", "quote it")
        items.append(str(item))
    return tuple(items)


def _series(data: LineDict, at: _At) -> tuple[str, dict[str, str], tuple[Any, ...], str]:
    series = _text(data, "series", at, required=True)
    values = _text(data, "values", at, required=True)
    assert series is not None and values is not None
    name, labels = parse_series(series, place=at.key(data, "series").place)
    samples = parse_values(values, place=at.key(data, "values").place)
    if not samples:
        raise at.key(data, "values").error(
            "values expand to no samples", "give at least one sample, e.g. 1x10"
        )
    return name, labels, tuple(samples), values


def _input_series(data: Any, at: _At) -> InputSeries:
    fields = _mapping(data, at, SERIES_KEYS, ("series", "values"))
    name, labels, samples, text = _series(fields, at)
    return InputSeries(name, labels, samples, text, at.line)


def _push_series(data: Any, at: _At) -> PushSeries:
    fields = _mapping(data, at, PUSH_KEYS, ("job", "series", "values"))
    name, labels, samples, text = _series(fields, at)
    job = _text(fields, "job", at, required=True)
    assert job is not None
    return PushSeries(name, labels, samples, text, at.line, job=job, grouping=_labels(fields, "grouping", at))


def _exp_alert(data: Any, at: _At) -> ExpAlert:
    fields = _mapping(data, at, ALERT_KEYS, ("alertname",))
    absent = bool(_bool(fields, "absent", at, False))
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
        resolves_within = _duration(fields, "resolves", at)
        resolves = True
    pending = _bool(fields, "pending", at, None)
    alertname = _text(fields, "alertname", at, required=True)
    assert alertname is not None
    return ExpAlert(
        alertname=alertname,
        exp_labels=_labels(fields, "exp_labels", at),
        exp_annotations=_labels(fields, "exp_annotations", at),
        exp_annotations_contain=_labels(fields, "exp_annotations_contain", at),
        fires_within=_duration(fields, "fires_within", at),
        pending=pending,
        resolves=resolves,
        resolves_within=resolves_within,
        absent=absent,
        line=at.line,
    )


def _exp_notification(data: Any, at: _At) -> ExpNotification:
    fields = _mapping(data, at, NOTIFICATION_KEYS, ("receiver",))
    absent = bool(_bool(fields, "absent", at, False))
    count = fields.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise at.key(fields, "count").error(
            f"count must be a whole number >= 1, got {count!r}", "count is how many notifications arrive"
        )
    if absent:
        for key in ("count", "resolved"):
            if fields.get(key) is not None:
                raise at.key(fields, key).error(
                    f"{key} cannot be combined with absent: true",
                    "an absent notification never arrives: keep receiver, contains and within",
                )
    receiver = _text(fields, "receiver", at, required=True)
    assert receiver is not None
    return ExpNotification(
        receiver=receiver,
        contains=_strings(fields, "contains", at),
        absent=absent,
        count=count,
        resolved=bool(_bool(fields, "resolved", at, False)),
        within=_duration(fields, "within", at),
        line=at.line,
    )


def _exp_panel(data: Any, at: _At) -> ExpPanel:
    fields = _mapping(data, at, PANEL_KEYS, ("dashboard", "panel"))
    low, high = _number(fields, "min", at), _number(fields, "max", at)
    has_data = bool(_bool(fields, "has_data", at, True))
    if not has_data and (low is not None or high is not None):
        raise at.key(fields, "has_data").error(
            "min / max cannot be combined with has_data: false", "a panel without data has no values to bound"
        )
    if low is not None and high is not None and low > high:
        raise at.key(fields, "min").error(f"min {low} is above max {high}", "swap them")
    dashboard, panel = (
        _text(fields, "dashboard", at, required=True),
        _text(fields, "panel", at, required=True),
    )
    assert dashboard is not None and panel is not None
    return ExpPanel(dashboard, panel, low, high, has_data, at.line)


def _silence(data: Any, at: _At) -> Silence:
    fields = _mapping(data, at, SILENCE_KEYS, ("matchers", "duration"))
    raw = fields["matchers"]
    matchers: list[Matcher] = []
    if isinstance(raw, LineDict):
        matchers = [Matcher(name, "=", value) for name, value in _labels(fields, "matchers", at).items()]
    else:
        for item, here in _list(fields, "matchers", at):
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
    duration = _duration(fields, "duration", at)
    assert duration is not None
    return Silence(tuple(matchers), duration, _duration(fields, "after", at, positive=False) or 0.0, at.line)


def _scenario(data: Any, at: _At, default_name: str | None) -> Scenario:
    fields = _mapping(data, at, SCENARIO_KEYS, ("why",))
    name = _text(fields, "name", at, required=True) if "name" in fields else default_name
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
    why = _text(fields, "why", at, required=True)
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
        interval=_duration(fields, "interval", at) or 15.0,
        input_series=_each(fields, "input_series", at, _input_series),
        push_series=_each(fields, "push_series", at, _push_series),
        exp_alerts=_each(fields, "exp_alerts", at, _exp_alert),
        exp_notifications=_each(fields, "exp_notifications", at, _exp_notification),
        exp_panels=_each(fields, "exp_panels", at, _exp_panel),
        silences=_each(fields, "silences", at, _silence),
        scale="auto" if scale == "auto" else 1,
    )
    if not (scenario.exp_alerts or scenario.exp_notifications or scenario.exp_panels):
        raise at.error(
            f"scenario {name!r} expects nothing",
            f"add at least one of {', '.join(EXPECTATIONS)}: a scenario that expects nothing cannot fail",
        )
    return scenario


def _each(fields: LineDict, key: str, at: _At, build: Callable[[Any, _At], T]) -> tuple[T, ...]:
    return tuple(build(item, here) for item, here in _list(fields, key, at))


def parse_scenarios(text: str, *, source: str, default_name: str | None = None) -> list[Scenario]:
    """Parse one scenario file's text; ``default_name`` names a single-scenario file."""
    try:
        data = parse_yaml(text, source=source, error=ScenarioError)
    except (TypeError, ValueError, RecursionError) as exc:
        # yamlload lets unhashable keys ("? [a]: 1") and absurd nesting through as Python errors.
        raise ScenarioError(
            f"not valid YAML: {exc}", place=source, hint="simplify the YAML structure"
        ) from None
    at = _At(source, "", getattr(data, "line", 0))
    if data is None:
        raise at.error("the file is empty", "write a scenario mapping (see fixtures/scenarios/README.md)")
    if isinstance(data, LineDict) and "scenarios" in data:
        _mapping(data, at, ("scenarios",))
        listed = _list(data, "scenarios", at)
        if not listed:
            raise at.error("'scenarios:' is empty", "add scenarios, or delete the file")
        return [_scenario(item, here, None) for item, here in listed]
    return [_scenario(data, at, default_name)]


def load_scenario_file(path: Path) -> list[Scenario]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text ({exc.reason})", place=str(path), hint="save it as UTF-8"
        ) from None
    except OSError as exc:
        raise HarnessError(
            f"cannot read the file: {exc.strerror}", place=str(path), hint="check the path"
        ) from None
    return parse_scenarios(text, source=str(path), default_name=path.stem)


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


def validate_against(scenario: Scenario, alert_names: Iterable[str], receiver_names: Iterable[str]) -> None:
    """Raise ``ScenarioError`` if an expectation names an alert or receiver the stack lacks."""
    alerts, receivers = sorted(set(alert_names)), sorted(set(receiver_names))
    for alert in scenario.exp_alerts:
        _known(alert.alertname, alerts, "alert rule", scenario.place(alert.line), "rules/*.rules.yml")
    for note in scenario.exp_notifications:
        _known(note.receiver, receivers, "receiver", scenario.place(note.line), "alertmanager.yml")


def _known(name: str, known: list[str], what: str, place: str, where: str) -> None:
    if name in known:
        return
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known[:10]) or 'none'}"
    raise ScenarioError(f"no {what} named {name!r} in {where}", place=place, hint=hint)
