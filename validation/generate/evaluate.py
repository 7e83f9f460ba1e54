"""The value a shape's expression takes on the generator's series, in steady state.

Every synthetic series is linear in time: ``value(t) = level + slope · (t − t_check)`` (a gauge
has slope 0 unless a slope function reads it; a counter starts at 0 and grows by ``slope`` per
second). The expression is evaluated as PromQL evaluates it at ``t_check`` — vectors of labelled
elements, aggregation groups, one-to-one / group_left matching on ``on`` / ``ignoring``, set
operators, comparisons that filter — with each range function's value on a linear series
(``rate`` = slope, ``increase`` = slope · range, ``max_over_time`` = the range's end, …). It is
the generator's guide only: nothing it predicts is written before promtool agrees.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from validation.generate.shapes import Agg, Bin, Call, Neg, Node, Num, Sel, Shape, Str, Sub

Key = frozenset[tuple[str, str]]
Vector = dict[Key, float]
Value = float | Vector  # a scalar, or a vector (possibly empty)
NAME = "__name__"


class EvalError(Exception):
    """What PromQL would refuse at evaluation time (many-to-many matching, …)."""


@dataclass(frozen=True)
class Params:
    present: bool = True
    level: float = 100.0
    slope: float = 0.0
    replicas: int = 1  # identical copies, differing in the var's replica label (count > N)


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


def fires(value: Value | None) -> bool:
    return isinstance(value, dict) and bool(value)


def representative(value: Value | None, labels: dict[str, str] | None = None) -> float | None:
    """One number for a value: the scalar, or the element nearest ``labels`` (most labels shared)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return value
    if not value:
        return None
    if labels is None or len(value) == 1:
        return value[min(value, key=sorted)]
    return value[max(sorted(value, key=sorted), key=lambda k: len(set(k) & set(labels.items())))]


