"""promtool's expanding notation for series values, and series selectors.

``parse_values`` reproduces ``promtool test rules`` (Prometheus 2.42) exactly; the cases were
measured against the real binary (tests/static/test_notation_promtool.py keeps them honest):

- items are separated by spaces or tabs; no spaces inside an item (``1 x3`` is an error);
- ``a`` — one sample: a float in decimal or exponent form (``1``, ``-2``, ``.5``, ``1.``, ``1e9``,
  ``2e+2``) or ``Inf`` / ``NaN`` (any case, optionally signed); hex, octal, binary and ``_`` digit
  separators are rejected, as is a literal outside float64 (``1e400``);
- ``axn`` — a, then n more copies: ``1x3`` is ``1 1 1 1`` (n + 1 samples);
- ``a+bxn`` / ``a-bxn`` — a, then n more samples, each adding b to the previous one (repeated
  addition, as promtool does: ``1+0.1x2`` is ``1 1.1 1.2000000000000002``); b is a plain number,
  never ``Inf`` / ``NaN``; ``Inf+1x2`` is valid, ``Infx2`` is not;
- ``_`` — one missing sample; ``_xn`` — n missing samples (n, not n + 1: ``_x3`` is three);
- ``stale`` — one staleness marker (lower case only; it cannot repeat).

Limits: newlines are rejected (promtool rejects them too; YAML folds plain multi-line scalars
into spaces, so this only bites inside ``|`` blocks). Expansion stops at ``max_samples``.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence

import promql_parser

from validation.core.errors import ScenarioError


class Stale(enum.Enum):
    """The staleness marker: the series ends here (Prometheus' StaleNaN)."""

    STALE = "stale"

    def __repr__(self) -> str:
        return "STALE"


STALE = Stale.STALE
Sample = float | None | Stale
"""One expanded sample: a float, ``None`` for a missing sample (``_``), or ``STALE``."""

DEFAULT_MAX_SAMPLES = 1_000_000

_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_ITEM = re.compile(
    rf"(?P<sign>[+-]?)(?:(?P<number>{_NUMBER})|(?P<word>[A-Za-z][A-Za-z0-9_]*))"
    rf"(?:(?P<op>[+-])(?P<step>{_NUMBER}))?(?:x(?P<count>\d+))?"
)
_BLANK = re.compile(r"_(?:x(?P<count>\d+))?")
_FORMS = "a number (1, -2, .5, 1e9, Inf, NaN), 'axn', 'a+bxn', 'a-bxn', '_', '_xn' or 'stale'"


def parse_values(text: str, *, place: str = "", max_samples: int = DEFAULT_MAX_SAMPLES) -> list[Sample]:
    """Expand promtool notation into samples; a bad item raises ``ScenarioError`` naming it."""
    if "\n" in text.strip() or "\r" in text.strip():
        raise ScenarioError(
            "series values span several lines",
            place=place,
            hint="write the values on one line (promtool rejects newlines), or use a folded scalar 'values: >'",
        )
    samples: list[Sample] = []
    for column, token in _tokens(text):
        samples.extend(_expand(token, column, place, max_samples - len(samples)))
    return samples


def _tokens(text: str) -> list[tuple[int, str]]:
    return [(match.start() + 1, match.group()) for match in re.finditer(r"[^ \t\n\r]+", text)]


def _expand(token: str, column: int, place: str, budget: int) -> list[Sample]:
    blank = _BLANK.fullmatch(token)
    item = _ITEM.fullmatch(token)
    if token == "stale" or blank:
        size = 1 if token == "stale" else int(blank["count"] or 1) if blank else 0
    elif (
        item is None
        or (item["word"] and item["count"] and not item["op"])
        or (item["op"] and not item["count"])
    ):
        raise _bad(token, column, place, _hint_for(token))
    else:
        size = int(item["count"] or 0) + 1
    if size > budget:
        raise ScenarioError(
            f"series values expand to too many samples at {token!r}",
            place=place,
            hint="use a longer interval or fewer repetitions; scenarios need minutes of data, not days",
        )
    if token == "stale":
        return [STALE]
    if blank:
        return [None] * size
    assert item is not None
    base = _number(item["sign"], item["number"], item["word"], token, column, place)
    count = size - 1
    if not item["op"]:
        return [base] * (count + 1)
    step = _number(item["op"], item["step"], None, token, column, place)
    result: list[Sample] = []
    current = base
    for _ in range(count + 1):
        result.append(current)
        current += step
    return result


def _number(sign: str, number: str | None, word: str | None, token: str, column: int, place: str) -> float:
    if word is not None:
        if word.lower() not in ("inf", "nan"):
            raise _bad(token, column, place, _hint_for(token))
        value = math.inf if word.lower() == "inf" else math.nan
    else:
        assert number is not None
        value = float(number)
        if math.isinf(value):
            raise _bad(token, column, place, f"{number} is outside the float64 range; write Inf for infinity")
    return -value if sign == "-" else value


def _bad(token: str, column: int, place: str, hint: str) -> ScenarioError:
    return ScenarioError(
        f"invalid item {token!r} at column {column} of series values", place=place, hint=hint
    )


def _hint_for(token: str) -> str:
    if "," in token:
        return "separate samples with spaces, not commas"
    if token.startswith("x") or token in ("+", "-") or token.endswith(("+", "-", "x")):
        return "no spaces inside an item: write 1x3 or 1+1x3, not '1 x3' or '1 + 1x3'"
    if re.fullmatch(rf"[+-]?{_NUMBER}[+-]{_NUMBER}", token):
        return f"a step needs a count: write {token}x3 (the first value, then 3 more samples)"
    if token.lower().startswith("stale"):
        return "'stale' is one lower-case item and cannot repeat"
    if token.startswith("_"):
        return f"expected '_' or '_xn' (n missing samples, lower-case x, no step); {_FORMS}"
    if token[:1] in "+-" and token[1:] == "stale":
        return "'stale' takes no sign"
    word = re.fullmatch(r"([+-]?(?:inf|nan))x(\d+)", token, re.IGNORECASE)
    if word:
        return f"promtool reads {token!r} as one word; write {word[1]}+0x{word[2]} to repeat it"
    if re.search(r"x\d*[.eE_]", token):
        return "the repetition count n in 'axn' is a whole decimal number"
    return f"expected {_FORMS}"


def format_values(samples: Sequence[Sample]) -> str:
    """Render samples as notation that ``parse_values`` expands back to the same samples.

    Runs of identical samples become ``axn`` / ``_xn``; arithmetic runs are not detected.
    """
    items: list[str] = []
    index = 0
    while index < len(samples):
        sample = samples[index]
        run = 1
        while index + run < len(samples) and _same(samples[index + run], sample):
            run += 1
        if sample is STALE:
            items.extend(["stale"] * run)
        elif sample is None:
            items.append("_" if run == 1 else f"_x{run}")
        else:
            assert isinstance(sample, float | int)
            text = _format_number(float(sample))
            if run > 1 and math.isfinite(sample):
                text = f"{text}x{run - 1}"
            elif run > 1:
                text = f"{text}+0x{run - 1}"
            items.append(text)
        index += run
    return " ".join(items)


def _same(a: Sample, b: Sample) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return a is b


def _format_number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return repr(value)


_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def parse_series(text: str, *, place: str = "") -> tuple[str, dict[str, str]]:
    """Parse ``name{a="b", c="d"}`` (or ``{__name__="name", …}``) into a name and labels.

    Only ``=`` matchers; no offset, ``@`` or ranges. Labels with an empty value are dropped,
    as Prometheus drops them on ingestion.
    """
    hint = 'write a series as metric_name{label="value", ...}'
    try:
        expr = promql_parser.parse(text)
    except Exception as exc:  # promql_parser raises plain ValueError/RuntimeError with its message
        raise ScenarioError(f"invalid series {text!r}: {exc}", place=place, hint=hint) from None
    if not isinstance(expr, promql_parser.VectorSelector):
        raise ScenarioError(f"invalid series {text!r}: not a plain series selector", place=place, hint=hint)
    if expr.offset is not None or expr.at is not None:
        raise ScenarioError(f"invalid series {text!r}: offset and @ are not allowed", place=place, hint=hint)
    name = expr.name or ""
    labels: dict[str, str] = {}
    for matcher in expr.matchers.matchers:
        if matcher.op != promql_parser.MatchOp.Equal:
            raise ScenarioError(
                f"invalid series {text!r}: label {matcher.name!r} uses a matcher other than '='",
                place=place,
                hint="input series are exact label sets: use '=' only",
            )
        if matcher.name in labels or (matcher.name == "__name__" and name and expr.name is None):
            raise ScenarioError(
                f"invalid series {text!r}: label {matcher.name!r} given twice", place=place, hint=hint
            )
        if matcher.name == "__name__":
            name = matcher.value
        elif matcher.value != "":
            labels[matcher.name] = matcher.value
        else:
            labels.setdefault(matcher.name, "")
    labels = {key: value for key, value in labels.items() if value != ""}
    if not _METRIC_NAME.fullmatch(name):
        raise ScenarioError(
            f"invalid series {text!r}: metric name {name!r} is missing or invalid",
            place=place,
            hint="a metric name matches [a-zA-Z_:][a-zA-Z0-9_:]*",
        )
    return name, labels
