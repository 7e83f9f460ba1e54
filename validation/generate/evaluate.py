"""The value a shape's expression takes on the generator's series, in steady state.

Every synthetic series is linear in time: ``value(t) = level + slope · (t − t_check)`` (a gauge
has slope 0 unless a slope function reads it; a counter starts at 0 and grows by ``slope`` per
second). Each series of the shape is one sample of one label set, so a vector is one value or
empty (``None``); label matching is left to promtool, which verifies every candidate. The model
is only the generator's guide: what it predicts is never written without promtool agreeing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from validation.generate.shapes import Agg, Bin, Call, Neg, Node, Num, Sel, Shape, Str, Sub

Value = float | None


@dataclass(frozen=True)
class Params:
    present: bool = True
    level: float = 100.0
    slope: float = 0.0


Assignment = dict[int, Params]


def default_params(shape: Shape) -> Assignment:
    return {
        i: Params(level=0.0 if v.counter else 100.0, slope=1.0 if v.counter else 0.0)
        for i, v in enumerate(shape.vars)
    }


def with_param(assignment: Assignment, var: int, **changes: float | bool) -> Assignment:
    out = dict(assignment)
    out[var] = replace(out[var], **changes)  # type: ignore[arg-type]
    return out


class Evaluator:
    """Evaluate IR nodes under one assignment; ``interval`` is the sample spacing in seconds."""

    def __init__(self, assignment: Assignment, interval: float = 15.0) -> None:
        self.a = assignment
        self.interval = interval

    def __call__(self, node: Node) -> Value:
        try:
            return self._eval(node)
        except (OverflowError, ZeroDivisionError, ValueError):
            return math.nan

    def _eval(self, node: Node) -> Value:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Str):
            return None
        if isinstance(node, Sel):
            p = self.a[node.var]
            return p.level if p.present else None
        if isinstance(node, Neg):
            inner = self._eval(node.expr)
            return None if inner is None else -inner
        if isinstance(node, Sub):
            return self._eval(node.expr)
        if isinstance(node, Agg):
            return self._agg(node)
        if isinstance(node, Bin):
            return self._bin(node)
        if isinstance(node, Call):
            return self._call(node)
        return None

    def _agg(self, node: Agg) -> Value:
        inner = self._eval(node.expr)
        if inner is None:
            return None
        if node.op in ("count", "group"):
            return 1.0
        if node.op in ("stddev", "stdvar"):
            return 0.0
        return inner

    def _bin(self, node: Bin) -> Value:
        lhs, rhs = self._eval(node.lhs), self._eval(node.rhs)
        op = node.op
        if op == "and":
            return lhs if lhs is not None and rhs is not None else None
        if op == "or":
            return lhs if lhs is not None else rhs
        if op == "unless":
            return lhs if lhs is not None and rhs is None else None
        if lhs is None or rhs is None:
            return None
        if op in COMPARE:
            hit = COMPARE[op](lhs, rhs)
            if node.bool_:
                return 1.0 if hit else 0.0
            if not hit:
                return None
            # a vector compared with a scalar keeps the vector's value, whichever side it is on
            return rhs if _constant(node.lhs) and not _constant(node.rhs) else lhs
        return _arith(op, lhs, rhs)

    def _call(self, node: Call) -> Value:
        name = node.name
        args = node.args
        if name in ("absent", "absent_over_time"):
            return 1.0 if self._eval(args[0]) is None else None
        if name == "present_over_time":
            return None if self._eval(args[0]) is None else 1.0
        if name == "vector":
            return self._eval(args[0])
        if name == "scalar":
            value = self._eval(args[0])
            return math.nan if value is None else value
        if name in ("label_replace", "label_join", "sort", "sort_desc"):
            return self._eval(args[0])
        if name in UNARY:
            value = self._eval(args[0])
            return None if value is None else UNARY[name](value)
        if name in ("clamp", "clamp_min", "clamp_max", "round"):
            value = self._eval(args[0])
            if value is None:
                return None
            rest = [self._eval(a) for a in args[1:]]
            nums = [math.nan if r is None else r for r in rest]
            if name == "clamp":
                return max(nums[0], min(nums[1], value))
            if name == "clamp_min":
                return max(nums[0], value)
            if name == "clamp_max":
                return min(nums[0], value)
            to = nums[0] if nums else 1.0
            return math.floor(value / to + 0.5) * to
        return self._range(node)

    def _range(self, node: Call) -> Value:
        name = node.name
        if name == "time":
            return 0.0
        if name == "timestamp":
            return self._eval(node.args[0]) if node.args else None
        arg_index = 1 if name == "quantile_over_time" else 0
        arg = node.args[arg_index]
        level: Value
        if isinstance(arg, Sel):
            p = self.a[arg.var]
            if not p.present:
                return None
            level, slope, window = p.level, p.slope, arg.range_s or 0.0
        elif isinstance(arg, Sub):
            level = self._eval(arg.expr)
            if level is None:
                return None
            slope, window = 0.0, arg.range_s
        else:
            return None
        n = max(window / self.interval, 1.0)
        if name in ("rate", "irate", "deriv"):
            return slope
        if name in ("increase", "delta"):
            return slope * window
        if name == "idelta":
            return slope * self.interval
        if name == "resets":
            return 0.0
        if name == "changes":
            return 0.0 if slope == 0 else n
        if name == "predict_linear":
            horizon = self._eval(node.args[1])
            return None if horizon is None else level + slope * horizon
        low, high = min(level, level - slope * window), max(level, level - slope * window)
        if name == "avg_over_time":
            return level - slope * window / 2
        if name == "min_over_time":
            return low
        if name == "max_over_time":
            return high
        if name == "sum_over_time":
            return (level - slope * window / 2) * (n + 1)
        if name == "count_over_time":
            return n + 1
        if name in ("last_over_time", "holt_winters"):
            return level
        if name == "quantile_over_time":
            q = self._eval(node.args[0])
            return None if q is None else low + q * (high - low)
        if name == "stddev_over_time":
            return abs(slope) * window / math.sqrt(12)
        if name == "stdvar_over_time":
            return (slope * window) ** 2 / 12
        return None


def _constant(node: Node) -> bool:
    from validation.generate.shapes import is_constant

    return is_constant(node)


COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}

UNARY: dict[str, Callable[[float], float]] = {
    "abs": abs,
    "ceil": math.ceil,
    "floor": math.floor,
    "sqrt": lambda x: math.sqrt(x) if x >= 0 else math.nan,
    "exp": math.exp,
    "ln": lambda x: math.log(x) if x > 0 else math.nan,
    "log2": lambda x: math.log2(x) if x > 0 else math.nan,
    "log10": lambda x: math.log10(x) if x > 0 else math.nan,
    "sgn": lambda x: float((x > 0) - (x < 0)),
    "acos": lambda x: math.acos(x) if -1 <= x <= 1 else math.nan,
    "asin": lambda x: math.asin(x) if -1 <= x <= 1 else math.nan,
    "atan": math.atan,
    "cos": math.cos,
    "sin": math.sin,
    "tan": math.tan,
    "deg": math.degrees,
    "rad": math.radians,
}


def _arith(op: str, a: float, b: float) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            return math.nan if a == 0 else math.copysign(math.inf, a)
        return a / b
    if op == "%":
        return math.fmod(a, b) if b != 0 else math.nan
    if op == "^":
        return float(a**b) if not (a < 0 and b != int(b)) else math.nan
    if op == "atan2":
        return math.atan2(a, b)
    return math.nan
