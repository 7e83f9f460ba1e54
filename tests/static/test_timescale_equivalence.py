"""Time compression keeps values: promtool evaluates original and compressed, and they must agree.

The oracle is ``promtool test rules`` (simulated time, exact): the original expressions and rules
run on series at interval I and eval time T, the compressed ones on the same sample values at
I/K and T/K (``validation.timescale.oracle``). Three sources of expressions:
- a hypothesis grammar (selectors, ranges, offsets, subqueries, per-second functions,
  predict_linear, *_over_time, aggregations, arithmetic), batched many per promtool run;
- every rule of the repository's rules/*.rules.yml (expressions, recorded series, alerts with
  their ``for``), on series generated from the rules' own selectors; the built-in example rules
  stand in when the repository has none;
- expressions that must NOT survive compression (time(), timestamp()), to show the oracle fails.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validation.core.durations import format_duration_ms, parse_duration_ms
from validation.core.yamlload import load_yaml
from validation.timescale.alertmanager_config import compress_alertmanager_config
from validation.timescale.oracle import EquivalenceCase, check_equivalence, compare, evaluate_both
from validation.timescale.prometheus_config import compress_prometheus_config
from validation.timescale.promql import uncompressible_reasons
from validation.timescale.rules import compress_rule_groups

pytestmark = pytest.mark.static

REPO = Path(__file__).resolve().parents[2]
PROMTOOL = shutil.which("promtool")  # present: tests/static/conftest.py fails or skips without it

# Every duration below divides into whole milliseconds by every K here, so the check is exact.
FACTORS = [2, 7.5, 12, 60]
RANGES = ["30s", "1m", "90s", "2m", "5m", "10m", "1h"]
OFFSETS = ["30s", "1m", "3s", "5m"]
STEPS = ["", "15s", "30s", "1m"]

# --- the grammar ---------------------------------------------------------------------------------

_RANGE_FUNCTIONS = [
    "rate",
    "irate",
    "deriv",
    "increase",
    "delta",
    "idelta",
    "changes",
    "resets",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "last_over_time",
    "stddev_over_time",
    "present_over_time",
    "absent_over_time",
]


@st.composite
def selector(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["c_total", "g"]))
    match = draw(st.sampled_from(["", '{inst="a"}', '{inst=~"a|b"}', '{inst!="b"}']))
    return name + match


def with_offset(draw: st.DrawFn, text: str) -> str:
    if draw(st.integers(0, 3)) == 0:
        text += f" offset {draw(st.sampled_from(['', '-']))}{draw(st.sampled_from(OFFSETS))}"
    if draw(st.integers(0, 5)) == 0:
        text += draw(st.sampled_from([" @ start()", " @ end()"]))
    return text


@st.composite
def range_vector(draw: st.DrawFn, depth: int) -> str:
    if depth > 0 and draw(st.integers(0, 3)) == 0:
        step = draw(st.sampled_from(STEPS))
        return with_offset(draw, f"({draw(instant(depth - 1))})[{draw(st.sampled_from(RANGES))}:{step}]")
    return with_offset(draw, f"{draw(selector())}[{draw(st.sampled_from(RANGES))}]")


@st.composite
def instant(draw: st.DrawFn, depth: int = 2) -> str:
    kind = draw(st.integers(0, 9 if depth > 0 else 4))
    if kind <= 1:
        return with_offset(draw, draw(selector()))
    if kind <= 3:
        return f"{draw(st.sampled_from(_RANGE_FUNCTIONS))}({draw(range_vector(depth))})"
    if kind == 4:
        return f"predict_linear({draw(range_vector(depth))}, {draw(st.sampled_from(['600', '3600', '86400', '90']))})"
    if kind == 5:
        return f"quantile_over_time({draw(st.sampled_from(['0.5', '0.9']))}, {draw(range_vector(depth))})"
    if kind == 6:
        return f"holt_winters({draw(range_vector(depth))}, 0.5, 0.3)"
    if kind == 7:
        agg = draw(st.sampled_from(["sum", "avg", "max", "count"]))
        return f"{agg} by (inst) ({draw(instant(depth - 1))})"
    if kind == 8:
        op = draw(st.sampled_from(["+", "-", "*", "/", ">", "< bool"]))
        return f"{draw(instant(depth - 1))} {op} {draw(st.sampled_from(['2', '0.5', '100', '1e3']))}"
    return f"({draw(instant(depth - 1))}) {draw(st.sampled_from(['+', '/', 'and', 'or']))} ({draw(instant(depth - 1))})"


def _counter(rng: random.Random, n: int) -> str:
    values, total = [], rng.uniform(0, 100)
    for _ in range(n):
        total = 0.0 if rng.random() < 0.02 else total + rng.choice([0, rng.uniform(0, 50)])
        values.append(total)
    return " ".join(f"{v:.6g}" for v in values)


def _gauge(rng: random.Random, n: int) -> str:
    scale = rng.choice([1, 100, 1e9])
    tokens = [f"{rng.uniform(-0.2, 1) * scale:.6g}" for _ in range(n)]
    if rng.random() < 0.3:  # a staleness marker mid-series: exact under compression
        tokens[rng.randrange(n // 2, n)] = "stale"
    return " ".join(tokens)


def grammar_series(seed: int, n: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [
        {"series": f'{name}{{inst="{inst}"}}', "values": (_counter if name == "c_total" else _gauge)(rng, n)}
        for name in ("c_total", "g")
        for inst in ("a", "b")
    ]


def _rules_from(exprs: list[str], fors: list[str]) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    for i, (expr, for_) in enumerate(zip(exprs, fors, strict=False)):
        rules.append({"record": f"probe:r{i}", "expr": expr})
        rules.append(
            {
                "alert": f"Probe{i}",
                "expr": f"probe:r{i} > 0",
                "for": for_,
                "keep_firing_for": "1m",
                "annotations": {"value": "{{ $value }}"},
            }
        )
    return {"groups": [{"name": "probes", "interval": "30s", "rules": rules}]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exprs=st.lists(instant(), min_size=6, max_size=10, unique=True),
    fors=st.lists(st.sampled_from(["0s", "1m", "2m30s", "10m"]), min_size=2, max_size=2),
    k=st.sampled_from(FACTORS),
    interval=st.sampled_from([15_000, 30_000, 60_000]),
    seed=st.integers(0, 2**32),
)
def test_generated_expressions_keep_their_values(
    exprs: list[str], fors: list[str], k: float, interval: int, seed: int, tmp_path_factory: Any
) -> None:
    n = 90
    end = interval * (n - 1)
    eval_times = [end // 3 // 3000 * 3000, end // 2 // 3000 * 3000 + 3000, end - 10 * 60_000]
    case = EquivalenceCase(
        series=grammar_series(seed, n),
        exprs=[*exprs, "probe:r0", "probe:r1"],
        interval_ms=interval,
        eval_times_ms=eval_times,
        rules=_rules_from(exprs, fors),
        alerts=["Probe0", "Probe1"],
    )
    original, compressed, notes = evaluate_both(
        case, k, tmp_path_factory.mktemp("eq"), promtool=str(PROMTOOL)
    )
    assert notes == []
    assert any(original.samples.values()), "every probe came back empty: the case proves nothing"
    diffs = compare(original, compressed, case.exprs)
    assert diffs == [], "\n".join(diffs[:10])


# --- the repository's rules ------------------------------------------------------------------------

EXAMPLE_RULES = """
groups:
  - name: example
    interval: 15s
    rules:
      - record: job:c:rate5m
        expr: sum by (job) (rate(c_total{job="node"}[5m]))
      - alert: DiskFillsIn24h
        expr: predict_linear(disk_avail{job="node"}[6h], 86400) < 0 and disk_avail{job="node"} < 5e9
        for: 30m
        annotations: {value: "{{ $value | humanize }}"}
      - alert: ErrorsHigh
        expr: increase(errors_total{job="node"}[10m]) > 3 or irate(c_total{job="node"}[1m]) > 2
        for: 5m
      - alert: Flapping
        expr: changes(g{job="node"}[15m]) > 4 and max_over_time(deriv(g{job="node"}[5m])[30m:1m]) > 0
        for: 2m
