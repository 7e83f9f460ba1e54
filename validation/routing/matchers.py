"""Alertmanager 0.25 label matchers: the ``matchers:`` strings and the legacy ``match`` / ``match_re`` maps.

``parse_matchers`` follows ``pkg/labels/parse.go`` of Alertmanager 0.25 exactly: an optional ``{...}``,
comma-separated matchers (commas inside double quotes do not split), each ``name op value`` with
``op`` one of ``= != =~ !~``, the value optionally double-quoted with OpenMetrics escapes (``\\"``,
``\\n``, ``\\\\``; any other backslash is literal), surrounding whitespace dropped. A label that is
missing from an alert matches as the empty string. Regexes are fully anchored (``^(?:re)$``) and use
Go RE2 syntax (see ``validation.routing.re2``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from validation.routing.re2 import GoRegexError, UnsupportedRegex, compile_go_regex

# Go's \s is ASCII [\t\n\f\r ] and its $ is end-of-text: spelled out so Python agrees.
_MATCHER = re.compile(
    r"\A[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*(.*?)[\t\n\f\r ]*\Z",
    re.DOTALL,
)
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
OPERATORS = ("=", "!=", "=~", "!~")


class MatcherError(ValueError):
    """A matcher string or value Alertmanager would reject; the message is Alertmanager's."""


@dataclass(frozen=True)
class Matcher:
    """One matcher; ``matches`` gets the label's value, ``""`` when the label is missing."""

    name: str
    op: str
    value: str
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def new(cls, name: str, op: str, value: str) -> Matcher:
        if op not in OPERATORS:
            raise MatcherError(f"unknown match operator {op!r}")
        pattern = None
        if op in ("=~", "!~"):
            try:
                pattern = compile_go_regex(value)
            except GoRegexError as exc:
                raise MatcherError(str(exc)) from None
            except UnsupportedRegex:
                raise
        return cls(name, op, value, pattern)

    def matches(self, value: str) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        assert self.pattern is not None
        found = (
            self.pattern.search(value) is not None
        )  # Go MatchString searches; the anchors are in the pattern
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


def matches_all(matchers: tuple[Matcher, ...], labels: Mapping[str, str]) -> bool:
    """Alertmanager's ``Matchers.Matches``: every matcher holds; missing labels are ``""``."""
    return all(m.matches(labels.get(m.name, "")) for m in matchers)


def parse_matcher(text: str) -> Matcher:
    """One ``name op value`` matcher, as Alertmanager 0.25's ``labels.ParseMatcher``."""
    m = _MATCHER.match(text)
    if not m:
        raise MatcherError(f"bad matcher format: {text}")
    name, op, raw = m.group(1), m.group(2), m.group(3)
    expect_trailing_quote = raw.startswith('"')
    body = raw[1:] if expect_trailing_quote else raw
    value: list[str] = []
    escaped = False
    for i, ch in enumerate(body):
        if escaped:
            escaped = False
            value.append("\n" if ch == "n" else ch if ch in '"\\' else "\\" + ch)
            continue
        if ch == "\\":
            if i < len(body) - 1:
                escaped = True
            else:
                value.append("\\")
        elif ch == '"':
            if not expect_trailing_quote or i < len(body) - 1:
                raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
            expect_trailing_quote = False
        else:
            value.append(ch)
    if expect_trailing_quote:
        raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
    return Matcher.new(name, op, "".join(value))


def parse_matchers(text: str) -> list[Matcher]:
    """A comma-separated list, as Alertmanager 0.25's ``labels.ParseMatchers``."""
    text = text.removeprefix("{").removesuffix("}")
    tokens: list[str] = []
    token: list[str] = []
    inside_quotes = escaped = False
    for ch in text:
        if ch == "," and not inside_quotes:
            tokens.append("".join(token))
            token = []
            continue
        if ch == '"':
            if not escaped:
                inside_quotes = not inside_quotes
            else:
                escaped = False
        elif ch == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(ch)
    last = "".join(token).strip()
    if last:
        tokens.append(last)
    return [parse_matcher(t) for t in tokens]


def legacy_matchers(match: Mapping[str, Any] | None, match_re: Mapping[str, Any] | None) -> list[Matcher]:
    """The deprecated ``match`` (equality) and ``match_re`` (anchored regex) maps."""
    result: list[Matcher] = []
    for op, mapping in (("=", match or {}), ("=~", match_re or {})):
        for name, value in mapping.items():
            if not isinstance(name, str) or not LABEL_NAME.match(name):
                raise MatcherError(f"invalid label name {name!r}")
            result.append(Matcher.new(name, op, yaml_scalar_text(value)))
    return result


def yaml_scalar_text(value: Any) -> str:
    """The string Go's yaml.v2 would decode a scalar into (``500`` -> "500", ``true`` -> "true").

    Limit: PyYAML has already resolved the scalar, so unusual spellings (``0x1F``, ``1e3``, ``yes``)
    come back in Python's canonical form, not as written; quote such values in the config.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MatcherError(f"expected a string, got a {type(value).__name__}")
