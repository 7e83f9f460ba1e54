"""Prove a compression with promtool: same values on original and compressed time, or a diff.

``check_equivalence(case, k, workdir)`` writes two promtool rule-test files — the original
(series at ``interval``, expressions at ``eval_times``, the case's rules) and the compressed one
(series values identical at ``interval / K``, expressions and rules compressed, eval times / K) —
runs ``promtool test rules`` once on both, and compares what promtool evaluated. Every probe asks
for an empty result on purpose, so promtool prints what it got (``got: {…} 1.5E+00``); a probe
that really is empty prints nothing and counts as empty. Alerts are compared by their labels and
annotations at each eval time (numbers inside annotations with the same tolerance).

Limits: promtool's lookback delta is fixed at 5m and cannot be compressed, so a case is only
exact when no instant selector relies on a sample older than ``5m / K`` (series without long gaps,
eval times inside the data); equality is up to float rounding (``rel_tol``).
"""

from __future__ import annotations

import math
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from validation.clients.tools import promtool_test_chunks
from validation.core.durations import format_duration_ms
from validation.core.errors import HarnessError
from validation.timescale.durations import TimeScale
from validation.timescale.promql import compress_promql_noted
from validation.timescale.rules import compress_rule_groups

_PROBE_RE = re.compile(r'^\s*expr: "# probe (\d+)\\n.*?", time: [^,]*,(?: err: (.*))?$')
_ALERT_RE = re.compile(r"^\s*alertname: (.*), time: (\S+), $")
_SAMPLE_RE = re.compile(r'(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\}) (\S+?)(?:, |$)')
_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

Samples = dict[str, float]


@dataclass
class EquivalenceCase:
    """Series (promtool ``input_series`` entries), expressions and eval times in production time."""

    series: list[dict[str, str]]
    exprs: list[str]
    interval_ms: int
    eval_times_ms: list[int]
    rules: dict[str, Any] | None = None
    evaluation_interval_ms: int | None = None
    alerts: list[str] = field(default_factory=list)


@dataclass
class Evaluation:
    """What promtool evaluated: per (probe, time) samples or an error text; per (alert, time) alerts."""

    samples: dict[tuple[int, int], Samples | str] = field(default_factory=dict)
    alerts: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    load_errors: list[str] = field(default_factory=list)


def _test_file(
    case: EquivalenceCase, scale: TimeScale, rule_file: str | None, exprs: Sequence[str]
) -> dict[str, Any]:
    def t(ms: int) -> str:
        return format_duration_ms(scale.ms(ms, what="eval time"))

    probes = [
        {"expr": f"# probe {i}\n{expr}", "eval_time": t(ms), "exp_samples": []}
        for i, expr in enumerate(exprs)
        for ms in case.eval_times_ms
    ]
    alert_tests = [
        {"alertname": name, "eval_time": t(ms), "exp_alerts": []}
        for name in case.alerts
        for ms in case.eval_times_ms
    ]
    test: dict[str, Any] = {"interval": t(case.interval_ms), "input_series": case.series}
    if probes:
        test["promql_expr_test"] = probes
    if alert_tests:
        test["alert_rule_test"] = alert_tests
    out: dict[str, Any] = {
        "rule_files": [rule_file] if rule_file else [],
        "evaluation_interval": t(case.evaluation_interval_ms or case.interval_ms),
    }
    if case.rules is not None:
        # promtool otherwise orders groups at random per run, and an alert reading a recorded
        # series sees this tick's value or the last one's: a difference no compression made.
        out["group_eval_order"] = [str(g.get("name")) for g in case.rules.get("groups") or []]
    out["tests"] = [test]
    return out


def _parse_output(text: str, time_of: dict[str, int]) -> Evaluation:
    result = Evaluation()
    lines = text.splitlines()
    result.load_errors = [
        line.strip()
        for line in lines
        if line.strip() and line.strip() not in ("FAILED:", "SUCCESS") and not line.startswith("    ")
    ]
    for index, line in enumerate(lines):
        probe = _PROBE_RE.match(line)
        if probe:
            key = (int(probe.group(1)), time_of.get(_time_text(line), -1))
            if probe.group(2) is not None:
                result.samples[key] = "error: " + probe.group(2)
                continue
            got = next((g for g in lines[index + 1 : index + 4] if g.strip().startswith("got:")), "")
            body = got.strip()[len("got:") :].strip()
            result.samples[key] = {m.group(1): float(m.group(2)) for m in _SAMPLE_RE.finditer(body)}
            continue
        alert = _ALERT_RE.match(line)
        if alert:
            # One entry per alert ("Labels:{…} Annotations:{…}"), sorted: promtool's order varies.
            entries: list[str] = []
            for follow in lines[index + 1 :]:
                if not follow.strip() or _ALERT_RE.match(follow) or _PROBE_RE.match(follow):
                    break
                if follow.strip().startswith("Labels:"):
                    entries.append(follow.strip())
                elif follow.strip().startswith("Annotations:") and entries:
                    entries[-1] += " " + follow.strip()
            result.alerts[(alert.group(1), time_of.get(alert.group(2), -1))] = sorted(entries)
    return result


