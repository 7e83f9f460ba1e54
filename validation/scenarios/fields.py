"""Typed, strict readers for scenario fields: each problem is a ``ScenarioError`` at file:line.

``At`` is where a value sits (file, line, path such as ``exp_alerts[0]``); the readers check
types, unknown keys (with a did-you-mean) and required keys.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, TypeVar

from validation.core.durations import prometheus_ms
from validation.core.errors import ScenarioError
from validation.core.yamlload import LineDict, LineList

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
T = TypeVar("T")


class At:
    """Where a value sits: the file, its line and a path such as ``exp_alerts[0]``."""

    def __init__(self, source: str, path: str, line: int) -> None:
        self.source, self.path, self.line = source, path, line

    @property
    def place(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def error(self, what: str, hint: str) -> ScenarioError:
        return ScenarioError(what, place=self.place, hint=hint)

    def key(self, data: LineDict, key: str) -> At:
        return At(self.source, f"{self.path}.{key}" if self.path else key, data.line_of(key) or self.line)

    def item(self, data: LineList, index: int) -> At:
        lines = getattr(data, "item_lines", [])
        line = lines[index] if index < len(lines) else self.line
        return At(self.source, f"{self.path}[{index}]", line)


def mapping(data: Any, at: At, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> LineDict:
    if not isinstance(data, LineDict):
        raise at.error(
            f"{at.path or 'the scenario'} must be a mapping, got {kind(data)}",
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


def kind(value: Any) -> str:
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


def text(data: LineDict, key: str, at: At, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise at.key(data, key).error(f"{at.path or 'the scenario'} is missing {key!r}", f"add '{key}:'")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise at.key(data, key).error(
            f"{key} must be text, got {kind(value)}", "write it as a (quoted) string"
        )
    result = str(value)
    if required and not result.strip():
        raise at.key(data, key).error(f"{key} is empty", f"give {key} a value")
    return result


def boolean(data: LineDict, key: str, at: At, default: T) -> bool | T:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise at.key(data, key).error(f"{key} must be true or false, got {value!r}", f"write {key}: true")
    return value


def duration(data: LineDict, key: str, at: At, *, positive: bool = True) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    ms = prometheus_ms(value)
    seconds = None if ms is None else ms / 1000
    if seconds is None or (positive and seconds <= 0):
        raise at.key(data, key).error(
            f"{key} must be a {'positive ' if positive else ''}duration, got {value!r}",
            "write a Prometheus duration such as 15s, 5m or 1h30m",
        )
    return seconds


def number(data: LineDict, key: str, at: At) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise at.key(data, key).error(f"{key} must be a number, got {value!r}", f"write {key}: 0.85")
    return float(value)


def items(data: LineDict, key: str, at: At) -> list[tuple[Any, At]]:
    value = data.get(key)
    if value is None:
        return []
    here = at.key(data, key)
    if not isinstance(value, LineList):
        raise here.error(f"{key} must be a list, got {kind(value)}", f"write each entry of {key} as '- …'")
    return [(item, here.item(value, index)) for index, item in enumerate(value)]


def labels(data: LineDict, key: str, at: At) -> dict[str, str]:
    value = data.get(key)
    if value is None:
        return {}
    here = at.key(data, key)
    if not isinstance(value, LineDict):
        raise here.error(
            f"{key} must be a mapping of label names to values, got {kind(value)}", f"{key}: {{a: b}}"
        )
    result: dict[str, str] = {}
    for name, item in value.items():
        line = At(at.source, f"{here.path}.{name}", value.line_of(str(name)))
        if not isinstance(name, str) or not _LABEL_NAME.fullmatch(name):
            raise line.error(
                f"invalid label name {name!r} in {key}", "label names match [a-zA-Z_][a-zA-Z0-9_]*"
            )
        if item is None or not isinstance(item, str | int | float):
            raise line.error(f"label {name!r} in {key} must have a text value, got {kind(item)}", "quote it")
        result[name] = str(item).lower() if isinstance(item, bool) else str(item)
    return result


def strings(data: LineDict, key: str, at: At) -> tuple[str, ...]:
    result = []
    for item, here in items(data, key, at):
        if isinstance(item, bool) or not isinstance(item, str | int | float) or str(item) == "":
            raise here.error(f"{here.path} must be a non-empty string, got {kind(item)}", "quote it")
        result.append(str(item))
    return tuple(result)
