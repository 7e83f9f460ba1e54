"""Alertmanager 0.25 matcher parsing and Go RE2 regex semantics (table-driven)."""

from __future__ import annotations

import pytest

from validation.routing.matchers import MatcherError, legacy_matchers, parse_matcher, parse_matchers
from validation.routing.re2 import GoRegexError, UnsupportedRegex, compile_go_regex

pytestmark = pytest.mark.unit

# Expected (name, op, value) triples; cases follow Alertmanager 0.25's pkg/labels/parse_test.go.
PARSE_CASES = {
    "quoted equality": ('{foo="bar"}', [("foo", "=", "bar")]),
    "regex": ('{foo=~"bar.*"}', [("foo", "=~", "bar.*")]),
    "negative equality": ('{foo!="bar"}', [("foo", "!=", "bar")]),
    "negative regex": ('{foo!~"bar.*"}', [("foo", "!~", "bar.*")]),
    "two matchers": ('{foo="bar", baz!="quux"}', [("foo", "=", "bar"), ("baz", "!=", "quux")]),
    "empty value": ('{foo=""}', [("foo", "=", "")]),
    "comma inside quotes does not split": (
        '{foo="bar,quux", job="job1"}',
        [("foo", "=", "bar,quux"), ("job", "=", "job1")],
    ),
    "trailing comma and spaces": (
        '{foo = "bar", dings != "bums", }',
        [("foo", "=", "bar"), ("dings", "!=", "bums")],
    ),
    "unquoted values without braces": ("foo=bar,dings!=bums", [("foo", "=", "bar"), ("dings", "!=", "bums")]),
    "escaped quotes inside quotes": (
        r'{quote="She said: \"Hi, ladies! That\'s gender-neutral…\""}',
        [("quote", "=", 'She said: "Hi, ladies! That\\\'s gender-neutral…"')],
    ),
    "regex with dots": ('statuscode=~"5.."', [("statuscode", "=~", "5..")]),
    "operator characters in an unquoted value": ("tricky=~~~", [("tricky", "=~", "~~")]),
    "spurious escapes stay literal": (r"trickier==\\=\=\"", [("trickier", "=", '=\\=\\="')]),
    "quote and comma values": (
        r'contains_quote != "\"" , contains_comma !~ "foo,bar" , ',
        [("contains_quote", "!=", '"'), ("contains_comma", "!~", "foo,bar")],
    ),
    "only one closing brace is trimmed": ("{foo=bar}}", [("foo", "=", "bar}")]),
    "empty unquoted values": ("{foo=,bar=}}", [("foo", "=", ""), ("bar", "=", "}")]),
    "empty value without braces": ("job=", [("job", "=", "")]),
    "escaped newline": (r'a="x\ny"', [("a", "=", "x\ny")]),
    "trailing backslash is literal": ("a=x\\", [("a", "=", "x\\")]),
    "colon in label name": ('a:b="c"', [("a:b", "=", "c")]),
    "whitespace inside quotes kept": ('a=" x "', [("a", "=", " x ")]),
    "whitespace around unquoted value dropped": ("a=  x  ", [("a", "=", "x")]),
}

PARSE_ERRORS = {
    "opening quote without closing": ('job="value', "unescaped double quote"),
    "closing quote without opening": ('job=value"', "unescaped double quote"),
    "quote after closing quote": (r'trickier==\\=\=\""', "unescaped double quote"),
    "quote in the middle of an unquoted value": (
        'contains_unescaped_quote = foo"bar',
        "unescaped double quote",
    ),
    "dash in label name": ('{invalid-name = "valid label"}', "bad matcher format"),
    "invalid regex": ('{foo=~"invalid[regexp"}', "missing closing ]"),
    "double-quoted whole matcher": ('"foo=\\"bar\\""', "bad matcher format"),
    "empty matcher between commas": ("a=b,,c=d", "bad matcher format"),
    "no operator": ("foo", "bad matcher format"),
}


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES.values(), ids=PARSE_CASES.keys())
def test_parse_matchers_follows_alertmanager(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(m.name, m.op, m.value) for m in parse_matchers(text)] == expected


@pytest.mark.parametrize(("text", "message"), PARSE_ERRORS.values(), ids=PARSE_ERRORS.keys())
def test_parse_matchers_rejects_what_alertmanager_rejects(text: str, message: str) -> None:
    with pytest.raises(MatcherError, match=message):
        parse_matchers(text)


def test_matcher_string_round_trips_through_the_parser() -> None:
    original = parse_matcher(r'a=~"x\"y\\z\n|w"')
    again = parse_matcher(str(original))
    assert (again.name, again.op, again.value) == (original.name, original.op, original.value)


def test_legacy_maps_give_equality_and_anchored_regex_matchers() -> None:
    found = legacy_matchers({"team": "ml", "code": 500}, {"severity": "crit|warn"})
    assert [(m.name, m.op, m.value) for m in found] == [
        ("team", "=", "ml"),
        ("code", "=", "500"),
        ("severity", "=~", "crit|warn"),
    ]
    assert found[2].matches("crit") and not found[2].matches("critical")


