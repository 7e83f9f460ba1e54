"""Resolve a dashboard's variables to their selected values, as Grafana does on dashboard load.

Types: custom, constant, textbox, interval (with ``auto``), datasource, query (Prometheus:
``label_values(label)``, ``label_values(metric, label)``, ``metrics(regex)``,
``query_result(expr)``, ``label_names()`` / ``label_names(match)``, any other text = a series
selector). Query variables run through a ``PrometheusAPI``; their ``regex`` filters and
extracts values (first capture group, or named groups ``text`` / ``value``) and ``sort`` orders
them. Variables referencing others are resolved in dependency order; a cycle is a ConfigError.

Selection: ``overrides`` (as URL ``var-x=`` parameters) win; else the saved ``current`` if its
values are still options; else the first option (All, when included). A query variable with
``refresh: 0`` (never) keeps its saved options, as Grafana does.

Limits: only Prometheus query variables; ad hoc filters are ignored; sort 7/8 (natural) sorts
by the digits-aware key, close to localeCompare(numeric) for ASCII.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from validation.clients.prometheus import QueryFailed
from validation.core.errors import ConfigError
from validation.dashboards.client import PrometheusAPI
from validation.dashboards.datasources import Datasource, resolve_datasource
from validation.dashboards.interpolate import ALL, VariableValue, interpolate, references
from validation.dashboards.macros import TimeRange, parse_interval_ms, round_interval_js, seconds_to_hms
from validation.dashboards.model import Dashboard, Variable

Option = tuple[str, str]  # (text, value)

_LABEL_NAMES = re.compile(r"^label_names\((.*)\)\s*$")
_LABEL_VALUES = re.compile(r"^label_values\((?:(.+),\s*)?([a-zA-Z_$][a-zA-Z0-9_]*)\)\s*$")
_METRICS = re.compile(r"^metrics\((.+)\)\s*$")
_QUERY_RESULT = re.compile(r"^query_result\((.+)\)\s*$")


class VariableError(ConfigError):
    """A variable cannot be resolved (bad query, unknown datasource, cycle)."""


def variable_query(variable: Variable) -> str:
    """The query text of a variable (Grafana 10 stores Prometheus queries as {"query": ...})."""
    query = variable.query
    if isinstance(query, dict):
        query = query.get("query") or query.get("expr") or ""
    return str(query or variable.definition or "")


def dependency_order(variables: list[Variable], *, place: str = "") -> list[Variable]:
    """Variables sorted so each comes after those it references (file order otherwise kept)."""
    by_name = {v.name: v for v in variables}
    deps = {v.name: [n for n in _refs(v) if n in by_name and n != v.name] for v in variables}
    ordered: list[Variable] = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join([*path[path.index(name) :], name])
            raise VariableError(
                f"variables reference each other in a cycle: {cycle}",
                place=place,
                hint="break the cycle: one of them must not use the other in its query",
            )
        state[name] = 1
        for dep in deps[name]:
            visit(dep, [*path, name])
        state[name] = 2
        ordered.append(by_name[name])

    for variable in variables:
        visit(variable.name, [])
    return ordered


def _refs(variable: Variable) -> list[str]:
    texts = [variable_query(variable), variable.regex]
    ds = variable.datasource
    texts.append(str(ds.get("uid") or "") if isinstance(ds, dict) else str(ds or ""))
    return [name for text in texts for name in references(text)]


def resolve_variables(
    dashboard: Dashboard,
    client: PrometheusAPI | None,
    time_range: TimeRange,
    datasources: list[Datasource],
    overrides: Mapping[str, list[str]] | None = None,
) -> dict[str, VariableValue]:
    """Every variable's selection; query variables need ``client`` (None: a ConfigError for them)."""
    resolved: dict[str, VariableValue] = {}
    for variable in dependency_order(dashboard.variables, place=dashboard.source):
        place = f"{dashboard.source}: variable ${variable.name}"
        options = _options(variable, client, time_range, datasources, resolved, place)
        value = _select(variable, options, (overrides or {}).get(variable.name))
        if variable.type == "interval" and any(v.startswith("$__auto_interval") for v in value.values):
            auto = auto_interval(variable, time_range)
            value = VariableValue(variable.name, [auto], [auto], value.multi, value.include_all, None, [auto])
        resolved[variable.name] = value
    return resolved