class Evaluator:
    """Evaluate IR nodes under one assignment; ``interval`` is the sample spacing in seconds."""

    def __init__(self, shape: Shape, assignment: Assignment, interval: float = 15.0) -> None:
        self.shape = shape
        self.a = assignment
        self.interval = interval

    def __call__(self, node: Node) -> Value | None:
        """The value, or None when PromQL would fail or the numbers overflow."""
        try:
            return self._eval(node)
        except (EvalError, OverflowError, ZeroDivisionError, ValueError):
            return None

    # ── nodes ──
    def _eval(self, node: Node) -> Value:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Str):
            raise EvalError("a string is not a value")
        if isinstance(node, Sel):
            return {key: level for i in node.vars for key, level, _ in self._elements(i)}
        if isinstance(node, Neg):
            return _map(self._eval(node.expr), lambda x: -x, drop_name=True)
        if isinstance(node, Sub):
            return self._eval(node.expr)
        if isinstance(node, Agg):
            return self._agg(node)
        if isinstance(node, Bin):
            return self._bin(node)
        if isinstance(node, Call):
            return self._call(node)
        raise EvalError(f"no value for {type(node).__name__}")

    def _key(self, var: int, replica: int = 0, le: str = "") -> Key:
        v = self.shape.vars[var]
        labels = {**v.replica(replica), NAME: v.metric}
        if le:
            labels["le"] = le
        return frozenset(labels.items())

    def _elements(self, var: int) -> list[tuple[Key, float, float]]:
        """(key, level, slope) of every series a var writes: copies, and the buckets of a histogram
        (every observation at ``level``: the buckets from there up grow by ``slope``, the others not)."""
        p = self.a[var]
        if not p.present:
            return []
        out = []
        for r in range(p.replicas):
            if self.shape.vars[var].buckets:
                for bound, le in self.shape.vars[var].bucket_labels:
                    grows = bound >= p.level
                    out.append(
                        (self._key(var, r, le), p.slope * 60 if grows else 0.0, p.slope if grows else 0.0)
                    )
            else:
                out.append((self._key(var, r), p.level, p.slope))
        return out

    # ── aggregation ──
    def _agg(self, node: Agg) -> Value:
        inner = self._eval(node.expr)
        if not isinstance(inner, dict):
            raise EvalError("aggregation over a scalar")
        param = self._eval(node.param) if node.param is not None else None
        groups: dict[Key, list[tuple[Key, float]]] = {}
        for key, value in sorted(inner.items(), key=lambda kv: sorted(kv[0])):
            labels = dict(key)
            if node.without is not None:
                group = frozenset((k, v) for k, v in labels.items() if k not in node.without and k != NAME)
            else:
                group = frozenset((k, v) for k, v in labels.items() if k in (node.by or ()))
            groups.setdefault(group, []).append((key, value))
        out: Vector = {}
        for group, members in groups.items():
            values = [v for _, v in members]
            if node.op in ("topk", "bottomk"):
                k = int(param) if isinstance(param, float) else 1
                chosen = sorted(members, key=lambda kv: kv[1], reverse=node.op == "topk")[: max(k, 0)]
                out.update(chosen)
                continue
            out[group] = _aggregate(node.op, values, param if isinstance(param, float) else None)
        return out

    # ── binary operators ──
    def _bin(self, node: Bin) -> Value:
        lhs, rhs = self._eval(node.lhs), self._eval(node.rhs)
        op = node.op
        if op in ("and", "or", "unless"):
            if not isinstance(lhs, dict) or not isinstance(rhs, dict):
                raise EvalError("set operators need vectors")
            right = {self._sig(k, node) for k in rhs}
            if op == "and":
                return {k: v for k, v in lhs.items() if self._sig(k, node) in right}
            if op == "unless":
                return {k: v for k, v in lhs.items() if self._sig(k, node) not in right}
            left = {self._sig(k, node) for k in lhs}
            return {**lhs, **{k: v for k, v in rhs.items() if self._sig(k, node) not in left}}
        compare = COMPARE.get(op)
        if not isinstance(lhs, dict) and not isinstance(rhs, dict):
            if compare is not None:
                return 1.0 if compare(lhs, rhs) else 0.0
            return _arith(op, lhs, rhs)
        if not isinstance(lhs, dict) or not isinstance(rhs, dict):
            vector_left = isinstance(lhs, dict)
            vec = lhs if isinstance(lhs, dict) else rhs
            scalar = rhs if vector_left else lhs
            assert isinstance(vec, dict) and not isinstance(scalar, dict)
            out: Vector = {}
            for key, value in vec.items():
                a, b = (value, scalar) if vector_left else (scalar, value)
                if compare is not None:
                    hit = compare(a, b)
                    if node.bool_:
                        out[_drop_name(key)] = 1.0 if hit else 0.0
                    elif hit:
                        out[key] = value
                else:
                    out[_drop_name(key)] = _arith(op, a, b)
            return out
        return self._vector_vector(node, lhs, rhs, compare)

    def _sig(self, key: Key, node: Bin) -> Key:
        if node.on:
            return frozenset((k, v) for k, v in key if k in node.on)
        return frozenset((k, v) for k, v in key if k not in node.ignoring and k != NAME)

    def _vector_vector(
        self, node: Bin, lhs: Vector, rhs: Vector, compare: Callable[[float, float], bool] | None
    ) -> Vector:
        one, many, flipped = rhs, lhs, False
        if node.card == "right":
            one, many, flipped = lhs, rhs, True
        by_sig: dict[Key, tuple[Key, float]] = {}
        for key, value in one.items():
            sig = self._sig(key, node)
            if sig in by_sig:
                raise EvalError("many-to-many matching")
            by_sig[sig] = (key, value)
        out: Vector = {}
        seen: set[Key] = set()
        for key, value in many.items():
            sig = self._sig(key, node)
            if sig not in by_sig:
                continue
            if node.card == "one":
                if sig in seen:
                    raise EvalError("many-to-many matching")
                seen.add(sig)
            other_key, other = by_sig[sig]
            a, b = (other, value) if flipped else (value, other)
            result_key = self._result_key(key, other_key, node, drop=compare is None or node.bool_)
            if compare is not None:
                hit = compare(a, b)
                if node.bool_:
                    out[result_key] = 1.0 if hit else 0.0
                elif hit:
                    out[result_key] = value if not flipped else other
            else:
                out[result_key] = _arith(op=node.op, a=a, b=b)
        return out

    def _result_key(self, key: Key, other: Key, node: Bin, *, drop: bool) -> Key:
        labels = dict(key)
        if drop:
            labels.pop(NAME, None)
        if node.card == "one":
            if node.on:
                labels = {k: v for k, v in labels.items() if k in node.on}
            else:
                labels = {k: v for k, v in labels.items() if k not in node.ignoring}
        else:
            extra = dict(other)
            for name in node.group:
                if name in extra:
                    labels[name] = extra[name]
                else:
                    labels.pop(name, None)
        return frozenset(labels.items())

    # ── functions ──
    def _call(self, node: Call) -> Value:
        name = node.name
        args = node.args
        if name in ("absent", "absent_over_time"):
            inner = self._eval(args[0])
            if isinstance(inner, dict) and inner:
                return {}
            return {frozenset(_absent_labels(args[0]).items()): 1.0}
        if name == "present_over_time":
            return _map(self._eval(args[0]), lambda _: 1.0, drop_name=True)
        if name == "vector":
            value = self._eval(args[0])
            if isinstance(value, dict):
                raise EvalError("vector() of a vector")
            return {frozenset(): value}
        if name == "scalar":
            value = self._eval(args[0])
            if isinstance(value, dict):
                return next(iter(value.values())) if len(value) == 1 else math.nan
            return value
        if name == "time":
            return 0.0
        if name == "timestamp":
            return _map(self._eval(args[0]), lambda _: 0.0, drop_name=True)
        if name in ("sort", "sort_desc"):
            return self._eval(args[0])
        if name == "histogram_quantile":
            q = self._eval(args[0])
            inner = self._eval(args[1])
            if isinstance(q, dict) or not isinstance(inner, dict):
                raise EvalError("histogram_quantile(scalar, vector)")
            return _histogram_quantile(q, inner)
        if name == "label_replace":
            return self._label_replace(args)
        if name == "label_join":
            return self._label_join(args)
        if name in UNARY:
            return _map(self._eval(args[0]), UNARY[name], drop_name=True)
        if name in ("clamp", "clamp_min", "clamp_max", "round"):
            rest = [self._eval(a) for a in args[1:]]
            nums = [r if not isinstance(r, dict) else math.nan for r in rest]
            if name == "clamp":
                return _map(self._eval(args[0]), lambda x: max(nums[0], min(nums[1], x)), drop_name=True)
            if name == "clamp_min":
                return _map(self._eval(args[0]), lambda x: max(nums[0], x), drop_name=True)
            if name == "clamp_max":
                return _map(self._eval(args[0]), lambda x: min(nums[0], x), drop_name=True)
            to = nums[0] if nums else 1.0
            return _map(self._eval(args[0]), lambda x: math.floor(x / to + 0.5) * to, drop_name=True)
        return self._range(node)

    def _label_replace(self, args: list[Node]) -> Value:
        inner = self._eval(args[0])
        texts = [a.value if isinstance(a, Str) else "" for a in args[1:5]]
        dst, repl, src, regex = texts
        if not isinstance(inner, dict):
            raise EvalError("label_replace of a scalar")
        out: Vector = {}
        for key, value in inner.items():
            labels = dict(key)
            try:
                match = re.fullmatch(regex, labels.get(src, ""))
            except re.error as exc:
                raise EvalError(str(exc)) from None
            if match:
                new = _expand(match, repl)
                if new:
                    labels[dst] = new
                else:
                    labels.pop(dst, None)
            out[frozenset(labels.items())] = value
        return out

    def _label_join(self, args: list[Node]) -> Value:
        inner = self._eval(args[0])
        texts = [a.value if isinstance(a, Str) else "" for a in args[1:]]
        if not isinstance(inner, dict) or len(texts) < 2:
            raise EvalError("label_join needs a vector")
        dst, sep, *srcs = texts
        out: Vector = {}
        for key, value in inner.items():
            labels = dict(key)
            joined = sep.join(labels.get(s, "") for s in srcs)
            if joined:
                labels[dst] = joined
            else:
                labels.pop(dst, None)
            out[frozenset(labels.items())] = value
        return out

    def _range(self, node: Call) -> Value:
        name = node.name
        arg = node.args[1 if name == "quantile_over_time" else 0]
        elements: list[tuple[Key, float, float, float]] = []  # key, level, slope, window
        if isinstance(arg, Sel):
            for i in arg.vars:
                for key, level, slope in self._elements(i):
                    elements.append((_drop_name(key), level, slope, arg.range_s or 0.0))
        elif isinstance(arg, Sub):
            inner = self._eval(arg.expr)
            if not isinstance(inner, dict):
                raise EvalError("a subquery of a scalar")
            elements = [(_drop_name(k), v, 0.0, arg.range_s) for k, v in inner.items()]
        else:
            raise EvalError(f"{name}() needs a range")
        extra = [self._eval(a) for a in node.args if a is not arg]
        out: Vector = {}
        for key, level, slope, window in elements:
            value = self._over(name, level, slope, window, extra)
            if value is not None:
                out[key] = value
        return out

    def _over(self, name: str, level: float, slope: float, window: float, extra: list[Value]) -> float | None:
        n = max(window / self.interval, 1.0)
        if name in ("rate", "irate", "deriv"):
            return slope
        if name in ("increase", "delta"):
            return slope * window
        if name == "idelta":
            return slope * self.interval
        if name == "resets":
            return 0.0
        if name == "changes":  # a step below float resolution changes nothing
            return 0.0 if abs(slope * self.interval) <= 1e-9 * max(1.0, abs(level)) else n
        if name == "predict_linear":
            horizon = extra[0] if extra and not isinstance(extra[0], dict) else None
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
            q = extra[0] if extra and not isinstance(extra[0], dict) else None
            return None if q is None else low + q * (high - low)
        if name == "stddev_over_time":
            return abs(slope) * window / math.sqrt(12)
        if name == "stdvar_over_time":
            return (slope * window) ** 2 / 12
        return None


