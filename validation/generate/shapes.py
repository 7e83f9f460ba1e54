"""An alerting rule's PromQL (parsed by the real parser) → the shape the generator solves.

The tree is converted into a small IR with every recorded series the alert reads replaced by the
recording rule's own expression (transitively; the reference's matchers pushed down onto the
recording's selectors), so the generator writes the raw series a recording rule reads and
promtool evaluates the recording rules itself. Every selector of the same metric whose matchers
one label set can satisfy becomes one synthetic series (``Var``); ``conditions`` are the
comparisons against a threshold and the ``absent`` calls, in evaluation order, each with the
polarity that makes the alert fire (flipped under ``unless`` and ``absent``).

What cannot be modelled raises ``Unhandled`` with the reason (a function without a value model,
``count_values``, …); ``timescale.promql.uncompressible_reasons`` says which rules cannot be
compressed and is reported with its own reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import promql_parser as pp

from validation.core.durations import format_duration_ms
from validation.generate.labels import LabelMatcher, value_for
from validation.timescale.promql import parse_promql
from validation.timescale.promql_printer import match_op

COMPARISONS = frozenset({">", ">=", "<", "<=", "==", "!="})
SET_OPS = frozenset({"and", "or", "unless"})
ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "^", "atan2"})
COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets"})
SLOPE_FUNCTIONS = frozenset({"rate", "irate", "increase", "deriv", "delta", "idelta", "predict_linear"})
RANGE_FUNCTIONS = frozenset(
    {
        "rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "resets", "changes",
        "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
        "last_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time",
        "present_over_time", "absent_over_time", "holt_winters",
    }
)  # fmt: skip
VALUE_FUNCTIONS = frozenset(
    {
        "abs", "ceil", "floor", "round", "sqrt", "exp", "ln", "log2", "log10", "sgn", "clamp",
        "clamp_min", "clamp_max", "label_replace", "label_join", "sort", "sort_desc", "scalar",
        "vector", "absent", "acos", "asin", "atan", "cos", "sin", "tan", "deg", "rad",
        "histogram_quantile",
    }
)  # fmt: skip
AGGREGATIONS = frozenset(
    {"sum", "avg", "min", "max", "group", "count", "stddev", "stdvar", "topk", "bottomk", "quantile"}
)
MAX_INLINE_DEPTH = 8


class Unhandled(Exception):
    """The rule's shape is not modelled; ``str()`` is the reason (a short shape name first)."""


# ── the IR ──────────────────────────────────────────────────────────────────────────────────


@dataclass(eq=False)
class Node:
    def children(self) -> list[Node]:
        return []


@dataclass(eq=False)
class Num(Node):
    value: float


@dataclass(eq=False)
class Str(Node):
    value: str


@dataclass(eq=False)
class Sel(Node):
    metric: str
    matchers: tuple[LabelMatcher, ...]
    range_s: float | None = None  # set for a range selector x[5m]
    offset_s: float = 0.0
    var: int = -1  # index into Shape.vars of the series written for this selector
    vars: tuple[int, ...] = ()  # every series of the shape this selector reads (own first)


@dataclass(eq=False)
class Sub(Node):
    expr: Node
    range_s: float
    offset_s: float = 0.0

    def children(self) -> list[Node]:
        return [self.expr]


@dataclass(eq=False)
class Call(Node):
    name: str
    args: list[Node]

    def children(self) -> list[Node]:
        return list(self.args)


@dataclass(eq=False)
class Agg(Node):
    op: str
    expr: Node
    param: Node | None = None
    by: tuple[str, ...] | None = None  # None: no by clause (``by ()`` is the empty tuple)
    without: tuple[str, ...] | None = None

    def children(self) -> list[Node]:
        return [self.expr] + ([self.param] if self.param is not None else [])


@dataclass(eq=False)
class Bin(Node):
    op: str
    lhs: Node
    rhs: Node
    bool_: bool = False
    on: tuple[str, ...] = ()
    ignoring: tuple[str, ...] = ()
    group: tuple[str, ...] = ()
    card: str = "one"  # "one" (one-to-one), "left" (group_left), "right" (group_right)

    def children(self) -> list[Node]:
        return [self.lhs, self.rhs]


@dataclass(eq=False)
class Neg(Node):
    expr: Node

    def children(self) -> list[Node]:
        return [self.expr]


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children():
        yield from walk(child)


