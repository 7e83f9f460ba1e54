"""Label values that satisfy a selector's matchers: ``=`` gives the value, ``=~`` an example the
regex accepts, ``!=`` / ``!~`` a value they do not reject.

Regex examples are built from Python's parse of the pattern (RE2 and Python agree on the
constructs rule files use: alternations, classes, ``.+``, optional groups) and every candidate is
checked against all the matchers with ``re.fullmatch`` (PromQL anchors regexes), so a value that
is returned satisfies them; ``None`` means no candidate did.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

try:  # Python ≥ 3.11
    import re._constants as sre_c  # type: ignore[import-not-found,unused-ignore]
    import re._parser as sre_p  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover
    import sre_constants as sre_c
    import sre_parse as sre_p

# readable values for labels that alert templates and routes commonly name
FRIENDLY = {
    "job": "generated",
    "instance": "gen-host:9100",
    "node": "gen-node",
    "device": "sda",
    "mountpoint": "/",
    "fstype": "ext4",
    "namespace": "default",
    "pod": "gen-pod",
    "container": "gen-container",
    "service": "gen-service",
    "cpu": "0",
    "gpu": "0",
}


@dataclass(frozen=True)
class LabelMatcher:
    name: str
    op: str  # "=", "!=", "=~", "!~"
    value: str

    def accepts(self, value: str) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        try:
            hit = re.fullmatch(self.value, value, re.DOTALL) is not None
        except re.error:
            return False
        return hit if self.op == "=~" else not hit


def regex_examples(pattern: str, limit: int = 12) -> list[str]:
    """Strings ``pattern`` fully matches (shortest shapes first); empty list if it cannot be read."""
    try:
        parsed = sre_p.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return []
    out: list[str] = []
    for text in itertools.islice(_seq(list(parsed)), 200):
        if text not in out and _full(pattern, text):
            out.append(text)
        if len(out) >= limit:
            break
    return out


def _full(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text, re.DOTALL) is not None
    except re.error:
        return False


def _seq(items: Sequence[Any]) -> Iterator[str]:
    if not items:
        yield ""
        return
    heads = list(itertools.islice(_item(*items[0]), 6))
    for head in heads:
        for tail in itertools.islice(_seq(items[1:]), 6):
            yield head + tail


def _item(op: Any, av: Any) -> Iterator[str]:
    if op == sre_c.LITERAL:
        yield chr(av)
    elif op == sre_c.NOT_LITERAL:
        yield "a" if chr(av) != "a" else "b"
    elif op == sre_c.ANY:
        yield "a"
    elif op == sre_c.IN:
        yield from _in(av)
    elif op == sre_c.BRANCH:
        for branch in av[1]:
            yield from itertools.islice(_seq(list(branch)), 3)
    elif op == sre_c.SUBPATTERN:
        yield from _seq(list(av[-1]))
    elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
        low, high, sub = av
        inner = list(itertools.islice(_seq(list(sub)), 2)) or [""]
        counts = [low] if low == high else [low, low + 1]
        for count in counts:
            if high is not sre_c.MAXREPEAT and count > high:
                continue
            for piece in inner:
                yield piece * count
    elif op in (sre_c.AT, getattr(sre_c, "ATOMIC_GROUP", None)):
        if op == sre_c.AT:
            yield ""
        else:
            yield from _seq(list(av))
    elif op == sre_c.GROUPREF:
        yield ""
    else:
        yield "a"


def _in(items: list[Any]) -> Iterator[str]:
    negate = any(op == sre_c.NEGATE for op, _ in items)
    if negate:
        for candidate in "az0_A-":
            if not _class_has(items, candidate):
                yield candidate
                return
        return
    for op, av in items:
        if op == sre_c.LITERAL:
            yield chr(av)
        elif op == sre_c.RANGE:
            yield chr(av[0])
        elif op == sre_c.CATEGORY:
            yield {
                sre_c.CATEGORY_DIGIT: "0",
                sre_c.CATEGORY_SPACE: " ",
                sre_c.CATEGORY_WORD: "a",
                sre_c.CATEGORY_NOT_DIGIT: "a",
                sre_c.CATEGORY_NOT_SPACE: "a",
                sre_c.CATEGORY_NOT_WORD: "-",
            }.get(av, "a")


def _class_has(items: list[Any], char: str) -> bool:
    for op, av in items:
        if op == sre_c.LITERAL and chr(av) == char:
            return True
        if op == sre_c.RANGE and av[0] <= ord(char) <= av[1]:
            return True
        if op == sre_c.CATEGORY:
            return True  # conservative: a class with a category is not used for negation
    return False


def value_for(name: str, matchers: Sequence[LabelMatcher], preferred: str = "") -> str | None:
    """A value satisfying every matcher on ``name``; ``""`` means the label must be left out."""
    mine = [m for m in matchers if m.name == name]
    candidates: list[str] = []
    if preferred:
        candidates.append(preferred)
    for m in mine:
        if m.op == "=":
            candidates.insert(0, m.value)
        elif m.op == "=~":
            examples = regex_examples(m.value)
            candidates.extend([e for e in examples if e] + [e for e in examples if not e])
    candidates += [FRIENDLY.get(name, f"{name}-1"), f"{name}-2", "x", "generated"]
    if not any(m.op in ("=", "=~") for m in mine):
        candidates.append("")
    for candidate in candidates:
        if all(m.accepts(candidate) for m in mine):
            return candidate
    return None
