"""The generator's pure parts: PromQL shapes (through the real parser), the value model and the
solver — firing values past the threshold, silent ones just short of it — and label values."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validation.generate.evaluate import Assignment, Evaluator, fires
from validation.generate.labels import LabelMatcher, regex_examples, value_for
from validation.generate.series import Timing, input_series, timing, values_text
from validation.generate.shapes import Shape, Unhandled, build_shape
from validation.generate.solve import Unsolved, solve
from validation.synthetic.notation import parse_values

pytestmark = pytest.mark.unit

OPS = [">", ">=", "<", "<=", "==", "!="]
HOLDS = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
thresholds = st.one_of(
    st.integers(-1000, 1000).map(float), st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3))
)


def _fires(shape: Shape, assignment: Assignment) -> bool:
    return fires(Evaluator(shape, assignment)(shape.root))


@given(op=st.sampled_from(OPS), c=thresholds)
@settings(max_examples=150, deadline=None)
def test_a_gauge_threshold_fires_past_it_and_stays_silent_just_short(op: str, c: float) -> None:
    shape = build_shape(f'temperature{{job="gpu"}} {op} {c!r}', {})
    solution = solve(shape)
    fire, silent = solution.firing[0].level, solution.silent[0].level
    assert HOLDS[op](fire, c) and not HOLDS[op](silent, c)
    assert _fires(shape, solution.firing) and not _fires(shape, solution.silent)
    if op not in ("==", "!="):  # just short: within the 5 % margin (or 5 around zero) of the threshold
        assert abs(silent - c) <= max(abs(c) * 0.05, 5.0) + 1e-9
    assert shape.vars[0].labels["job"] == "gpu"


@given(
    op=st.sampled_from([">", ">="]),
    c=st.floats(0.001, 1e4).map(lambda x: round(x, 4)),
    window=st.sampled_from(["1m", "5m", "10m", "1h"]),
    fn=st.sampled_from(["rate", "increase", "irate"]),
)
@settings(max_examples=80, deadline=None)
def test_rate_and_increase_read_a_counter_whose_slope_is_solved(
    op: str, c: float, window: str, fn: str
) -> None:
    shape = build_shape(f"{fn}(errors_total[{window}]) {op} {c}", {})
    (var,) = shape.vars
    assert var.counter
    solution = solve(shape)
    assert solution.firing[0].slope > 0 and solution.silent[0].slope >= 0
    assert _fires(shape, solution.firing) and not _fires(shape, solution.silent)
    seconds = {"1m": 60, "5m": 300, "10m": 600, "1h": 3600}[window]
    assert shape.window_s == seconds


def test_a_ratio_of_rates_moves_the_numerator_and_keeps_the_denominator() -> None:
    shape = build_shape("rate(errs_total[5m]) / rate(packets_total[5m]) > 0.01", {})
    solution = solve(shape)
    errs, packets = solution.firing[0], solution.firing[1]
    assert packets.slope == 1.0 and math.isclose(errs.slope, 0.011, rel_tol=0.05)
    assert math.isclose(solution.silent[0].slope, 0.0095, rel_tol=1e-6)


def test_increase_above_zero_is_silent_on_a_flat_counter() -> None:
    solution = solve(build_shape("increase(oom_kills_total[10m]) > 0", {}))
    assert solution.firing[0].slope > 0 and solution.silent[0].slope == 0


def test_absent_fires_without_the_series_and_is_silent_with_it() -> None:
    shape = build_shape('absent(up{job="batch"})', {})
    solution = solve(shape)
    assert solution.firing[0].present is False and solution.silent[0].present is True
    times = Timing(15, 60, 180, 300)
    assert input_series(shape, solution.firing, times) == []
    assert input_series(shape, solution.silent, times)[0]["series"].startswith("up{")


def test_unless_wants_its_right_side_empty_to_fire() -> None:
    shape = build_shape("up == 0 unless on (instance) maintenance == 1", {})
    solution = solve(shape)
    assert [c.polarity for c in shape.conditions] == [True, False]
    assert solution.firing[1].level != 1 and _fires(shape, solution.firing)


def test_an_aggregation_by_keeps_its_labels_on_every_series() -> None:
    shape = build_shape('sum by (cluster, namespace) (rate(http_errors_total{code=~"5.."}[5m])) > 3', {})
    (var,) = shape.vars
    assert {"cluster", "namespace", "code", "job", "instance"} <= set(var.labels)
    assert re.fullmatch("5..", var.labels["code"])


def test_an_alert_on_a_recorded_series_is_solved_on_the_raw_series_the_recording_reads() -> None:
    recordings = {"node:cpu:ratio": '1 - avg without (cpu) (rate(node_cpu_seconds_total{mode="idle"}[5m]))'}
    shape = build_shape('node:cpu:ratio{job="node"} > 0.9', recordings)
    assert shape.recorded == ["node:cpu:ratio"]
    (var,) = shape.vars
    assert var.metric == "node_cpu_seconds_total" and var.labels["job"] == "node" and var.counter
    solution = solve(shape)
    assert solution.firing[0].slope < 0.1  # idle below 10 %


def test_two_thresholds_of_one_series_keep_the_first_and_check_the_second() -> None:
    shape = build_shape("(clock_offset > 0.05 and deriv(clock_offset[5m]) >= 0) or clock_offset < -0.05", {})
    solution = solve(shape)
    assert solution.firing[0].level > 0.05 and solution.firing[0].slope == 0
    assert 0 < solution.silent[0].level <= 0.05


def test_an_impossible_condition_is_unsolved() -> None:
    with pytest.raises(Unsolved):
        solve(build_shape("x > 50 and x < 10", {}))


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("histogram_quantile(0.9, rate(latency_seconds[5m])) > 1", "not a classic"),
        ('count_values("v", x) > 1', "count_values"),
        ("vector(1)", "always fires"),
    ],
)
def test_shapes_without_a_model_say_why(expr: str, reason: str) -> None:
    with pytest.raises(Unhandled, match=reason):
        solve(build_shape(expr, {}))


@pytest.mark.parametrize(
    "pattern", ["idle|iowait|steal", "(/dev/)?(nvme.+|sd.+|vd.+)", "5..", "[a-z]+-[0-9]{2}", ".*", "a?b*c+"]
)
def test_regex_examples_match_their_pattern(pattern: str) -> None:
    examples = regex_examples(pattern)
    assert examples and all(re.fullmatch(pattern, e) for e in examples)


def test_label_values_satisfy_negative_matchers_and_prefer_equality() -> None:
    ms = [LabelMatcher("fstype", "!~", "tmpfs|overlay"), LabelMatcher("fstype", "!=", "ext4")]
    value = value_for("fstype", ms)
    assert value and all(m.accepts(value) for m in ms)
    assert value_for("job", [LabelMatcher("job", "=", "node")]) == "node"
    assert value_for("job", [LabelMatcher("job", "=", "a"), LabelMatcher("job", "=", "b")]) is None


@given(start=st.floats(-1e6, 1e6).map(lambda x: round(x, 3)), step=st.floats(-100, 100).map(lambda x: round(x, 3)),
       count=st.integers(1, 500))  # fmt: skip
def test_values_text_expands_as_promtool_reads_it(start: float, step: float, count: int) -> None:
    samples = parse_values(values_text(start, step, count))
    assert len(samples) == count
    assert math.isclose(float(samples[0]), start, abs_tol=1e-6)
    assert math.isclose(float(samples[-1]), start + step * (count - 1), rel_tol=1e-6, abs_tol=1e-3)


def test_timing_covers_the_window_the_for_and_two_evaluations() -> None:
    shape = build_shape("increase(x_total[10m]) > 0", {})
    times = timing(shape, for_s=900, evaluation=60)
    assert times.fires_within >= 600 + 900 + 120 + 60 and times.fires_within % 30 == 0
    assert times.end > times.fires_within and times.silent_checks()[-1] == times.end


def test_count_above_n_writes_that_many_copies_and_one_fewer_when_silent() -> None:
    shape = build_shape('count by (job) (up{job="workers"} == 0) > 2', {})
    solution = solve(shape)
    assert solution.firing[0].replicas == 3 and solution.firing[0].level == 0
    assert solution.silent[0].replicas == 2
    times = Timing(15, 60, 180, 300)
    series = [s["series"] for s in input_series(shape, solution.firing, times)]
    assert len(set(series)) == 3 and all('job="workers"' in s for s in series)


@pytest.mark.parametrize("threshold", [0.5, 2.0, 300.0])
def test_histogram_quantile_observes_a_value_above_or_just_below_the_threshold(threshold: float) -> None:
    expr = f"histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m]))) > {threshold}"
    shape = build_shape(expr, {})
    (var,) = shape.vars
    assert var.buckets and threshold in var.buckets and "le" not in var.labels
    solution = solve(shape)
    fire = Evaluator(shape, solution.firing)(shape.root)
    assert isinstance(fire, dict) and all(v > threshold for v in fire.values())
    silent = Evaluator(shape, solution.silent)(shape.root.lhs)  # type: ignore[attr-defined]
    assert isinstance(silent, dict) and all(threshold * 0.8 < v <= threshold for v in silent.values())
    series = input_series(shape, solution.firing, Timing(15, 60, 180, 300))
    assert series[-1]["series"].endswith('le="+Inf"}') and len(series) == len(var.buckets) + 1


def test_a_rule_without_a_threshold_fires_with_its_series_and_is_silent_without() -> None:
    shape = build_shape('kube_pod_status_phase{phase="Failed"}', {})
    solution = solve(shape)
    assert solution.firing[0].present and not solution.silent[0].present
    with pytest.raises(Unhandled, match="always fires"):
        build_shape("vector(1)", {})


def test_unless_a_series_without_threshold_wants_that_series_missing() -> None:
    shape = build_shape(
        '(taint{key="unreachable"} unless ignoring (key) taint{key=~"ToBeDeleted|impending"}) == 1', {}
    )
    solution = solve(shape)
    unreachable, deleted = (
        next(i for i, v in enumerate(shape.vars) if v.labels["key"] == k)
        for k in ("unreachable", "ToBeDeleted")
    )
    assert solution.firing[unreachable].level == 1 and solution.firing[deleted].present is False
    assert not fires(Evaluator(shape, solution.silent)(shape.root))