def _time_text(line: str) -> str:
    match = re.search(r", time: ([^,]*),", line)
    return match.group(1) if match else ""


def run_promtool(files: Sequence[Path], *, promtool: str = "promtool", cwd: Path) -> list[str]:
    """promtool's merged output, one chunk per file, in order."""
    try:
        chunks, output = promtool_test_chunks(files, cwd=cwd, promtool=promtool)
    except subprocess.TimeoutExpired:
        raise HarnessError(
            "promtool took more than 120s on the equivalence test files",
            place=str(cwd),
            hint="the machine may be overloaded; fewer series or eval times make the case cheaper",
        ) from None
    if len(chunks) != len(files):
        raise HarnessError(
            "promtool did not evaluate the equivalence test files", place=str(cwd), hint=output[-2000:]
        )
    return chunks


def evaluate_both(
    case: EquivalenceCase, k: float, workdir: Path, *, promtool: str = "promtool"
) -> tuple[Evaluation, Evaluation, list[str]]:
    """Run the original and the compressed case; returns both evaluations and the rounding notes."""
    scale = TimeScale(k)
    one = TimeScale(1)
    workdir.mkdir(parents=True, exist_ok=True)
    rule_files: list[str | None] = [None, None]
    if case.rules is not None:
        compressed_rules, _ = compress_rule_groups(case.rules, scale)
        for i, data in enumerate((case.rules, compressed_rules)):
            name = ("original", "compressed")[i] + ".rules.yml"
            (workdir / name).write_text(yaml.safe_dump(_plain(data), sort_keys=False), encoding="utf-8")
            rule_files[i] = name
    compressed_exprs = [compress_promql_noted(e, scale) for e in case.exprs]
    files = []
    for i, (sc, exprs) in enumerate(((one, case.exprs), (scale, compressed_exprs))):
        path = workdir / f"{('original', 'compressed')[i]}.test.yml"
        path.write_text(yaml.safe_dump(_test_file(case, sc, rule_files[i], exprs), sort_keys=False), "utf-8")
        files.append(path)
    chunks = run_promtool(files, promtool=promtool, cwd=workdir)
    times = [{_canonical(sc, ms): ms for ms in case.eval_times_ms} for sc in (one, TimeScale(k))]
    return _parse_output(chunks[0], times[0]), _parse_output(chunks[1], times[1]), scale.notes


def _canonical(scale: TimeScale, ms: int) -> str:
    return format_duration_ms(scale.ms(ms))


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def close(a: float, b: float, rel_tol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rel_tol)


def _same_text(a: str, b: str, rel_tol: float) -> bool:
    if _NUMBER_RE.sub("#", a) != _NUMBER_RE.sub("#", b):
        return False
    pairs = zip(_NUMBER_RE.findall(a), _NUMBER_RE.findall(b), strict=True)
    return all(close(float(x), float(y), rel_tol) for x, y in pairs)


def compare(
    original: Evaluation, compressed: Evaluation, exprs: Sequence[str], rel_tol: float = 1e-9
) -> list[str]:
    """Human-readable differences (empty list: equivalent)."""
    diffs = [f"original does not load: {e}" for e in original.load_errors]
    diffs += [f"compressed does not load: {e}" for e in compressed.load_errors]
    for key in sorted(set(original.samples) | set(compressed.samples)):
        a, b = original.samples.get(key, {}), compressed.samples.get(key, {})
        where = f"{exprs[key[0]]!r} at {format_duration_ms(key[1])}"
        if isinstance(a, str) or isinstance(b, str):
            if isinstance(a, str) != isinstance(b, str):
                diffs.append(f"{where}: original {a!r}, compressed {b!r}")
            continue
        if a.keys() != b.keys() or not all(close(a[s], b[s], rel_tol) for s in a):
            diffs.append(f"{where}: original {a}, compressed {b}")
    for akey in sorted(set(original.alerts) | set(compressed.alerts)):
        x, y = original.alerts.get(akey, []), compressed.alerts.get(akey, [])
        if len(x) != len(y) or not all(_same_text(p, q, rel_tol) for p, q in zip(x, y, strict=True)):
            diffs.append(f"alert {akey[0]} at {format_duration_ms(akey[1])}: original {x}, compressed {y}")
    return diffs


def check_equivalence(
    case: EquivalenceCase, k: float, workdir: Path, *, promtool: str = "promtool", rel_tol: float = 1e-9
) -> list[str]:
    """Differences between the case evaluated at scale 1 and at scale ``k`` (empty: equivalent)."""
    original, compressed, _ = evaluate_both(case, k, workdir, promtool=promtool)
    return compare(original, compressed, case.exprs, rel_tol)