"""

_VOCABULARY = [
    "node",
    "dcgm",
    "prometheus",
    "alertmanager",
    "pushgateway",
    "idle",
    "user",
    "system",
    "nvme0n1",
    "sda",
    "eth0",
    "ext4",
    "/",
    "/data",
    "0",
    "1",
    "x",
]


def _label_value(matchers: list[Any], rng: random.Random) -> str | None:
    """A value satisfying every matcher on one label (regexes fully anchored, as Prometheus does)."""
    candidates = list(_VOCABULARY)
    for m in matchers:
        if m.op in (promql_parser.MatchOp.Equal,):
            candidates.insert(0, m.value)
        elif m.op == promql_parser.MatchOp.Re:
            candidates[:0] = [alt for alt in m.value.split("|") if re.fullmatch(r"[\w.:/-]*", alt)]
    for value in candidates:
        if all(_matches(m, value) for m in matchers):
            return value
    return None


def _matches(m: Any, value: str) -> bool:
    op = promql_parser.MatchOp
    if m.op == op.Equal:
        return bool(value == m.value)
    if m.op == op.NotEqual:
        return bool(value != m.value)
    hit = re.fullmatch(m.value, value) is not None
    return hit if m.op == op.Re else not hit


def _selectors(expr: str) -> list[Any]:
    found: list[Any] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def series_for_rules(groups: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, str]]:
    """Two nodes' worth of series for every selector the rules read (recorded names excluded)."""
    rng = random.Random(seed)
    recorded = {r["record"] for g in groups for r in g.get("rules") or [] if "record" in r}
    label_sets: dict[str, dict[str, str]] = {}
    for group in groups:
        for rule in group.get("rules") or []:
            for sel in _selectors(str(rule["expr"])):
                if sel.name is None or sel.name in recorded or sel.name == "ALERTS":
                    continue
                by_label: dict[str, list[Any]] = {}
                for m in sel.matchers.matchers:
                    by_label.setdefault(m.name, []).append(m)
                labels = {"job": "node"}
                for label, matchers in by_label.items():
                    value = _label_value(matchers, rng)
                    if value is not None:
                        labels[label] = value
                for node in ("gpu-node-1", "gpu-node-2"):
                    full = {**labels, "node": node, "instance": f"{node}:9100"}
                    for le in ("0.5", "1", "+Inf") if sel.name.endswith("_bucket") else (None,):
                        key_labels = full if le is None else {**full, "le": le}
                        body = ",".join(f'{k}="{v}"' for k, v in sorted(key_labels.items()))
                        label_sets[f"{sel.name}{{{body}}}"] = key_labels
    series = []
    for text in sorted(label_sets):
        name = text.split("{", 1)[0]
        counter = name.endswith(("_total", "_count", "_sum", "_bucket"))
        series.append({"series": text, "values": (_counter if counter else _gauge)(rng, n)})
    return series