def selectors(node: Node) -> list[Sel]:
    return [n for n in walk(node) if isinstance(n, Sel)]


def is_constant(node: Node) -> bool:
    return not selectors(node) and not any(
        isinstance(n, Call) and n.name in ("time", "timestamp") for n in walk(node)
    )


# ── the shape ───────────────────────────────────────────────────────────────────────────────


@dataclass
class Var:
    """One synthetic series: a metric and the labels every selector reading it accepts."""

    metric: str
    labels: dict[str, str]
    counter: bool = False  # read by rate / irate / increase / resets: it only grows
    sloped: bool = False  # read by a slope function (deriv, predict_linear, delta, …)
    in_absent: bool = False
    counted: bool = False  # read by count / group: how many series there are matters
    buckets: tuple[float, ...] = ()  # a classic histogram's `le` bounds (histogram_quantile reads it)
    replica_label: str = "instance"  # the label copies of this series differ in (count > N)

    @property
    def selector(self) -> str:
        return self.selector_of(0)

    def replica(self, index: int) -> dict[str, str]:
        """The labels of copy ``index`` (0: the series itself)."""
        if index == 0:
            return dict(self.labels)
        labels = dict(self.labels)
        value = labels.get(self.replica_label, "gen")
        host, sep, port = value.rpartition(":")
        labels[self.replica_label] = (
            f"{host}-{index + 1}:{port}" if sep and port.isdigit() else f"{value}-{index + 1}"
        )
        return labels

    def selector_of(self, index: int, le: str = "") -> str:
        from validation.synthetic.textformat import escape_label_value

        labels = self.replica(index)
        if le:
            labels["le"] = le
        pairs = ", ".join(f'{k}="{escape_label_value(v)}"' for k, v in sorted(labels.items()))
        return f"{self.metric}{{{pairs}}}"

    @property
    def bucket_labels(self) -> list[tuple[float, str]]:
        """(bound, le text) of every bucket, +Inf last."""
        from validation.timescale.promql_printer import format_number

        return [(b, format_number(b)) for b in self.buckets] + [(math.inf, "+Inf")]


@dataclass(eq=False)
class Condition:
    node: Node  # a Bin comparison or a Call absent / absent_over_time
    polarity: bool  # True: it must hold for the alert to fire

    @property
    def is_absent(self) -> bool:
        return isinstance(self.node, Call)

    def describe(self) -> str:
        if isinstance(self.node, Bin):
            return f"{render(self.node.lhs)} {self.node.op} {render(self.node.rhs)}"
        assert isinstance(self.node, Call)
        return f"{self.node.name}({render(self.node.args[0])})"


@dataclass
class Shape:
    expr: str
    root: Node
    vars: list[Var]
    conditions: list[Condition]
    window_s: float  # the longest range + offset the expression looks back
    recorded: list[str] = field(default_factory=list)  # recording rules inlined, dependencies first


def render(node: Node) -> str:
    """A short text of an IR node, for messages."""
    if isinstance(node, Num):
        return f"{node.value:g}"
    if isinstance(node, Str):
        return repr(node.value)
    if isinstance(node, Sel):
        rng = f"[{format_duration_ms(round(node.range_s * 1000))}]" if node.range_s else ""
        return f"{node.metric}{rng}"
    if isinstance(node, Sub):
        return f"({render(node.expr)})[{format_duration_ms(round(node.range_s * 1000))}:]"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(render(a) for a in node.args)})"
    if isinstance(node, Agg):
        return f"{node.op}({render(node.expr)})"
    if isinstance(node, Bin):
        return f"{render(node.lhs)} {node.op} {render(node.rhs)}"
    if isinstance(node, Neg):
        return f"-{render(node.expr)}"
    return "?"


def build_shape(
    expr: str,
    recordings: Mapping[str, str],
    *,
    place: str = "",
    template_labels: set[str] | frozenset[str] = frozenset(),
) -> Shape:
    """The shape of ``expr``; ``recordings`` maps recorded series names to their expressions."""
    converter = _Converter(recordings, place)
    root = converter.convert(parse_promql(expr, place=place), 0)
    vars_ = _group_vars(root, template_labels)
    _histograms(root, vars_)
    conditions = list(_conditions(root, True))
    if not conditions:
        if not selectors(root):
            raise Unhandled(
                "no series and no condition: it always fires (a Watchdog), nothing keeps it silent"
            )
        # no threshold: it fires while its series exist, and is silent without them
        conditions = [Condition(Call("absent", [root]), False)]
    return Shape(expr, root, vars_, conditions, _window(root), list(converter.inlined))


