"""Parameters of the synthetic series that make a shape fire, and a variant just short of it.

Conditions are solved one by one in evaluation order: each picks a series it reads that no
earlier condition fixed and finds, by a one-dimensional root search on the value model, the
level (or, under rate / increase / deriv / predict_linear, the slope) that puts its side of the
comparison ``margin`` past the threshold — or, for the silent variant of the first condition,
just short of it (exactly on a zero threshold: a flat counter, an ``up`` of 0). ``absent`` is
solved by leaving the series it reads out. The whole expression is then evaluated: the firing
assignment must give a value and the silent one none; promtool has the last word.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

from validation.generate.evaluate import (
    COMPARE,
    Assignment,
    Evaluator,
    default_params,
    fires,
    representative,
    with_param,
)
from validation.generate.shapes import (
    SLOPE_FUNCTIONS,
    Agg,
    Bin,
    Call,
    Condition,
    Node,
    Shape,
    Sub,
    is_constant,
    selectors,
    walk,
)

SLOPE_PARAM = SLOPE_FUNCTIONS | {"changes", "stddev_over_time", "stdvar_over_time"}
NEGATE = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "==": "!=", "!=": "=="}
FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}


class Unsolved(Exception):
    """No assignment found; ``str()`` says which condition resisted."""


@dataclass(frozen=True)
class Solution:
    firing: Assignment
    silent: Assignment
    primary: str  # the condition the silent variant stops just short of
    margin: float


def _distance(c: float, margin: float) -> float:
    """How far past (or short of) the threshold: ``margin`` of it, of 100 around zero."""
    return abs(c) * margin if c != 0 else 100.0 * margin


def fire_target(op: str, c: float, margin: float) -> float:
    d = _distance(c, margin)
    if op in (">", ">="):
        return c + d
    if op in ("<", "<="):
        return c - d
    if op == "==":
        return c
    return c + (1.0 if c == int(c) else d)  # !=


def short_target(op: str, c: float, margin: float) -> float:
    """A value just short of making ``x op c`` true."""
    d = _distance(c, margin)
    if op == ">":
        return c if c == 0 else c - d
    if op == ">=":
        return c - d
    if op == "<":
        return c if c == 0 else c + d
    if op == "<=":
        return c + d
    if op == "==":
        if c == int(c):
            return c - 1 if c > 0 else c + 1
        return c + d
    return c  # !=


def solve(shape: Shape, margin: float = 0.1, interval: float = 15.0, short_margin: float = 0.05) -> Solution:
    """Firing ``margin`` past the threshold (10 %: a live run's scrape jitter must not drop it back
    under for the whole ``for``), silent ``short_margin`` short of it."""
    firing = _solve_firing(shape, margin, interval)
    silent, primary = _solve_silent(shape, firing, short_margin, interval)
    return Solution(_nice(shape, firing, interval, fire=True), silent, primary, margin)


def _fires(shape: Shape, assignment: Assignment, interval: float) -> bool:
    return fires(Evaluator(shape, assignment, interval)(shape.root))


def _solve_firing(shape: Shape, margin: float, interval: float) -> Assignment:
    last = ""
    for order in (shape.conditions, list(reversed(shape.conditions))):
        assignment = default_params(shape)
        fixed: set[tuple[int, str]] = set()
        for n, cond in enumerate(order):
            assignment, _ = _apply(
                shape, cond, assignment, fixed, cond.polarity, margin, interval, short=False, primary=n == 0
            )
        if _fires(shape, assignment, interval):
            return assignment
        last = "; ".join(c.describe() for c in shape.conditions)
    raise Unsolved(f"no series values found that make it fire ({last})")


def _solve_silent(shape: Shape, firing: Assignment, margin: float, interval: float) -> tuple[Assignment, str]:
    """Flip conditions in order (the first one at least), each just short, until nothing fires."""
    assignment = dict(firing)
    fixed: set[tuple[int, str]] = set()
    flipped: list[str] = []
    for cond in shape.conditions:
        assignment, moved = _apply(
            shape, cond, assignment, fixed, not cond.polarity, margin, interval, short=True
        )
        if moved:
            flipped.append(cond.describe())
        if flipped and not _fires(shape, assignment, interval):
            return assignment, " and ".join(flipped)
    raise Unsolved("no series values found that keep it silent just short of the threshold")


def _apply(
    shape: Shape,
    cond: Condition,
    assignment: Assignment,
    fixed: set[tuple[int, str]],
    want: bool,
    margin: float,
    interval: float,
    *,
    short: bool,
    primary: bool = False,
) -> tuple[Assignment, bool]:
    """Make ``cond`` hold (``want``) or not; returns the new assignment and whether it changed."""
    if isinstance(cond.node, Call):
        vars_ = sorted({v for s in selectors(cond.node.args[0]) for v in s.vars})
        free = [v for v in vars_ if (v, "present") not in fixed]
        if not free:
            return assignment, False
        for v in free:
            assignment = with_param(assignment, v, present=not want)
            fixed.add((v, "present"))
        return assignment, True
    node = cond.node
    assert isinstance(node, Bin)
    ev = Evaluator(shape, assignment, interval)
    if not short and not primary and fires(ev(node)) == want:
        return assignment, False  # a side condition already as wanted: move nothing
    for side, other, op in ((node.lhs, node.rhs, node.op), (node.rhs, node.lhs, FLIP[node.op])):
        if is_constant(side):
            continue
        candidates = [v for v in _side_vars(shape, side, other) if (v[0], v[1]) not in fixed]
        if not candidates:
            continue
        c = representative(ev(other))
        if c is None or math.isnan(c):
            continue
        if short:
            target = short_target(op, c, margin) if not want else fire_target(op, c, margin)
        else:
            target = fire_target(op, c, margin) if want else fire_target(NEGATE[op], c, margin)
        for var, param in candidates:
            if param == "replicas":
                copies = _satisfy_count(shape, assignment, var, node, want, interval)
                if copies is not None:
                    fixed.add((var, param))
                    return with_param(assignment, var, replicas=copies), True
                continue
            found = _root(
                _side_value(shape, assignment, var, param, side, interval), target, var, param, shape
            )
            if found is not None:
                trial = with_param(assignment, var, **{param: found})
                if fires(Evaluator(shape, trial, interval)(node)) == want:
                    fixed.add((var, param))
                    return trial, True
            found = _satisfy(shape, assignment, var, param, node, want, interval)
            if found is not None:
                fixed.add((var, param))
                return with_param(assignment, var, **{param: found}), True
    return assignment, False


GRID = sorted([0.0] + [s * m * 10.0**e for e in range(-6, 10) for m in (1.0, 2.0, 5.0) for s in (1.0, -1.0)])


MAX_REPLICAS = 50


def _satisfy_count(
    shape: Shape, assignment: Assignment, var: int, node: Node, want: bool, interval: float
) -> int | None:
    """The number of copies nearest the current one that makes ``node`` fire (or not) as wanted."""
    current = assignment[var].replicas
    for n in sorted(range(1, MAX_REPLICAS + 1), key=lambda k: (abs(k - current), k)):
        if fires(Evaluator(shape, with_param(assignment, var, replicas=n), interval)(node)) == want:
            return n
    return None


def _satisfy(
    shape: Shape, assignment: Assignment, var: int, param: str, node: Node, want: bool, interval: float
) -> float | None:
    """The grid value nearest the current one that makes ``node`` fire (or not) as wanted: for
    step-like sides (changes, count) that no root search reaches."""
    current = getattr(assignment[var], param)
    counter_slope = param == "slope" and shape.vars[var].counter
    grid = GRID
    if shape.vars[var].buckets and param == "level":  # an observed value: each bucket's bound and between
        bounds = shape.vars[var].buckets
        grid = sorted({*bounds, *((a + b) / 2 for a, b in itertools.pairwise(bounds)), bounds[-1] * 1.5})
    for p in sorted(grid, key=lambda g: (abs(g - current), g)):
        if counter_slope and p < 0:
            continue
        if fires(Evaluator(shape, with_param(assignment, var, **{param: p}), interval)(node)) == want:
            return p
    return None


def _side_value(
    shape: Shape, assignment: Assignment, var: int, param: str, side: Node, interval: float
) -> Callable[[float], float | None]:
    labels = shape.vars[var].labels

    def value(p: float) -> float | None:
        return representative(
            Evaluator(shape, with_param(assignment, var, **{param: p}), interval)(side), labels
        )

    return value


def _side_vars(shape: Shape, side: Node, other: Node) -> list[tuple[int, str]]:
    """(var, "level" | "slope") a side can be moved by, the side's own series first."""
    out: list[tuple[int, str]] = []
    theirs = {s.var for s in selectors(other)}
    sloped = _sloped(side)
    counted = _counted(side)
    for sel in selectors(side):
        param = "replicas" if id(sel) in counted else "slope" if id(sel) in sloped else "level"
        if shape.vars[sel.var].buckets:
            param = "level"  # a histogram moves by the value it observes
        if (sel.var, param) not in out:
            out.append((sel.var, param))
    out.sort(key=lambda vp: vp[0] in theirs)
    return out