def repository_rule_files() -> list[Path]:
    return sorted((REPO / "rules").glob("*.rules.yml"))


def _load_rules() -> list[tuple[str, dict[str, Any]]]:
    files = repository_rule_files()
    if files:
        return [(f.name, load_yaml(f)) for f in files]
    return [("example.rules.yml", yaml.safe_load(EXAMPLE_RULES))]


def _merged_rules() -> dict[str, Any]:
    return {"groups": [g for _, data in _load_rules() for g in data["groups"]]}


@pytest.mark.parametrize(("k", "seed"), [(60, 1), (7.5, 2)])
def test_repository_rules_keep_their_values(k: float, seed: int, tmp_path: Path) -> None:
    data = _merged_rules()
    _, reported = compress_rule_groups(data, k)
    skipped = {line.split(":", 1)[0] for line in reported}
    kept = []
    for group in data["groups"]:
        rules = [
            r for r in group["rules"] if f"{group['name']}/{r.get('alert') or r.get('record')}" not in skipped
        ]
        kept.append({**group, "rules": rules})
    rules = [r for g in kept for r in g["rules"]]
    interval, n = 30_000, 541  # 4h30m of data: long enough for a 4h `for` to fire
    case = EquivalenceCase(
        series=series_for_rules(kept, n, seed),
        exprs=[str(r["expr"]) for r in rules] + sorted({r["record"] for r in rules if "record" in r}),
        interval_ms=interval,
        eval_times_ms=[3_600_000, 9_000_000, 14_220_000, 15_300_000],
        rules={"groups": kept},
        evaluation_interval_ms=60_000,
        alerts=sorted({r["alert"] for r in rules if "alert" in r}),
    )
    original, compressed, notes = evaluate_both(case, k, tmp_path, promtool=str(PROMTOOL))
    assert notes == []
    assert sum(1 for v in original.samples.values() if v) > len(case.exprs), (
        "the series exercise too few rules"
    )
    diffs = compare(original, compressed, case.exprs)
    assert diffs == [], "\n".join(diffs[:10])


def test_reported_rules_are_exactly_the_uncompressible_ones() -> None:
    data = _merged_rules()
    _, reported = compress_rule_groups(data, 60)
    expected = {
        f"{g['name']}/{r.get('alert') or r.get('record')}"
        for g in data["groups"]
        for r in g["rules"]
        if uncompressible_reasons(str(r["expr"]))
    }
    assert {line.split(":", 1)[0] for line in reported} == expected