def _options(
    variable: Variable,
    client: PrometheusAPI | None,
    time_range: TimeRange,
    datasources: list[Datasource],
    resolved: dict[str, VariableValue],
    place: str,
) -> list[Option]:
    kind = variable.type
    query = variable_query(variable)
    if kind == "custom":
        return [_custom_option(part) for part in re.findall(r"(?:\\,|[^,])+", query) if part.strip()]
    if kind == "constant":
        return [(query, query)]
    if kind == "textbox":
        value = variable.current[0] if variable.current else query
        return [(value, value)]
    if kind == "interval":
        options = [(part.strip(), part.strip()) for part in query.split(",") if part.strip()]
        if variable.auto:
            options.insert(0, ("auto", "$__auto_interval_" + variable.name))
        return options
    if kind == "datasource":
        pattern = (
            _compile_regex(_expand(variable.regex, resolved, "regex"), place) if variable.regex else None
        )
        return [
            (ds.name, ds.name)
            for ds in datasources
            if ds.type == query and (pattern is None or pattern.search(ds.name))
        ]
    if kind == "query":
        if variable.raw.get("refresh", 1) == 0 and variable.options:
            return [o for o in variable.options if o[1] != ALL]
        if client is None:
            raise VariableError("a query variable needs a Prometheus to query", place=place)
        lookup = _datasource_lookup(resolved)
        ds = resolve_datasource(variable.datasource, datasources, lookup, place=place)
        if ds.type != "prometheus":
            raise VariableError(
                f"query variables of datasource type {ds.type!r} are not supported", place=place
            )
        expanded = _expand(query, resolved, "prometheus", time_range)
        values = run_variable_query(expanded, client, time_range, place=place)
        regex = _expand(variable.regex, resolved, "regex") if variable.regex else ""
        return sort_options(filter_options(values, regex, place), variable.sort)
    if kind == "adhoc":
        return []
    raise VariableError(f"unknown variable type {kind!r}", place=place, hint="use a Grafana variable type")


def _custom_option(part: str) -> Option:
    part = part.replace("\\,", ",").strip()
    if " : " in part:
        text, value = part.split(" : ", 1)
        return (text.strip(), value.strip())
    return (part, part)


def _expand(
    text: str, resolved: dict[str, VariableValue], fmt: str, time_range: TimeRange | None = None
) -> str:
    span = (time_range.start, time_range.end) if time_range else None
    return interpolate(text, resolved, default_format=fmt, time_range=span).text


def _datasource_lookup(resolved: dict[str, VariableValue]) -> Callable[[str], str | None]:
    def lookup(name: str) -> str | None:
        value = resolved.get(name)
        return value.single() if value is not None else None

    return lookup


def run_variable_query(query: str, client: PrometheusAPI, time_range: TimeRange, *, place: str) -> list[str]:
    """Run one Prometheus variable query; returns the option texts (before regex and sort)."""
    query = query.strip()
    try:
        names = _LABEL_NAMES.match(query)
        if names:
            match = names.group(1).strip() or '{__name__=~".+"}'
            return sorted({key for s in client.series(match, time_range.start, time_range.end) for key in s})
        values = _LABEL_VALUES.match(query)
        if values:
            return list(client.label_values(values.group(2), values.group(1)))
        metrics = _METRICS.match(query)
        if metrics:
            pattern = _compile_regex(metrics.group(1), place, anchor=False)
            return [name for name in client.label_values("__name__") if pattern.search(name)]
        result = _QUERY_RESULT.match(query)
        if result:
            data = client.instant(result.group(1), time_range.end)
            return [_query_result_text(item) for item in data.get("result", [])]
        return [_series_text(s) for s in client.series(query, time_range.start, time_range.end)]
    except QueryFailed as exc:
        raise VariableError(
            f"query {query!r} failed: {exc}", place=place, hint="try it in Prometheus"
        ) from None


def _query_result_text(item: dict[str, Any]) -> str:
    metric = dict(item.get("metric", {}))
    name = metric.pop("__name__", "")
    labels = ",".join(f'{k}="{v}"' for k, v in metric.items())
    value = item.get("value") or [0, ""]
    return f"{name}{{{labels}}} {value[1]} {round(float(value[0]) * 1000)}"


def _series_text(labels: dict[str, str]) -> str:
    metric = dict(labels)
    name = metric.pop("__name__", "")
    return name + "{" + ", ".join(f'{k}="{v}"' for k, v in metric.items()) + "}"


