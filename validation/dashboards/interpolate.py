"""Replace variable references in a string exactly as Grafana's templateSrv.replace does.

Syntaxes: ``$var``, ``[[var]]``, ``[[var:format]]``, ``${var}``, ``${var:format}`` (format arguments
after a second colon, e.g. ``${__from:date:iso}``). An unknown variable is left as written (as in
Grafana) and reported in ``Interpolation.unresolved``. With no explicit format the Prometheus
datasource's escaping applies (``formats.prometheus_format``); ``default_format="glob"`` gives
templateSrv's plain default for non-query strings.

The query macros (``$__interval``, ``$__rate_interval``, ``$__range``…) are passed through
untouched: Grafana 10 expands them in its backend, which ``macros.expand_macros`` reproduces.
``$__from`` / ``$__to`` are expanded here (milliseconds; ``:date``/``:date:iso`` ISO-8601,
``:date:seconds`` Unix seconds); other date patterns are not supported and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from validation.dashboards.formats import Value, format_value, prometheus_format

VARIABLE_RE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}")
ALL = "$__all"
MACROS = frozenset(
    {
        "__interval",
        "__interval_ms",
        "__rate_interval",
        "__rate_interval_ms",
        "__range",
        "__range_s",
        "__range_ms",
    }
)


@dataclass(frozen=True)
class VariableValue:
    """A variable's resolved selection. ``values`` is the selection (``[ALL]`` when All is chosen);
    ``all_values`` the values of every option but All (what All expands to without allValue)."""

    name: str
    values: list[str]
    texts: list[str] = field(default_factory=list)
    multi: bool = False
    include_all: bool = False
    all_value: str | None = None
    all_values: list[str] = field(default_factory=list)

    @property
    def is_all(self) -> bool:
        return ALL in self.values

    def single(self) -> str:
        """The value as a plain string (first selected; All → allValue or the first option)."""
        if self.is_all:
            return self.all_value if self.all_value is not None else next(iter(self.all_values), "")
        return self.values[0] if self.values else ""


@dataclass
class Interpolation:
    text: str
    unresolved: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def interpolate(
    text: str,
    variables: dict[str, VariableValue],
    *,
    default_format: str = "prometheus",
    time_range: tuple[float, float] | None = None,
) -> Interpolation:
    """Expand every variable reference in ``text``; ``time_range`` (epoch seconds) feeds $__from/$__to."""
    result = Interpolation(text)
    result.text = _replace(text, variables, default_format, time_range, result, depth=0)
    return result


def _replace(
    text: str,
    variables: dict[str, VariableValue],
    default_format: str,
    time_range: tuple[float, float] | None,
    result: Interpolation,
    depth: int,
) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        fmt = match.group(3) or match.group(6) or ""
        if name in MACROS:
            return match.group(0)
        if name in ("__from", "__to") and time_range is not None:
            return _time_macro(time_range[0] if name == "__from" else time_range[1], fmt, result)
        variable = variables.get(name)
        if variable is None:
            result.unresolved.append(name)
            return match.group(0)
        value: Value = variable.values if variable.multi or len(variable.values) != 1 else variable.values[0]
        text_value: Value = variable.texts or value
        if variable.is_all:
            if variable.all_value is not None and fmt not in ("text", "percentencode"):
                if depth > 10:
                    result.problems.append(f"allValue of ${name} references itself")
                    return variable.all_value
                return _replace(variable.all_value, variables, default_format, time_range, result, depth + 1)
            value, text_value = list(variable.all_values), "All"
        if not fmt and default_format == "prometheus":
            return prometheus_format(value, multi=variable.multi, include_all=variable.include_all)
        formatted, known = format_value(value, fmt or default_format, name=name, text=text_value)
        if not known:
            result.problems.append(f"${{{name}:{fmt}}}: unknown format {fmt!r}, Grafana falls back to glob")
        return formatted

    return VARIABLE_RE.sub(substitute, text)


def _time_macro(seconds: float, fmt: str, result: Interpolation) -> str:
    millis = round(seconds * 1000)
    if not fmt:
        return str(millis)
    if fmt in ("date", "date:iso"):
        moment = datetime.fromtimestamp(millis / 1000, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if fmt == "date:seconds":
        return str(millis // 1000)
    result.problems.append(
        f"$__from/$__to format {fmt!r} is not supported by stackcheck; left as milliseconds"
    )
    return str(millis)


def references(text: str) -> list[str]:
    """Names of the variables ``text`` refers to, in order, without duplicates."""
    names: list[str] = []
    for match in VARIABLE_RE.finditer(text):
        name = match.group(1) or match.group(2) or match.group(4)
        if name not in names:
            names.append(name)
    return names