def test_legacy_map_rejects_invalid_label_name() -> None:
    with pytest.raises(MatcherError, match="invalid label name"):
        legacy_matchers({"bad-name": "x"}, None)


MISSING_LABEL_CASES = {
    "equality with empty matches missing": ('a=""', True),
    "negative equality with empty fails on missing": ('a!=""', False),
    "regex .* matches missing": ('a=~".*"', True),
    "regex .+ does not match missing": ('a=~".+"', False),
    "negative regex .+ matches missing": ('a!~".+"', True),
}


@pytest.mark.parametrize(("text", "matches"), MISSING_LABEL_CASES.values(), ids=MISSING_LABEL_CASES.keys())
def test_missing_label_is_the_empty_string(text: str, matches: bool) -> None:
    assert parse_matcher(text).matches("") is matches


# (pattern, value, Go's answer) where Python's re would answer differently without translation.
REGEX_CASES = {
    "anchored at both ends": ("b", "abc", False),
    "alternation is inside the anchors": ("a|b", "ab", False),
    "$ does not match before a final newline": ("abc", "abc\n", False),
    "explicit $ is end of text": ("abc$", "abc\n", False),
    "\\d is ASCII only": (r"\d+", "١٢٣", False),
    "\\w is ASCII only": (r"\w+", "é", False),
    "\\s is ASCII only": (r"\s", "\u00a0", False),
    "\\s excludes vertical tab": (r"\s", "\v", False),
    "\\b uses ASCII word characters": (r"x\b", "x", True),
    "case-insensitive flag inside the group": ("(?i)gpu", "GPU", True),
    "flag in the middle applies to later alternatives": ("a(?i)b|c", "C", True),
    "flag in the middle does not reach earlier text": ("a(?i)b", "AB", False),
    "scoped flag group": ("(?i:a)b", "Ab", True),
    "dot does not match newline": ("a.b", "a\nb", False),
    "s flag lets dot match newline": ("(?s)a.b", "a\nb", True),
    "brace without count is literal": ("x{,2}", "x{,2}", True),
    "\\z is end of text": (r"a\z", "a", True),
    "\\Q...\\E quotes": (r"\Qa.b\E", "axb", False),
    "\\x{...} code point": (r"\x{e9}", "é", True),
    "octal escape": (r"\101", "A", True),
    "POSIX class": ("[[:upper:]]+", "ABC", True),
    "POSIX class is ASCII": ("[[:alpha:]]", "é", False),
    "ungreedy flag is irrelevant to a full match": ("(?U)a+", "aaa", True),
    "lazy quantifier": ("a+?", "aaa", True),
    "unicode literal": ("é+", "éé", True),
    "empty regex matches only empty": ("", "", True),
    "bracket first in class is literal": ("[]a]+", "]a", True),
    "a stray ) escapes the anchoring group: prefix side": ("a)|(b", "axx", True),
    "a stray ) escapes the anchoring group: suffix side": ("a)|(b", "xxb", True),
    "a stray ) escapes the anchoring group: neither": ("a)|(b", "xbx", False),
    "m flag: $ before newline inside the group": ("(?m)a$\n", "a\n", True),
    "m flag does not reach the outer anchor": ("(?m)a", "a\n", False),
    "repeated empty-width assertion": ("^*a", "a", True),
}


@pytest.mark.parametrize(("pattern", "value", "expected"), REGEX_CASES.values(), ids=REGEX_CASES.keys())
def test_regex_matches_like_go_anchored(pattern: str, value: str, expected: bool) -> None:
    assert (compile_go_regex(pattern).search(value) is not None) is expected


GO_REJECTS = {
    "lookahead": "(?=a)a",
    "negative lookahead": "(?!a)b",
    "lookbehind": "(?<=a)b",
    "back-reference": r"(a)\1",
    "named back-reference": "(?P<x>a)(?P=x)",
    "atomic group": "(?>a)",
    "possessive quantifier": "a*+",
    "nested repetition": "a**",
    "repeat count above 1000": "a{1001}",
    "inverted repeat count": "a{3,2}",
    "verbose flag": "(?x)a",
    "comment group": "(?#note)a",
    "conditional": "(?(1)a|b)",
    "\\Z": r"a\Z",
    "\\u escape": r"\u00e9",
    "unknown POSIX class": "[[:foo:]]",
    "unbalanced parenthesis": "(a",
    "stray closing parenthesis": "a)",
    "unclosed class": "[a",
    "nothing to repeat": "*a",
    "trailing backslash": "a\\",
}


@pytest.mark.parametrize("pattern", GO_REJECTS.values(), ids=GO_REJECTS.keys())
def test_regex_constructs_go_rejects_are_errors(pattern: str) -> None:
    with pytest.raises(GoRegexError):
        compile_go_regex(pattern)


@pytest.mark.parametrize("pattern", [r"\pL", r"\p{Greek}", r"\PN", r"[\W]"])
def test_valid_go_regex_that_python_cannot_mirror_is_reported_unsupported(pattern: str) -> None:
    with pytest.raises(UnsupportedRegex):
        compile_go_regex(pattern)