def _expand(match: re.Match[str], template: str) -> str:
    """label_replace's replacement: ``$1`` / ``${name}`` from the regex's groups."""
    return re.sub(r"\$\{?(\w+)\}?", lambda m: _group(match, m.group(1)), template)


def _group(match: re.Match[str], name: str) -> str:
    try:
        return match.group(int(name) if name.isdigit() else name) or ""
    except (IndexError, re.error):
        return ""


def _histogram_quantile(q: float, vector: Vector) -> Vector:
    """Prometheus' bucketQuantile per group of buckets (labels but ``le``)."""
    groups: dict[Key, list[tuple[float, float]]] = {}
    for key, value in vector.items():
        labels = dict(key)
        le = labels.pop("le", None)
        labels.pop(NAME, None)
        if le is None:
            continue
        try:
            bound = float(le)
        except ValueError:
            continue
        groups.setdefault(frozenset(labels.items()), []).append((bound, value))
    out: Vector = {}
    for group, buckets in groups.items():
        buckets.sort()
        if len(buckets) < 2 or not math.isinf(buckets[-1][0]) or math.isnan(q):
            out[group] = math.nan
            continue
        if q < 0 or q > 1:
            out[group] = -math.inf if q < 0 else math.inf
            continue
        total = buckets[-1][1]
        if total == 0:
            out[group] = math.nan
            continue
        rank = q * total
        index = next(i for i, (_, count) in enumerate(buckets) if count >= rank)
        if index == len(buckets) - 1:
            out[group] = buckets[-2][0]
            continue
        if index == 0 and buckets[0][0] <= 0:
            out[group] = buckets[0][0]
            continue
        start, before = (0.0, 0.0) if index == 0 else buckets[index - 1]
        end, count = buckets[index]
        out[group] = start + (end - start) * ((rank - before) / (count - before))
    return out