class _Converter:
    def __init__(self, recordings: Mapping[str, str], place: str) -> None:
        self.recordings = recordings
        self.place = place
        self.inlined: list[str] = []  # dependencies first

    def convert(self, node: Any, depth: int) -> Node:
        kind = type(node).__name__
        if kind == "ParenExpr":
            return self.convert(node.expr, depth)
        if kind == "NumberLiteral":
            return Num(float(node.val))
        if kind == "StringLiteral":
            return Str(str(node.val))
        if kind == "UnaryExpr":
            return Neg(self.convert(node.expr, depth))
        if kind == "VectorSelector":
            return self._selector(node, None, depth)
        if kind == "MatrixSelector":
            return self._selector(node.vector_selector, node.range.total_seconds(), depth)
        if kind == "SubqueryExpr":
            offset = node.offset.total_seconds() if node.offset is not None else 0.0
            return Sub(self.convert(node.expr, depth), node.range.total_seconds(), offset)
        if kind == "Call":
            name = node.func.name
            if name not in RANGE_FUNCTIONS | VALUE_FUNCTIONS | {"time", "timestamp"}:
                raise Unhandled(f"function {name}() has no value model")
            return Call(name, [self.convert(a, depth) for a in node.args])
        if kind == "AggregateExpr":
            op = str(node.op)
            if op not in AGGREGATIONS:
                raise Unhandled(f"aggregation {op} has no value model")
            by: tuple[str, ...] | None = None
            without: tuple[str, ...] | None = None
            if node.modifier is not None:
                labels = tuple(node.modifier.labels or ())
                if node.modifier.type == pp.AggModifierType.By:
                    by = labels
                else:
                    without = labels
            param = self.convert(node.param, depth) if node.param is not None else None
            return Agg(op, self.convert(node.expr, depth), param, by, without)
        if kind == "BinaryExpr":
            op = str(node.op)
            mod = node.modifier
            on: tuple[str, ...] = ()
            ignoring: tuple[str, ...] = ()
            group: tuple[str, ...] = ()
            bool_ = False
            card = "one"
            if mod is not None:
                if mod.card == pp.VectorMatchCardinality.ManyToOne:
                    card = "left"
                elif mod.card == pp.VectorMatchCardinality.OneToMany:
                    card = "right"
                bool_ = bool(mod.return_bool)
                if mod.matching is not None:
                    labels = tuple(mod.matching.labels or ())
                    if mod.matching.type == pp.LabelModifierType.Include:
                        on = labels
                    else:
                        ignoring = labels
                group = tuple(mod.group_labels or ())
            lhs, rhs = self.convert(node.lhs, depth), self.convert(node.rhs, depth)
            return Bin(op, lhs, rhs, bool_, on, ignoring, group, card)
        raise Unhandled(f"PromQL node {kind} has no value model")

    def _selector(self, vs: Any, range_s: float | None, depth: int) -> Node:
        matchers = [_matcher(m) for m in vs.matchers.matchers]
        if vs.matchers.or_matchers:
            raise Unhandled("selector with 'or' matchers (newer than Prometheus 2.42)")
        name = vs.name or next((m.value for m in matchers if m.name == "__name__" and m.op == "="), None)
        if not name:
            raise Unhandled("selector without a metric name")
        matchers = [m for m in matchers if m.name != "__name__"]
        offset = vs.offset.total_seconds() if vs.offset is not None else 0.0
        if name in self.recordings:
            if depth >= MAX_INLINE_DEPTH:
                raise Unhandled(f"recording rules nest deeper than {MAX_INLINE_DEPTH} (a cycle?)")
            inner = self.convert(parse_promql(self.recordings[name], place=self.place), depth + 1)
            if name not in self.inlined:
                self.inlined.append(name)
            for sel in selectors(inner):
                sel.matchers = sel.matchers + tuple(m for m in matchers if m not in sel.matchers)
            if range_s is not None:
                return Sub(inner, range_s, offset)
            return inner
        return Sel(name, tuple(matchers), range_s, offset)


def _matcher(m: Any) -> LabelMatcher:
    return LabelMatcher(str(m.name), match_op(m), str(m.value))


