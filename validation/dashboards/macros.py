"""The time macros and the query step as Grafana 10 computes them for a Prometheus panel.

Two halves, as in Grafana:
- the frontend (PanelQueryRunner) computes ``intervalMs`` = max(round_js(range / maxDataPoints),
  min interval), where min interval is the panel's ``interval`` or else the datasource's
  ``jsonData.timeInterval``; rounding uses @grafana/data ``rangeutil.roundInterval``;
- the Prometheus backend (pkg/tsdb/prometheus, ``calculatePrometheusInterval``) takes the target's
  "Min step" (``interval``) or else ``intervalMs`` as the minimum, computes range / maxDataPoints
  (rounded with gtime.RoundInterval only when above the minimum), raises it to the "safe"
  interval round(range / 11000) (Prometheus' 11,000-point limit), multiplies by ``intervalFactor``,
  and uses the result as the step and as ``$__interval``. ``$__rate_interval`` =
  max(intervalMs + scrape, 4 * scrape), scrape = the target's Min step, else ``timeInterval``,
  else 15s. Start and end are aligned down to a multiple of the step (UTC, offset 0).

Limits: Grafana's frontend uses the panel's width in pixels as maxDataPoints when the panel sets
none; stackcheck cannot know the browser's width and uses ``DEFAULT_MAX_DATA_POINTS`` (1000,
a ~1000 px wide panel) unless told otherwise.
"""

from __future__ import annotations

import math
import re
import time as _time
from dataclasses import dataclass

from validation.core.durations import grafana_interval_ms

DEFAULT_MAX_DATA_POINTS = 1000
SAFE_RESOLUTION = 11000
DEFAULT_SCRAPE_MS = 15_000
_S, _M, _H, _D = 1000, 60_000, 3_600_000, 86_400_000

# gtime.RoundInterval (Go, grafana-plugin-sdk-go): upper bound (inclusive, ms) -> rounded ms.
_GO_ROUNDING: list[tuple[float, int]] = [
    (10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500),
    (1500, 1000), (3500, 2000), (7500, 5000), (12500, 10000), (17500, 15000),
    (25000, 20000), (45000, 30000), (90000, 60000), (210000, 120000), (450000, 300000),
    (750000, 600000), (1050000, 900000), (1500000, 1200000), (2700000, 1800000),
    (5400000, 3600000), (9000000, 7200000), (16200000, 10800000), (32400000, 21600000),
    (86400000, 43200000), (604800000, 86400000), (1814400000, 604800000),
]  # fmt: skip
# rangeutil.roundInterval (TypeScript): same steps, strict upper bounds, no 1 ms step.
_JS_ROUNDING: list[tuple[float, int]] = [(bound, ms) for bound, ms in _GO_ROUNDING[1:]]
_MONTH_MS, _YEAR_MS = 2_592_000_000, 31_536_000_000


def round_interval_go(ms: float) -> int:
    """gtime.RoundInterval: the backend's rounding (bounds inclusive)."""
    for bound, rounded in _GO_ROUNDING:
        if ms <= bound:
            return rounded
    return _MONTH_MS if ms < 3_628_800_000 else _YEAR_MS


def round_interval_js(ms: float) -> int:
    """rangeutil.roundInterval: the frontend's rounding (bounds exclusive)."""
    for bound, rounded in _JS_ROUNDING:
        if ms < bound:
            return rounded
    return _MONTH_MS if ms < 3_628_800_000 else _YEAR_MS


def parse_interval_ms(text: str) -> float:
    """A Grafana interval ("15s", ">1m", "1h30m", "30" = seconds) in milliseconds; ValueError,
    which the engine reports on the panel, for text Grafana would reject."""
    ms = grafana_interval_ms(text)
    if ms is None:
        raise ValueError(f"invalid interval {text!r}")
    return ms


def format_interval(ms: float) -> str:
    """gtime.FormatInterval: the largest whole unit, truncating (90s → "1m"). Used for $__interval."""
    for unit_ms, unit in ((365 * _D, "y"), (_D, "d"), (_H, "h"), (_M, "m"), (_S, "s"), (1, "ms")):
        if ms >= unit_ms:
            return f"{int(ms // unit_ms)}{unit}"
    return "1ms"


def go_duration(ms: float) -> str:
    """Go's time.Duration.String() for whole milliseconds ("4s", "1m0s", "1h0m0s", "1.5s", "500ms").

    Grafana renders $__rate_interval with it."""
    if ms == 0:
        return "0s"
    if ms < _S:
        return f"{_trim(ms)}ms"
    hours, rest = divmod(ms, _H)
    minutes, rest = divmod(rest, _M)
    text = f"{_trim(rest / _S)}s"
    if hours or minutes:
        text = f"{int(minutes)}m{text}"
    if hours:
        text = f"{int(hours)}h{text}"
    return text


def _trim(number: float) -> str:
    return f"{number:.9f}".rstrip("0").rstrip(".")