def _absent_labels(node: Node) -> dict[str, str]:
    """absent()'s output labels: the equality matchers of a plain selector argument."""
    if isinstance(node, Sel):
        return {m.name: m.value for m in node.matchers if m.op == "="}
    return {}


def _drop_name(key: Key) -> Key:
    return frozenset((k, v) for k, v in key if k != NAME)


def _map(value: Value, f: Callable[[float], float], *, drop_name: bool) -> Value:
    if not isinstance(value, dict):
        return f(value)
    return {(_drop_name(k) if drop_name else k): f(v) for k, v in value.items()}


def _aggregate(op: str, values: list[float], param: float | None) -> float:
    if op == "sum":
        return sum(values)
    if op == "avg":
        return sum(values) / len(values)
    if op == "min":
        return min(values)
    if op == "max":
        return max(values)
    if op == "count":
        return float(len(values))
    if op == "group":
        return 1.0
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    if op == "stdvar":
        return var
    if op == "stddev":
        return math.sqrt(var)
    if op == "quantile":
        q = param if param is not None else math.nan
        ordered = sorted(values)
        if math.isnan(q):
            return math.nan
        if q < 0:
            return -math.inf
        if q > 1:
            return math.inf
        rank = q * (len(ordered) - 1)
        low = math.floor(rank)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    raise EvalError(f"aggregation {op}")


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
    "ceil": lambda x: float(math.ceil(x)) if math.isfinite(x) else x,
    "floor": lambda x: float(math.floor(x)) if math.isfinite(x) else x,
    "sqrt": lambda x: math.sqrt(x) if x >= 0 else math.nan,
    "exp": lambda x: math.exp(x) if x < 700 else math.inf,
    "ln": lambda x: math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan),
    "log2": lambda x: math.log2(x) if x > 0 else (-math.inf if x == 0 else math.nan),
    "log10": lambda x: math.log10(x) if x > 0 else (-math.inf if x == 0 else math.nan),
    "sgn": lambda x: float((x > 0) - (x < 0)),
    "acos": lambda x: math.acos(x) if -1 <= x <= 1 else math.nan,
    "asin": lambda x: math.asin(x) if -1 <= x <= 1 else math.nan,
    "atan": math.atan,
    "cos": lambda x: math.cos(x) if math.isfinite(x) else math.nan,
    "sin": lambda x: math.sin(x) if math.isfinite(x) else math.nan,
    "tan": lambda x: math.tan(x) if math.isfinite(x) else math.nan,
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
            return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
        return a / b
    if op == "%":
        return math.fmod(a, b) if b != 0 else math.nan
    if op == "^":
        try:
            return float(a**b) if not (a < 0 and b != int(b)) else math.nan
        except OverflowError:
            return math.inf
    if op == "atan2":
        return math.atan2(a, b)
    return math.nan
