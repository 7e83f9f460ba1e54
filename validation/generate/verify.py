"""Ask promtool what a candidate really does: ``promtool test rules`` on one test file per
candidate (the rule files under test + the candidate's series), every file of a batch in one call.

A probe expects no alerts at its check times on purpose, so promtool prints every alert that was
firing (labels and annotations) — that is how the generator learns the exact alert it will write
into the unit test. ``check`` runs finished test files and says which pass.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from validation.clients.tools import promtool_test_chunks
from validation.core.durations import format_duration_ms, parse_duration_seconds
from validation.core.errors import StackcheckError

BATCH = 20
TIMEOUT_S = 60  # per test file of a batch
_ALERT_HEAD = re.compile(r"^\s*alertname: (.*), time: (\S+), $")
_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Alert:
    labels: dict[str, str]
    annotations: dict[str, str]


@dataclass
class Probe:
    """One candidate: series, the alert names to watch and when."""

    series: list[dict[str, str]]
    alertnames: list[str]
    times: list[float]
    interval: float

    def test_group(self) -> dict[str, Any]:
        return {
            "interval": duration(self.interval),
            "input_series": self.series,
            "alert_rule_test": [
                {"alertname": name, "eval_time": duration(t), "exp_alerts": []}
                for t in self.times
                for name in self.alertnames
            ],
        }


@dataclass
class Outcome:
    """What promtool showed: firing alerts per (alertname, time in s); or why it could not run."""

    alerts: dict[tuple[str, float], list[Alert]] = field(default_factory=dict)
    error: str = ""
    passed: bool = False

    def firing(self, alertname: str, at: float) -> list[Alert]:
        return self.alerts.get((alertname, at), [])


def duration(seconds: float) -> str:
    return format_duration_ms(round(seconds * 1000))


def test_file(rule_files: Sequence[Path], evaluation: float, groups: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rule_files": [str(p) for p in rule_files],
        "evaluation_interval": duration(evaluation),
        "tests": groups,
    }


def run_files(contents: list[dict[str, Any]], promtool: str) -> list[Outcome]:
    """Run each test-file content through promtool (batched); one ``Outcome`` per content."""
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="stackcheck-generate-") as tmp:
        folder = Path(tmp)
        paths = []
        for i, content in enumerate(contents):
            path = folder / f"candidate-{i}.test.yml"
            path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8")
            paths.append(path)
        for start in range(0, len(paths), BATCH):
            outcomes.extend(_run_batch(paths[start : start + BATCH], promtool, folder))
    return outcomes


def _run_batch(paths: list[Path], promtool: str, folder: Path) -> list[Outcome]:
    """One promtool call for the batch; a batch that times out is split, down to single files (a
    file that still times out is reported as such, never as the rule's verdict)."""
    try:
        chunks, output = promtool_test_chunks(
            [p.name for p in paths], cwd=folder, promtool=promtool, timeout=TIMEOUT_S * len(paths)
        )
    except subprocess.TimeoutExpired:
        if len(paths) > 1:
            half = len(paths) // 2
            return _run_batch(paths[:half], promtool, folder) + _run_batch(paths[half:], promtool, folder)
        return [
            Outcome(error=f"promtool took more than {TIMEOUT_S}s on this candidate (machine overloaded?)")
        ]
    if len(chunks) != len(paths):
        return [Outcome(error=f"promtool did not evaluate the test files: {output[-500:]}")] * len(paths)
    return [parse_output(chunk) for chunk in chunks]


def probe(rule_files: Sequence[Path], evaluation: float, probes: list[Probe], promtool: str) -> list[Outcome]:
    return run_files([test_file(rule_files, evaluation, [p.test_group()]) for p in probes], promtool)


def parse_output(text: str) -> Outcome:
    outcome = Outcome()
    lines = text.splitlines()
    stripped = [line.strip() for line in lines]
    outcome.passed = "SUCCESS" in stripped
    errors = [
        s for line, s in zip(lines, stripped, strict=True)
        if s and s not in ("FAILED:", "SUCCESS") and not line.startswith("    ")
    ]  # fmt: skip
    if errors:
        outcome.error = "; ".join(errors)[:2000]
    current: list[Alert] | None = None
    for line in lines:
        head = _ALERT_HEAD.match(line)
        if head:
            try:
                at = parse_duration_seconds(head.group(2))
            except StackcheckError:
                current = None
                continue
            current = outcome.alerts.setdefault((head.group(1), at), [])
            continue
        if current is None:
            continue
        s = line.strip()
        if s.startswith("Labels:{"):
            current.append(Alert(_pairs(s[len("Labels:") :]), {}))
        elif s.startswith("Annotations:{") and current:
            last = current[-1]
            current[-1] = Alert(last.labels, _pairs(s[len("Annotations:") :]))
        elif s.startswith("exp:") and "got:" not in s:
            continue
    return outcome


def _pairs(text: str) -> dict[str, str]:
    return {m.group(1): unquote(m.group(2)) for m in _PAIR.finditer(text)}


def unquote(body: str) -> str:
    """The value of a Go-quoted string body (``strconv.Quote`` escapes)."""
    fixed = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: f"\\u00{m.group(1)}", body)
    fixed = re.sub(r"\\U([0-9a-fA-F]{8})", lambda m: chr(int(m.group(1), 16)), fixed)
    fixed = fixed.replace("\\a", "\\u0007").replace("\\v", "\\u000b")
    try:
        value = json.loads(f'"{fixed}"')
    except json.JSONDecodeError:
        return body
    return str(value)