def _compile_regex(text: str, place: str, *, anchor: bool = True) -> re.Pattern[str]:
    """Grafana's stringToJsRegex: "/pattern/flags" as written, a bare pattern anchored ^…$."""
    flags = 0
    if text.startswith("/") and text.rfind("/") > 0:
        end = text.rfind("/")
        pattern, letters = text[1:end], text[end + 1 :]
        flags |= re.IGNORECASE if "i" in letters else 0
        flags |= re.MULTILINE if "m" in letters else 0
        flags |= re.DOTALL if "s" in letters else 0
    else:
        pattern = f"^{text}$" if anchor else text
    try:
        return re.compile(re.sub(r"\(\?<(\w+)>", r"(?P<\1>", pattern), flags)
    except re.error as exc:
        raise VariableError(
            f"invalid regex {text!r}: {exc}", place=place, hint="fix the variable's regex"
        ) from None


def filter_options(values: list[str], regex: str, place: str = "") -> list[Option]:
    """Apply a variable regex as Grafana's metricNamesToVariableValues does; dedupes by value."""
    pattern = _compile_regex(regex, place) if regex else None
    is_global = regex.startswith("/") and "g" in regex[regex.rfind("/") + 1 :]
    options: list[Option] = []
    for value in values:
        text = value
        if pattern is not None:
            matches = (
                list(pattern.finditer(value)) if is_global else [m for m in [pattern.search(value)] if m]
            )
            if not matches:
                continue
            named = [m for m in matches if m.groupdict().get("value") or m.groupdict().get("text")]
            grouped = [m for m in matches if m.re.groups >= 1]
            if named:
                groups = named[0].groupdict()
                value = groups.get("value") or groups.get("text") or ""
                text = groups.get("text") or groups.get("value") or ""
            elif len(matches) > 1 and grouped:
                options.extend((m.group(1) or "", m.group(1) or "") for m in matches)
                continue
            elif grouped:
                text = value = grouped[0].group(1) or ""
        options.append((text, value))
    seen: set[str] = set()
    unique = []
    for option in options:
        if option[1] not in seen:
            seen.add(option[1])
            unique.append(option)
    return unique


def _number(text: str) -> int:
    match = re.match(r".*?(\d+).*", text)
    return int(match.group(1)) if match else -1


def _natural(text: str) -> list[Any]:
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", text)
    ]


def sort_options(options: list[Option], sort: int) -> list[Option]:
    """Grafana's sortVariableValues: 1/2 alphabetical, 3/4 numerical, 5/6 case-insensitive, 7/8 natural."""
    keys: dict[int, Callable[[Option], Any]] = {
        1: lambda o: o[0],
        3: lambda o: _number(o[0]),
        5: lambda o: o[0].lower(),
        7: lambda o: _natural(o[0]),
    }
    base = sort - 1 if sort in (2, 4, 6, 8) else sort
    if base not in keys:
        return options
    return sorted(options, key=keys[base], reverse=sort in (2, 4, 6, 8))


def _select(variable: Variable, options: list[Option], override: list[str] | None) -> VariableValue:
    all_values = [value for _, value in options]
    texts = {value: text for text, value in options}
    by_text = {text: value for text, value in options}
    wanted = list(override) if override is not None else variable.current
    if variable.type in ("constant", "textbox"):
        chosen = wanted[:1] if override is not None and wanted else all_values[:1]
    elif variable.include_all and any(v in (ALL, "All") for v in wanted):
        chosen = [ALL]
    elif override is not None:
        chosen = [by_text.get(v, v) for v in wanted]  # URL values are taken as given, as Grafana does
    else:
        chosen = [v if v in texts else by_text[v] for v in wanted if v in texts or v in by_text]
    if not chosen:
        chosen = [ALL] if variable.include_all else all_values[:1]
    if not variable.multi:
        chosen = chosen[:1]
    return VariableValue(
        name=variable.name,
        values=chosen,
        texts=["All" if v == ALL else texts.get(v, v) for v in chosen],
        multi=variable.multi,
        include_all=variable.include_all,
        all_value=variable.all_value,
        all_values=all_values,
    )


def auto_interval(variable: Variable, time_range: TimeRange) -> str:
    """The value of an interval variable set to ``auto``: rangeutil.calculateInterval(range,
    auto_count, auto_min) rendered with secondsToHms."""
    ms = max(
        round_interval_js(time_range.range_ms / variable.auto_count), parse_interval_ms(variable.auto_min)
    )
    return seconds_to_hms(ms / 1000)