def _dropped_names(root: Node) -> set[str]:
    """Labels a ``without`` / ``ignoring`` clause sets aside: one metric's own dimensions."""
    names: set[str] = set()
    for node in walk(root):
        if isinstance(node, Agg):
            names.update(node.without or ())
        elif isinstance(node, Bin):
            names.update(node.ignoring)
    return names


def _label_names(root: Node) -> set[str]:
    """Labels the expression names in by / on / group_x / label_replace: shared by the series."""
    names: set[str] = set()
    for node in walk(root):
        if isinstance(node, Agg):
            names.update(node.by or ())
        elif isinstance(node, Bin):
            names.update(node.on)
            names.update(node.group)
        elif isinstance(node, Call) and node.name in ("label_replace", "label_join"):
            for arg in node.args[2:]:
                if isinstance(arg, Str) and arg.value and all(c.isalnum() or c == "_" for c in arg.value):
                    names.add(arg.value)
    return names


def _group_vars(root: Node, template_labels: set[str] | frozenset[str] = frozenset()) -> list[Var]:
    """One ``Var`` per metric (or per metric and matcher set when one label set cannot satisfy all).

    Every series carries the same label names (job, instance, every label a matcher, a by / on
    clause or a template names — except what a without / ignoring clause sets aside, which only
    the metrics whose matchers name it carry), one value per name where the matchers allow it, so
    default one-to-one matching pairs them the way it pairs a real target's series.
    """
    sels = selectors(root)
    by_metric: dict[str, list[Sel]] = {}
    for sel in sels:
        by_metric.setdefault(sel.metric, []).append(sel)
    dropped = _dropped_names(root)
    shared = (
        ({m.name for s in sels for m in s.matchers} - dropped) | _label_names(root) | set(template_labels)
    )
    names = list(dict.fromkeys(["job", "instance", *sorted(shared)]))
    everything = [m for s in sels for m in s.matchers]
    preferred = {name: value_for(name, everything) or "" for name in {*names, *(m.name for m in everything)}}
    counter_sels = _in_functions(root, COUNTER_FUNCTIONS)
    counted_sels = _in_aggregations(root, COUNTING)
    grouping = _label_names(root)
    replica_label = "instance" if "instance" not in grouping else "replica"
    slope_sels = _in_functions(root, SLOPE_FUNCTIONS)
    absent_sels = _in_functions(root, {"absent", "absent_over_time"})
    vars_: list[Var] = []
    for metric, group in by_metric.items():
        sets: dict[tuple[LabelMatcher, ...], list[Sel]] = {}
        for sel in group:
            sets.setdefault(tuple(sorted(set(sel.matchers), key=str)), []).append(sel)
        own: dict[tuple[LabelMatcher, ...], int] = {}
        for matchers in sets:
            own_names = names + sorted({m.name for m in matchers} - set(names))
            labels = _labels_for(own_names, list(matchers), preferred)
            if labels is None:
                raise Unhandled(
                    f"no label values satisfy the matchers of {metric} "
                    f"({', '.join(f'{m.name}{m.op}{m.value!r}' for m in matchers)})"
                )
            for others in sets:  # a series of its own: outside what the other selectors read
                if others != matchers and _accepts(others, labels):
                    _escape(labels, list(matchers), others)
            same = next((i for i in own.values() if vars_[i].labels == labels), None)
            if same is None:
                same = len(vars_)
                vars_.append(Var(metric, labels))
            own[matchers] = same
        for matchers, members in sets.items():
            matching = [i for i in own.values() if _accepts(matchers, vars_[i].labels)]
            for sel in members:
                sel.var = own[matchers]
                sel.vars = tuple(dict.fromkeys([own[matchers], *matching]))
    for sel in sels:
        for index in sel.vars:
            var = vars_[index]
            var.counter = var.counter or id(sel) in counter_sels
            var.sloped = var.sloped or id(sel) in slope_sels
            var.in_absent = var.in_absent or id(sel) in absent_sels
            var.counted = var.counted or id(sel) in counted_sels
            var.replica_label = replica_label
    return vars_


def _accepts(matchers: tuple[LabelMatcher, ...] | list[LabelMatcher], labels: Mapping[str, str]) -> bool:
    return all(m.accepts(labels.get(m.name, "")) for m in matchers)


NEGATED = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}


