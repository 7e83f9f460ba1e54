"""A minimal reader of the Prometheus text exposition format, enough for the components' own /metrics.

Limits: ignores HELP/TYPE and timestamps; label values may hold escaped quotes, backslashes and
newlines; no exemplars, no OpenMetrics-only syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_NAME = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)")


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def parse_line(line: str) -> Sample | None:
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    match = _NAME.match(line)
    if not match:
        return None
    name, rest = match.group(1), line[match.end() :]
    labels: dict[str, str] = {}
    if rest.startswith("{"):
        end = rest.find("}")
        while end != -1 and rest[:end].count('"') % 2 == 1:  # a '}' inside a quoted value
            end = rest.find("}", end + 1)
        if end == -1:
            return None
        body, rest = rest[1:end], rest[end + 1 :]
        for label in _LABEL.finditer(body):
            labels[label.group(1)] = _unescape(label.group(2))
    fields = rest.split()
    if not fields:
        return None
    try:
        value = float(fields[0])
    except ValueError:
        return None
    return Sample(name, labels, value)


def parse(text: str) -> list[Sample]:
    return [s for s in (parse_line(line) for line in text.splitlines()) if s is not None]


def values(samples: list[Sample], name: str) -> list[Sample]:
    return [s for s in samples if s.name == name]