def _counted(node: Node) -> set[int]:
    found: set[int] = set()
    for n in walk(node):
        if isinstance(n, Agg) and n.op in ("count", "group"):
            found.update(id(s) for s in selectors(n.expr))
    return found


def _sloped(node: Node) -> set[int]:
    found: set[int] = set()
    for n in walk(node):
        if isinstance(n, Call) and n.name in SLOPE_PARAM:
            for arg in n.args[:1]:
                if isinstance(arg, Sub):
                    continue
                found.update(id(s) for s in selectors(arg))
    return found


def _root(
    f: Callable[[float], float | None], target: float, var: int, param: str, shape: Shape
) -> float | None:
    """A parameter value p with f(p) == target (as near as floats allow), or None."""
    counter_slope = param == "slope" and shape.vars[var].counter

    def g(p: float) -> float | None:
        value = f(p)
        if value is None or math.isnan(value) or math.isinf(value):
            return None
        return value - target

    def ok(p: float) -> bool:
        return not (counter_slope and p < 0)

    if ok(target) and g(target) == 0:  # the side is the parameter itself: exact, also for ==
        return target
    # secant from two points: exact when f is linear in p (most rule shapes)
    p0, p1 = (1.0, 2.0) if param == "slope" else (100.0, 200.0)
    g0, g1 = g(p0), g(p1)
    for _ in range(40):
        if g0 is None or g1 is None or g1 == g0:
            break
        p2 = p1 - g1 * (p1 - p0) / (g1 - g0)
        g2 = g(p2)
        p0, g0, p1, g1 = p1, g1, p2, g2
        if g2 is not None and abs(g2) <= 1e-12 * max(1.0, abs(target)) and ok(p2):
            return p2
    # bracket on a log grid of both signs, then bisect
    grid = [0.0] + [s * 10.0**e for e in range(-9, 13) for s in (1.0, -1.0)]
    grid.sort()
    points = [(p, g(p)) for p in grid if ok(p)]
    points = [(p, v) for p, v in points if v is not None]
    for (pa, ga), (pb, gb) in itertools.pairwise(points):
        assert ga is not None and gb is not None
        if ga == 0:
            return pa
        if (ga < 0) != (gb < 0):
            for _ in range(200):
                mid = (pa + pb) / 2
                gm = g(mid)
                if gm is None:
                    break
                if gm == 0:
                    return mid
                if (gm < 0) == (ga < 0):
                    pa, ga = mid, gm
                else:
                    pb = mid
            return pa
    return None


def _nice(shape: Shape, assignment: Assignment, interval: float, *, fire: bool) -> Assignment:
    """Round every parameter to few significant digits where the verdict does not change."""
    out = dict(assignment)
    for var, params in assignment.items():
        for name in ("level", "slope"):
            value = getattr(params, name)
            if value == 0 or math.isnan(value):
                continue
            for digits in (2, 3, 4, 6):
                rounded = float(f"{value:.{digits}g}")
                trial = with_param(out, var, **{name: rounded})
                if _fires(shape, trial, interval) == fire:
                    out = trial
                    break
    return out


__all__ = ["COMPARE", "Solution", "Unsolved", "fire_target", "short_target", "solve"]
