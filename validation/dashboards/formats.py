"""Grafana's variable value formats (``${var:<format>}``) and the Prometheus datasource's escaping.

Reproduces Grafana 10's ``formatRegistry`` and the Prometheus datasource's ``interpolateQueryExpr``
(the default when a query names no format). A value is a ``str`` (single) or a ``list[str]``.

The Prometheus default escapes for a PromQL *double-quoted string*: a multi-value or All variable is
turned into ``(a|b)`` with regex specials escaped by two backslashes (``\\\\.``), which the PromQL
string literal turns into one (``\\.``) for RE2. Like Grafana, it does not escape ``"``: a value
containing a double quote breaks the query; stackcheck reports that as the parse error it is.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from urllib.parse import quote

Value = str | list[str]

_REGEX_SPECIALS = re.compile(r"[\\^$*+?.()|[\]{}/]")
_PROM_REGEX_SPECIALS = re.compile(r"[$^*{}\[\]'+?.()|]")
_LUCENE_SPECIALS = re.compile(r"([!*+\-=<>\s&|()\[\]{}^~?:\\/\"])")


def regex_escape(value: str) -> str:
    """Grafana's kbn.regexEscape: one backslash before each regex special (and ``/``)."""
    return _REGEX_SPECIALS.sub(lambda m: "\\" + m.group(0), value)


def prometheus_regular_escape(value: str) -> str:
    """Single-value variables in Prometheus queries: escape ``\\`` and ``'`` for a string literal."""
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


def prometheus_special_regex_escape(value: str) -> str:
    """Multi-value / All variables: regex specials escaped for RE2 inside a PromQL string literal."""
    value = value.replace("\\", "\\\\\\\\")
    return _PROM_REGEX_SPECIALS.sub(lambda m: "\\\\" + m.group(0), value)


def prometheus_format(value: Value, *, multi: bool, include_all: bool) -> str:
    """The Prometheus datasource's interpolateQueryExpr (used when a query names no format)."""
    if not multi and not include_all:
        if isinstance(value, list):
            return ",".join(prometheus_regular_escape(v) for v in value)
        return prometheus_regular_escape(value)
    if isinstance(value, str):
        return prometheus_special_regex_escape(value)
    escaped = [prometheus_special_regex_escape(v) for v in value]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def _strict_uri(value: str) -> str:
    return quote(value, safe="")


def _glob(value: Value, text: Value, name: str) -> str:
    if isinstance(value, list):
        return "{" + ",".join(value) + "}" if len(value) > 1 else "".join(value)
    return value


def _regex(value: Value, text: Value, name: str) -> str:
    if isinstance(value, str):
        return regex_escape(value)
    escaped = [regex_escape(v) for v in value]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def _lucene(value: Value, text: Value, name: str) -> str:
    def esc(v: str) -> str:
        return _LUCENE_SPECIALS.sub(r"\\\1", v)

    if isinstance(value, str):
        return esc(value)
    if len(value) == 1:
        return esc(value[0])
    return "(" + " OR ".join(f'"{esc(v)}"' for v in value) + ")"


def _joined(separator: str) -> Callable[[Value, Value, str], str]:
    def format_(value: Value, text: Value, name: str) -> str:
        return separator.join(value) if isinstance(value, list) else value

    return format_


def _quoted(quote_char: str, escaped: str) -> Callable[[Value, Value, str], str]:
    def format_(value: Value, text: Value, name: str) -> str:
        values = value if isinstance(value, list) else [value]
        return ",".join(quote_char + v.replace(quote_char, escaped) + quote_char for v in values)

    return format_


def _json(value: Value, text: Value, name: str) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _percentencode(value: Value, text: Value, name: str) -> str:
    return _strict_uri("{" + ",".join(value) + "}" if isinstance(value, list) else value)


def _html(value: Value, text: Value, name: str) -> str:
    return html.escape(", ".join(value) if isinstance(value, list) else value, quote=True).replace(
        "&#x27;", "&#39;"
    )


def _distributed(value: Value, text: Value, name: str) -> str:
    if isinstance(value, str):
        return value
    return ",".join(
        v if i == 0 else f"{name}={v}" for i, v in enumerate(v.replace(",", "\\,") for v in value)
    )


def _text(value: Value, text: Value, name: str) -> str:
    return " + ".join(text) if isinstance(text, list) else text


def _queryparam(value: Value, text: Value, name: str) -> str:
    values = value if isinstance(value, list) else [value]
    return "&".join(f"var-{_strict_uri(name)}={_strict_uri(v)}" for v in values)


FORMATS: dict[str, Callable[[Value, Value, str], str]] = {
    "glob": _glob,
    "regex": _regex,
    "lucene": _lucene,
    "pipe": _joined("|"),
    "csv": _joined(","),
    "raw": _joined(","),
    "json": _json,
    "percentencode": _percentencode,
    "singlequote": _quoted("'", "\\'"),
    "doublequote": _quoted('"', '\\"'),
    "sqlstring": _quoted("'", "''"),
    "html": _html,
    "distributed": _distributed,
    "text": _text,
    "queryparam": _queryparam,
}


def format_value(value: Value, fmt: str, *, name: str = "", text: Value | None = None) -> tuple[str, bool]:
    """Format with a named Grafana format; returns (text, known). Unknown formats fall back to glob,
    as Grafana does (it logs an error); ``known`` tells the caller to report it."""
    formatter = FORMATS.get(fmt.split(":", 1)[0])
    if formatter is None:
        return _glob(value, value, name), False
    return formatter(value, value if text is None else text, name), True