def seconds_to_hms(seconds: float) -> str:
    """rangeutil.secondsToHms: the frontend's interval text (auto interval variables)."""
    for unit_s, unit in ((31_536_000, "y"), (86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")):
        if seconds >= unit_s:
            return f"{int(seconds // unit_s)}{unit}"
    millis = math.floor(seconds * 1000)
    return f"{millis}ms" if millis else "less than a millisecond"


@dataclass(frozen=True)
class TimeRange:
    """An absolute range in epoch seconds."""

    start: float
    end: float

    @property
    def range_ms(self) -> int:
        return round(self.end * 1000) - round(self.start * 1000)

    @classmethod
    def last(cls, seconds: float, now: float | None = None) -> TimeRange:
        end = _time.time() if now is None else now
        return cls(end - seconds, end)

    @classmethod
    def relative(cls, time_from: str, time_to: str, now: float | None = None) -> TimeRange:
        """Grafana's "now-6h" / "now" (no "/d" rounding; absolute ISO and epoch-ms strings accepted)."""
        end = _time.time() if now is None else now
        return cls(_point(time_from, end), _point(time_to, end))


def _point(text: str, now: float) -> float:
    text = text.strip()
    if text == "now":
        return now
    if text.startswith("now-"):
        if "/" in text:
            raise ValueError(f"time {text!r}: rounding ('/d') is not supported by stackcheck")
        return now - parse_interval_ms(text[4:]) / 1000
    if text.isdigit():
        return int(text) / 1000
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True)
class QueryTiming:
    """What Grafana would send for one target: step, macros' values and the aligned range."""

    interval_ms: int  # the frontend's intervalMs (input of $__rate_interval)
    step_ms: int  # the backend's calculated step = $__interval
    rate_interval_ms: int
    range_ms: int
    start: float
    end: float

    @property
    def step_seconds(self) -> float:
        return self.step_ms / 1000


_RATE_VARS = ("$__rate_interval", "${__rate_interval}")
_INTERVAL_VARS = ("$__interval", "${__interval}")


def compute_timing(
    time_range: TimeRange,
    *,
    panel_interval: str = "",
    target_interval: str = "",
    ds_time_interval: str = "",
    max_data_points: int | None = None,
    interval_factor: int = 1,
) -> QueryTiming:
    """Grafana's interval, step and $__rate_interval for one target (see the module docstring)."""
    range_ms = time_range.range_ms
    resolution = max_data_points or DEFAULT_MAX_DATA_POINTS
    low_limit = panel_interval or ds_time_interval
    interval_ms = round_interval_js(range_ms / resolution)
    if low_limit:
        interval_ms = max(interval_ms, int(parse_interval_ms(low_limit)))
    variable_step = target_interval.startswith("$") or target_interval.startswith("[[")
    min_step = "" if variable_step else target_interval
    minimum = parse_interval_ms(min_step) if min_step else float(interval_ms)
    calculated = range_ms / resolution
    chosen = minimum if calculated < minimum else round_interval_go(calculated)
    safe = round_interval_go(range_ms / SAFE_RESOLUTION)
    adjusted = chosen if chosen > safe else safe
    if target_interval in _RATE_VARS:
        step = _rate_interval(adjusted, ds_time_interval)
        rate = step
    else:
        step = adjusted * max(interval_factor, 1)
        scrape = target_interval
        if scrape in _INTERVAL_VARS:
            scrape = go_duration(step)
        rate = _rate_interval(interval_ms, scrape or ds_time_interval)
    step_ms = int(step)
    return QueryTiming(
        interval_ms=int(interval_ms),
        step_ms=step_ms,
        rate_interval_ms=int(rate),
        range_ms=range_ms,
        start=_align(time_range.start, step_ms),
        end=_align(time_range.end, step_ms),
    )


def _rate_interval(interval_ms: float, scrape: str) -> float:
    scrape_ms = parse_interval_ms(scrape) if scrape else DEFAULT_SCRAPE_MS
    return max(interval_ms + scrape_ms, 4 * scrape_ms)


def _align(seconds: float, step_ms: int) -> float:
    if step_ms <= 0:
        return seconds
    return math.floor(seconds * 1000 / step_ms) * step_ms / 1000


_MACRO_RE = re.compile(
    r"\$\{(__interval_ms|__interval|__rate_interval_ms|__rate_interval|__range_ms|__range_s|__range)\}"
    r"|\$(__interval_ms|__interval|__rate_interval_ms|__rate_interval|__range_ms|__range_s|__range)(?!\w)"
)


def macro_values(timing: QueryTiming) -> dict[str, str]:
    range_s = round(timing.range_ms / 1000)
    return {
        "__interval_ms": str(timing.step_ms),
        "__interval": format_interval(timing.step_ms),
        "__rate_interval_ms": str(timing.rate_interval_ms),
        "__rate_interval": go_duration(timing.rate_interval_ms),
        "__range_ms": str(timing.range_ms),
        "__range_s": str(range_s),
        "__range": f"{range_s}s",
    }


def expand_macros(expr: str, timing: QueryTiming) -> str:
    """Replace $__interval, $__interval_ms, $__rate_interval(_ms), $__range, $__range_s, $__range_ms
    (and their ${…} forms) with the values Grafana's backend would put in."""
    values = macro_values(timing)
    return _MACRO_RE.sub(lambda m: values[m.group(1) or m.group(2)], expr)