@pytest.mark.parametrize("k", [2, 60, 7.5])
def test_compressed_repository_rules_pass_promtool_check(k: float, tmp_path: Path) -> None:
    for name, data in _load_rules():
        compressed, _ = compress_rule_groups(data, k)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(_plain(compressed), sort_keys=False), encoding="utf-8")
        proc = subprocess.run([str(PROMTOOL), "check", "rules", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


CONFIG_CHECKS = [
    (
        "stack/prometheus/prometheus.yml",
        ["promtool", "check", "config", "--syntax-only"],
        compress_prometheus_config,
    ),
    (
        "stack/alertmanager/alertmanager.yml",
        ["amtool", "check-config"],
        lambda data, k: compress_alertmanager_config(data, k)[0],
    ),
]


@pytest.mark.parametrize(
    ("relpath", "command", "compress"), CONFIG_CHECKS, ids=["prometheus", "alertmanager"]
)
def test_compressed_config_loads_whenever_the_original_does(
    relpath: str, command: list[str], compress: Any, tmp_path: Path
) -> None:
    source = REPO / relpath
    if shutil.which(command[0]) is None or not source.exists():
        pytest.skip(f"{command[0]} or {relpath} missing")
    verdicts = []
    for k in (1, 60):
        path = tmp_path / f"k{k}" / source.name
        path.parent.mkdir()
        path.write_text(
            yaml.safe_dump(_plain(compress(load_yaml(source), k)), sort_keys=False), encoding="utf-8"
        )
        proc = subprocess.run([*command, str(path)], capture_output=True, text=True, cwd=path.parent)
        verdicts.append((proc.returncode, (proc.stdout + proc.stderr).replace(str(path.parent), "")))
    assert verdicts[1][0] == verdicts[0][0], f"scale 1: {verdicts[0][1]}\nscale 60: {verdicts[1][1]}"


def test_label_strings_mean_the_same_after_printing(tmp_path: Path) -> None:
    # Escapes, raw strings, regexes and non-ASCII go through the printer; promtool's own parser
    # must select exactly the same series from the printed text.
    values = ['q"uote', "back\\slash", "dot.ted", "é-ü", "tab\there"]
    series = [
        {"series": f"m{{v={json.dumps(v)}, i='{i}'}}", "values": f"{i}+1x60"} for i, v in enumerate(values)
    ]
    exprs = [
        r'sum(rate(m{v="q\"uote"}[5m]))',
        r'm{v="back\\slash"}',
        r"m{v=`back\slash`}",
        r'm{v=~"dot\\.ted|é-ü"}',
        r"m{v=~`dot\.ted`}",
        r'm{v!~"tab\t.*"}',
        r'label_replace(m, "w", "$1", "v", "(.*)\\\\(.*)")',
        r'count(m{v=~"\u00e9.*|x"})',
    ]
    case = EquivalenceCase(series=series, exprs=exprs, interval_ms=60_000, eval_times_ms=[1_800_000])
    original, compressed, _ = evaluate_both(case, 60, tmp_path, promtool=str(PROMTOOL))
    assert all(original.samples.get((i, 1_800_000)) for i in range(len(exprs)))
    assert compare(original, compressed, exprs) == []


# --- the oracle can fail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr", ["time()", "timestamp(g)", "rate(c_total[5m]) * 0 + time()", "vector(time())", "c_total @ 1200"]
)
def test_clock_reading_expressions_differ_after_compression(expr: str, tmp_path: Path) -> None:
    case = EquivalenceCase(
        series=grammar_series(1, 60), exprs=[expr], interval_ms=60_000, eval_times_ms=[1_800_000]
    )
    assert uncompressible_reasons(expr)
    assert check_equivalence(case, 60, tmp_path, promtool=str(PROMTOOL)) != []


def test_an_unscaled_rate_would_be_caught(tmp_path: Path) -> None:
    # Guards the oracle itself: without the / K a compressed rate is K times too large.
    case = EquivalenceCase(
        series=grammar_series(2, 60),
        exprs=["rate(c_total[5m])"],
        interval_ms=60_000,
        eval_times_ms=[1_800_000],
    )
    original, compressed, _ = evaluate_both(case, 60, tmp_path, promtool=str(PROMTOOL))
    scaled_back = {
        key: {s: v * 60 for s, v in samples.items()} if isinstance(samples, dict) else samples
        for key, samples in compressed.samples.items()
    }
    compressed.samples = scaled_back
    assert compare(original, compressed, case.exprs) != []


def test_grammar_durations_divide_exactly_by_every_factor() -> None:
    for k in FACTORS:
        for text in [*RANGES, *OFFSETS, *[s for s in STEPS if s], "15s", "30s", "1m", "2m30s", "10m"]:
            ms = parse_duration_ms(text)
            assert (ms * 2) % int(k * 2) == 0, (
                f"{text} / {k} = {format_duration_ms(round(ms / k))} is inexact"
            )
