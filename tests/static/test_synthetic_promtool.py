"""The synthetic layer agrees with the real promtool.

- expansion: a generated batch of notations is expanded by ``parse_values`` and by
  ``promtool test rules`` (one series per notation, 10m apart so the 5m lookback never carries
  a sample into the next evaluation); every evaluation's exp_samples are our expansion;
- exposition: ``promtool check metrics`` parses and lints what the SyntheticTarget serves.
"""

from __future__ import annotations

import math
import random
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.tools import required_tool
from validation.synthetic.exposition import SyntheticTarget
from validation.synthetic.notation import parse_values

pytestmark = pytest.mark.static

STEP_MINUTES = 10


def _literal(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return str(rng.randint(-1000, 1000))
    if kind == 1:
        return f"{rng.uniform(-100, 100):.{rng.randint(0, 4)}f}"
    if kind == 2:
        return f"{rng.randint(1, 9)}e{rng.randint(-6, 9):+d}"
    if kind == 3:
        return rng.choice([".5", "1.", "007", "0.1", "1E3"])
    return rng.choice(["Inf", "-Inf", "+Inf", "inf"])


def _item(rng: random.Random) -> str:
    kind = rng.randrange(7)
    count = rng.randint(0, 4)
    if kind == 0:
        return "_"
    if kind == 1:
        return f"_x{count}"
    if kind == 2:
        return "stale"
    base = _literal(rng)
    if kind == 3:
        return base
    if kind == 4 and (base[-1].isdigit() or base.endswith(".")):
        return f"{base}x{count}"
    step = _literal(rng).lstrip("+-")
    while not step[0].isdigit() and not step.startswith("."):
        step = _literal(rng).lstrip("+-")
    return f"{base}{rng.choice('+-')}{step}x{count}"


def _notations(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(_item(rng) for _ in range(rng.randint(1, 5))) for _ in range(count)]


def test_expansion_matches_promtool_on_a_generated_batch(tmp_path: Path) -> None:
    promtool = required_tool("promtool")
    notations = _notations(150, seed=20260)
    expansions = [parse_values(text) for text in notations]
    steps = max(len(samples) for samples in expansions) + 1
    evaluations = []
    for step in range(steps):
        expected = [
            {"labels": f'x{{case="{index}"}}', "value": samples[step]}
            for index, samples in enumerate(expansions)
            if step < len(samples) and isinstance(samples[step], float) and not math.isnan(samples[step])
        ]
        evaluations.append({"expr": "x", "eval_time": f"{step * STEP_MINUTES}m", "exp_samples": expected})
    test_file = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": f"{STEP_MINUTES}m",
                "input_series": [
                    {"series": f'x{{case="{index}"}}', "values": text} for index, text in enumerate(notations)
                ],
                "promql_expr_test": evaluations,
            }
        ],
    }
    path = tmp_path / "notation.test.yml"
    path.write_text(yaml.safe_dump(test_file), encoding="utf-8")
    result = subprocess.run(
        [promtool, "test", "rules", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"promtool disagrees:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"


@pytest.mark.parametrize(
    "text", ["1,2", "1 x3", "1+1", "stalex2", "Infx2", "1x2.5", "1e400", "_+1x2", "1_000"]
)
def test_promtool_rejects_what_parse_values_rejects(tmp_path: Path, text: str) -> None:
    promtool = required_tool("promtool")
    test_file = {
        "rule_files": [],
        "tests": [
            {"interval": "1m", "input_series": [{"series": "x", "values": text}], "promql_expr_test": []}
        ],
    }
    path = tmp_path / "bad.test.yml"
    path.write_text(yaml.safe_dump(test_file), encoding="utf-8")
    result = subprocess.run(
        [promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "parse error" in result.stdout + result.stderr


def test_promtool_check_metrics_accepts_the_target_exposition() -> None:
    promtool = required_tool("promtool")
    target = SyntheticTarget(clock=lambda: 0.0)
    target.add_timeline('node_load1{instance="gpu-node-7:9100", note="q\\"b\\\\c\\nd"}', "1.5", 15, 0)
    target.add_timeline('jobs_processed_total{job="batch"}', "3", 15, 0)
    target.add_timeline('request_duration_seconds_bucket{le="0.5"}', "1", 15, 0)
    target.add_timeline('request_duration_seconds_bucket{le="+Inf"}', "2", 15, 0)
    target.add_timeline("request_duration_seconds_sum", "0.7", 15, 0)
    target.add_timeline("request_duration_seconds_count", "2", 15, 0)
    target.add_timeline("gpu_temperature_celsius", "Inf", 15, 0)
    body = target.render()
    result = subprocess.run(
        [promtool, "check", "metrics"], input=body, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\n---\n{body}"
    assert 'note="q\\"b\\\\c\\nd"' in body