def _escape(labels: dict[str, str], own: list[LabelMatcher], others: tuple[LabelMatcher, ...]) -> None:
    """Change one label so that ``others`` no longer accept ``labels`` (own matchers still hold)."""
    for m in others:
        value = value_for(m.name, [*own, LabelMatcher(m.name, NEGATED[m.op], m.value)])
        if value is None:
            continue
        if value:
            labels[m.name] = value
        else:
            labels.pop(m.name, None)
        return


def _labels_for(
    names: list[str], matchers: list[LabelMatcher], preferred: dict[str, str]
) -> dict[str, str] | None:
    labels: dict[str, str] = {}
    for name in names:
        value = value_for(name, matchers, preferred.get(name, ""))
        if value is None:
            return None
        if value:
            labels[name] = value
    return labels


COUNTING = frozenset({"count", "group", "count_values"})


def _fold(node: Node) -> float | None:
    """The value of a constant arithmetic subexpression (``7 * 24 * 60 * 60``), else None."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        inner = _fold(node.expr)
        return None if inner is None else -inner
    if isinstance(node, Bin) and node.op in ("+", "-", "*", "/"):
        a, b = _fold(node.lhs), _fold(node.rhs)
        if a is None or b is None or (node.op == "/" and b == 0):
            return None
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 0.0}[node.op]
    return None


def _histograms(root: Node, vars_: list[Var]) -> None:
    """Give every ``*_bucket`` series histogram_quantile reads a set of ``le`` bounds around the
    expression's constants (folded: ``7 * 24 * 60 * 60`` is one; each ×0.5, ×0.9, ×1, ×1.1, ×2,
    and the ratios of two constants, for
    thresholds in other units such as ``* 1000 > 500``), so the observed value can land just
    above or just below a threshold."""
    folded = [_fold(n) for n in walk(root) if isinstance(n, Num | Bin | Neg)]
    constants = sorted({abs(v) for v in folded if v is not None and v != 0 and math.isfinite(v)})
    bases = set(constants) | {a / b for a in constants for b in constants if a != b}
    bounds = sorted({round(b * f, 12) for b in bases for f in (0.5, 0.9, 1.0, 1.1, 2.0) if 0 < b * f < 1e12})
    for node in walk(root):
        if isinstance(node, Call) and node.name == "histogram_quantile" and len(node.args) == 2:
            for sel in selectors(node.args[1]):
                if not sel.metric.endswith("_bucket"):
                    raise Unhandled(
                        "histogram_quantile() over a series that is not a classic *_bucket histogram"
                    )
                for index in sel.vars:
                    vars_[index].buckets = tuple(bounds) or (0.1, 1.0, 10.0)
                    vars_[index].labels.pop("le", None)


def _in_aggregations(root: Node, ops: frozenset[str]) -> set[int]:
    """ids of the selectors an aggregation of ``ops`` reads (their number of series matters)."""
    found: set[int] = set()
    for node in walk(root):
        if isinstance(node, Agg) and node.op in ops:
            found.update(id(s) for s in selectors(node.expr))
    return found


def _in_functions(root: Node, names: set[str] | frozenset[str]) -> set[int]:
    """ids of the selectors read (directly or through a subquery / recording) by these functions."""
    found: set[int] = set()
    for node in walk(root):
        if isinstance(node, Call) and node.name in names:
            for arg in node.args:
                found.update(id(s) for s in selectors(arg))
    return found


def _conditions(node: Node, polarity: bool) -> Iterator[Condition]:
    if isinstance(node, Bin):
        if node.op in COMPARISONS and not node.bool_:
            yield Condition(node, polarity)
        yield from _conditions(node.lhs, polarity)
        if node.op == "unless" and selectors(node.rhs) and not list(_conditions(node.rhs, True)):
            # `x unless y` with no threshold in y: y's series must be missing for x to count
            yield Condition(Call("absent", [node.rhs]), polarity)
            return
        yield from _conditions(node.rhs, not polarity if node.op == "unless" else polarity)
        return
    if isinstance(node, Call) and node.name in ("absent", "absent_over_time"):
        yield Condition(node, polarity)
        for arg in node.args:
            yield from _conditions(arg, not polarity)
        return
    for child in node.children():
        yield from _conditions(child, polarity)


def _window(root: Node) -> float:
    longest = 0.0
    for node in walk(root):
        if isinstance(node, Sel):
            longest = max(longest, (node.range_s or 0.0) + node.offset_s)
        elif isinstance(node, Sub):
            longest = max(longest, node.range_s + node.offset_s + _window(node.expr))
    return longest
