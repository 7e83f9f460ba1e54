"""Rules files: every duration and expression compressed, what cannot be compressed reported."""

from __future__ import annotations

from typing import Any

import pytest

from validation.core.errors import ConfigError
from validation.core.yamlload import parse_yaml
from validation.timescale.durations import TimeScale
from validation.timescale.rules import compress_rule_groups

pytestmark = pytest.mark.unit

RULES = """
groups:
  - name: node
    interval: 30s
    rules:
      - record: node:cpu:rate5m
        expr: rate(node_cpu_seconds_total[5m])
      - alert: HostHighCpu
        expr: node:cpu:rate5m > 0.9
        for: 10m
        keep_firing_for: 5m
        labels: {severity: warning}
        annotations: {summary: "CPU {{ $value }} for 10m"}
  - name: push
    rules:
      - alert: PushStale
        expr: time() - push_time_seconds > 3600
        for: 1h
"""


def _rules() -> Any:
    return parse_yaml(RULES, source="node.rules.yml")


def test_group_interval_for_and_keep_firing_for_are_scaled() -> None:
    out, _ = compress_rule_groups(_rules(), 60)
    node = out["groups"][0]
    assert node["interval"] == "500ms"
    assert node["rules"][1]["for"] == "10s"
    assert node["rules"][1]["keep_firing_for"] == "5s"


def test_expressions_are_rewritten_and_the_rest_is_kept() -> None:
    out, _ = compress_rule_groups(_rules(), 60)
    record, alert = out["groups"][0]["rules"]
    assert record == {"record": "node:cpu:rate5m", "expr": "(rate(node_cpu_seconds_total[5s]) / 60)"}
    assert alert["expr"] == "node:cpu:rate5m > 0.9"
    assert alert["labels"] == {"severity": "warning"}
    assert alert["annotations"] == {"summary": "CPU {{ $value }} for 10m"}


def test_an_unset_group_interval_stays_unset() -> None:
    out, _ = compress_rule_groups(_rules(), 60)
    assert "interval" not in out["groups"][1]


def test_uncompressible_rules_are_reported_and_kept_by_default() -> None:
    out, reported = compress_rule_groups(_rules(), 60)
    assert reported == ["push/PushStale: time() reads the evaluation clock, which compression changes"]
    assert out["groups"][1]["rules"][0]["for"] == "1m"


def test_uncompressible_rules_can_be_dropped() -> None:
    out, reported = compress_rule_groups(_rules(), 60, drop_uncompressible=True)
    assert out["groups"][1]["rules"] == []
    assert len(reported) == 1


def test_input_is_not_modified() -> None:
    data = _rules()
    compress_rule_groups(data, 60)
    assert data == _rules()


def test_rounding_notes_name_the_rule() -> None:
    scale = TimeScale(60)
    data = parse_yaml("groups: [{name: g, rules: [{record: r, expr: 'rate(x[10s])'}]}]", source="r.yml")
    compress_rule_groups(data, scale)
    assert scale.notes and scale.notes[0].startswith("g/r: range: 10s / 60")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("groups: [{name: g, rules: [{record: r, expr: 'rate(x[5m]'}]}]", r"^r.yml:1: PromQL does not parse"),
        ("groups: [{name: g, rules: [{alert: A, expr: x, for: soon}]}]", r"^r.yml:1: not a duration: 'soon'"),
        ("rules: []", r"^r.yml:1: a rules file needs a top-level 'groups' list"),
    ],
)
def test_broken_rules_files_raise_config_errors_with_place(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        compress_rule_groups(parse_yaml(text, source="r.yml"), 60, source="r.yml")


def test_scale_one_changes_no_duration() -> None:
    out, _ = compress_rule_groups(_rules(), 1)
    assert out["groups"][0]["interval"] == "30s"
    assert out["groups"][0]["rules"][0]["expr"] == "rate(node_cpu_seconds_total[5m])"
