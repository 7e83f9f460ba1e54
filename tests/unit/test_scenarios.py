"""Scenario format: strict loading with file:line errors, name checks, per-scenario isolation."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validation.core.errors import HarnessError, ScenarioError
from validation.scenarios import loader
from validation.scenarios.isolation import Rewrite, split_instance
from validation.scenarios.loader import load_scenarios, parse_scenarios, validate_against
from validation.scenarios.model import Matcher, Scenario
from validation.synthetic.notation import STALE

pytestmark = pytest.mark.unit

README = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "README.md"

FULL = """\
name: node-memory-exhausted
why: memory above 90 % for 5m must page the node owner by email and Slack
interval: 30s
input_series:
  - series: node_memory_MemAvailable_bytes{instance="gpu-node-7:9100", job="node", node="gpu-node-7"}
    values: 8e9 1e9x30 stale
  - series: node_memory_MemTotal_bytes{instance="gpu-node-7:9100", job="node", node="gpu-node-7"}
    values: 64e9x40
push_series:
  - job: nightly-backup
    grouping: {instance: "gpu-node-7:9100"}
    series: backup_last_success_timestamp_seconds
    values: 1.7e9x40
exp_alerts:
  - alertname: HostOutOfMemory
    exp_labels: {severity: critical, instance: "gpu-node-7:9100", code: 500}
    exp_annotations: {summary: "Host gpu-node-7 is out of memory"}
    exp_annotations_contain: {description: gpu-node-7}
    fires_within: 7m
    pending: true
    resolves: 10m
  - alertname: HostOutOfMemoryWarning
    absent: true
exp_notifications:
  - receiver: oncall-email
    contains: ["HostOutOfMemory", "gpu-node-7"]
    count: 1
    resolved: true
    within: 8m
  - receiver: webhook-ops
    absent: true
exp_panels:
  - dashboard: node-overview
    panel: Memory used
    min: 0.85
    max: 1
silences:
  - matchers: ['instance="gpu-node-7:9100"', 'alertname=~"Host.*"', severity!=info]
    after: 1m
    duration: 2m
scale: auto
"""

MINIMAL = """\
why: w
input_series:
  - series: up{instance="n:9100"}
    values: 1x3
exp_alerts:
  - alertname: A
"""


def _parse(text: str) -> list[Scenario]:
    return parse_scenarios(text, source="sc.yaml", default_name="sc")


def test_full_scenario_loads_every_field() -> None:
    [scenario] = _parse(FULL)
    assert (scenario.name, scenario.interval, scenario.scale, scenario.line) == (
        "node-memory-exhausted",
        30,
        "auto",
        1,
    )
    first = scenario.input_series[0]
    assert first.name == "node_memory_MemAvailable_bytes"
    assert first.labels == {"instance": "gpu-node-7:9100", "job": "node", "node": "gpu-node-7"}
    assert first.values[:3] == (8e9, 1e9, 1e9) and first.values[-1] is STALE and len(first.values) == 33
    assert first.line == 5
    push = scenario.push_series[0]
    assert (push.job, push.grouping, push.name, len(push.values)) == (
        "nightly-backup",
        {"instance": "gpu-node-7:9100"},
        "backup_last_success_timestamp_seconds",
        41,
    )
    alert = scenario.exp_alerts[0]
    assert alert.exp_labels == {"severity": "critical", "instance": "gpu-node-7:9100", "code": "500"}
    assert alert.exp_annotations == {"summary": "Host gpu-node-7 is out of memory"}
    assert alert.exp_annotations_contain == {"description": "gpu-node-7"}
    assert (alert.fires_within, alert.pending, alert.resolves, alert.resolves_within) == (
        420,
        True,
        True,
        600,
    )
    assert scenario.exp_alerts[1].absent and scenario.exp_alerts[1].line == 22
    note = scenario.exp_notifications[0]
    assert (note.contains, note.count, note.resolved, note.within) == (
        ("HostOutOfMemory", "gpu-node-7"),
        1,
        True,
        480,
    )
    assert scenario.exp_notifications[1].absent
    assert (scenario.exp_panels[0].min, scenario.exp_panels[0].max, scenario.exp_panels[0].has_data) == (
        0.85,
        1,
        True,
    )
    silence = scenario.silences[0]
    assert silence.matchers == (
        Matcher("instance", "=", "gpu-node-7:9100"),
        Matcher("alertname", "=~", "Host.*"),
        Matcher("severity", "!=", "info"),
    )
    assert (silence.after, silence.duration) == (60, 120)
    assert scenario.samples == 41 and scenario.duration == 40 * 30


def test_defaults_of_a_minimal_scenario() -> None:
    [scenario] = _parse(MINIMAL)
    assert (scenario.name, scenario.interval, scenario.scale, scenario.isolation_suffix) == (
        "sc",
        15,
        "auto",
        "",
    )
    alert = scenario.exp_alerts[0]
    assert (alert.pending, alert.resolves, alert.fires_within, alert.absent, alert.exp_labels) == (
        None,
        None,
        None,
        False,
        {},
    )


@pytest.mark.parametrize(
    ("snippet", "check"),
    [
        ("values: 5", lambda s: s.input_series[0].values == (5.0,)),
        ("values: .inf", lambda s: s.input_series[0].values == (float("inf"),)),
        ("values: 1 2 3", lambda s: s.input_series[0].values == (1.0, 2.0, 3.0)),
        ("values: >\n      1 2\n      3", lambda s: s.input_series[0].values == (1.0, 2.0, 3.0)),
    ],
)
def test_values_accept_yaml_scalars_promtool_accepts(snippet: str, check: object) -> None:
    text = MINIMAL.replace("values: 1x3", snippet)
    [scenario] = _parse(text)
    assert check(scenario)  # type: ignore[operator]


def test_label_values_written_as_yaml_scalars_become_prometheus_text() -> None:
    [scenario] = _parse(MINIMAL + "    exp_labels: {code: 500, ok: true, ratio: 0.5}\n")
    assert scenario.exp_alerts[0].exp_labels == {"code": "500", "ok": "true", "ratio": "0.5"}


def test_resolves_false_and_scale_one() -> None:
    [scenario] = _parse(MINIMAL + "    resolves: false\nscale: 1\n")
    assert scenario.exp_alerts[0].resolves is False and scenario.scale == 1


def test_silence_matchers_as_a_mapping_and_with_escapes() -> None:
    text = MINIMAL + "silences:\n  - matchers: {alertname: A}\n    duration: 5m\n"
    text += '  - matchers: [\'summary="say \\"hi\\""\']\n    duration: 1h30m\n'
    [scenario] = _parse(text)
    assert scenario.silences[0].matchers == (Matcher("alertname", "=", "A"),)
    assert scenario.silences[0].after == 0
    assert scenario.silences[1].matchers == (Matcher("summary", "=", 'say "hi"'),)
    assert scenario.silences[1].duration == 5400


def test_a_file_may_hold_a_list_of_named_scenarios() -> None:
    body = textwrap.indent(MINIMAL, "    ")
    text = f"scenarios:\n  - name: one\n{body}  - name: two\n{body}"
    scenarios = _parse(text)
    assert [s.name for s in scenarios] == ["one", "two"]
    assert [s.line for s in scenarios] == [2, 9]
    assert scenarios[1].exp_alerts[0].line == 15


# --- every error path: (case, text, line, what, hint) --------------------------------------------

ERRORS = [
    (
        "unknown top-level key",
        MINIMAL + "whyy: x\n",
        7,
        "unknown key 'whyy' in the scenario",
        "did you mean 'why'?",
    ),
    (
        "unknown key in an alert lists the allowed keys",
        MINIMAL + "    fires_whithin: 5m\n",
        7,
        "unknown key 'fires_whithin' in exp_alerts[0]; expected one of alertname, exp_labels",
        "did you mean 'fires_within'?",
    ),
    (
        "unknown key in a series",
        MINIMAL.replace("values: 1x3", "value: 1x3"),
        4,
        "unknown key 'value' in input_series[0]",
        "did you mean 'values'?",
    ),
    ("unknown key without a close match", MINIMAL + "zzz: 1\n", 7, "unknown key 'zzz'", "check the spelling"),
    ("non-string key", MINIMAL + "1: x\n", 7, "unknown key '1'", "check the spelling"),
    ("missing why", MINIMAL.replace("why: w\n", ""), 1, "the scenario is missing 'why'", "add 'why:'"),
    ("empty why", MINIMAL.replace("why: w", "why: ' '"), 1, "why is empty", "give why a value"),
    ("why is a list", MINIMAL.replace("why: w", "why: [a]"), 1, "why must be text, got a list", "string"),
    ("why is a YAML date", MINIMAL.replace("why: w", "why: 2001-01-01"), 1, "got a YAML date", "string"),
    ("recursive alias", "why: &a {x: *a}\n", 1, "recursive node", "fix the syntax"),
    ("deep nesting", "why: " + "[" * 3000 + "]" * 3000 + "\n", 0, "not valid YAML", "simplify"),
    ("interval without unit", MINIMAL + "interval: 15\n", 7, "interval must be a positive duration", "15s"),
    ("zero interval", MINIMAL + "interval: 0s\n", 7, "interval must be a positive duration", "15s"),
    ("spaced interval", MINIMAL + "interval: 15 s\n", 7, "got '15 s'", "Prometheus duration"),
    (
        "input_series is a mapping",
        "why: w\ninput_series: {series: x}\nexp_alerts: [{alertname: A}]\n",
        2,
        "input_series must be a list, got a mapping",
        "'- …'",
    ),
    (
        "a series entry is a string",
        "why: w\ninput_series:\n  - up 1\nexp_alerts: [{alertname: A}]\n",
        3,
        "input_series[0] must be a mapping, got str 'up 1'",
        "series, values",
    ),
    (
        "series missing",
        "why: w\ninput_series:\n  - values: 1\nexp_alerts: [{alertname: A}]\n",
        3,
        "input_series[0] is missing 'series'",
        "add 'series:'",
    ),
    ("bad values", MINIMAL.replace("1x3", "1,2"), 4, "invalid item '1,2'", "commas"),
    ("values empty", MINIMAL.replace("1x3", "''"), 4, "values is empty", "give values a value"),
    ("values only blanks", MINIMAL.replace("1x3", "_x0"), 4, "expand to no samples", "1x10"),
    ("values a list", MINIMAL.replace("1x3", "[1, 2]"), 4, "values must be text, got a list", "string"),
    ("bad series", MINIMAL.replace('up{instance="n:9100"}', "up{a=~'b'}"), 3, "other than '='", "'=' only"),
    (
        "exp_labels not a mapping",
        MINIMAL + "    exp_labels: [a]\n",
        7,
        "exp_labels must be a mapping of label names to values",
        "{a: b}",
    ),
    ("bad label name", MINIMAL + "    exp_labels: {1a: x}\n", 7, "invalid label name '1a'", "[a-zA-Z_]"),
    (
        "null label value",
        MINIMAL + "    exp_labels:\n      a:\n",
        8,
        "must have a text value, got nothing",
        "quote",
    ),
    (
        "absent combined with fires_within",
        MINIMAL + "    absent: true\n    fires_within: 5m\n",
        8,
        "fires_within cannot be combined with absent: true",
        "never fires",
    ),
    (
        "resolves not a duration",
        MINIMAL + "    resolves: soon\n",
        7,
        "resolves must be a positive duration",
        "5m",
    ),
    (
        "pending as a string",
        MINIMAL + "    pending: 'yes'\n",
        7,
        "pending must be true or false",
        "pending: true",
    ),
    (
        "alert without alertname",
        MINIMAL.replace("alertname: A", "absent: true"),
        6,
        "missing 'alertname'",
        "add",
    ),
    (
        "notification count zero",
        MINIMAL + "exp_notifications:\n  - receiver: r\n    count: 0\n",
        9,
        "count must be a whole number >= 1",
        "how many notifications",
    ),
    (
        "notification count a float",
        MINIMAL + "exp_notifications:\n  - receiver: r\n    count: 1.5\n",
        9,
        "count must be a whole number",
        "how many notifications",
    ),
    (
        "absent notification with count",
        MINIMAL + "exp_notifications:\n  - receiver: r\n    absent: true\n    count: 1\n",
        10,
        "count cannot be combined with absent: true",
        "never arrives",
    ),
    (
        "contains is a string",
        MINIMAL + "exp_notifications:\n  - receiver: r\n    contains: oops\n",
        9,
        "contains must be a list, got str 'oops'",
        "'- …'",
    ),
    (
        "contains holds an empty string",
        MINIMAL + "exp_notifications:\n  - receiver: r\n    contains: ['']\n",
        9,
        "exp_notifications[0].contains[0] must be a non-empty string",
        "quote",
    ),
    (
        "panel min above max",
        MINIMAL + "exp_panels:\n  - {dashboard: d, panel: p, min: 2, max: 1}\n",
        8,
        "min 2.0 is above max 1.0",
        "swap",
    ),
    (
        "panel without data with a bound",
        MINIMAL + "exp_panels:\n  - dashboard: d\n    panel: p\n    has_data: false\n    min: 1\n",
        10,
        "cannot be combined with has_data: false",
        "no values to bound",
    ),
    (
        "panel min not a number",
        MINIMAL + "exp_panels:\n  - dashboard: d\n    panel: p\n    min: high\n",
        10,
        "min must be a number, got 'high'",
        "min: 0.85",
    ),
    (
        "panel missing panel",
        MINIMAL + "exp_panels:\n  - dashboard: d\n",
        8,
        "exp_panels[0] is missing 'panel'",
        "add 'panel:'",
    ),
    (
        "bad silence matcher",
        MINIMAL + "silences:\n  - matchers: [alertname]\n    duration: 1m\n",
        8,
        "invalid matcher 'alertname'",
        'name="value"',
    ),
    (
        "silence without duration",
        MINIMAL + "silences:\n  - matchers: [a=b]\n",
        8,
        "silences[0] is missing 'duration'",
        "add 'duration:'",
    ),
    (
        "silence with no matchers",
        MINIMAL + "silences:\n  - matchers: []\n    duration: 1m\n",
        8,
        "needs at least one matcher",
        "alertname",
    ),
    ("scale 2", MINIMAL + "scale: 2\n", 7, "scale must be 'auto' or 1, got 2", "real time"),
    ("scale true", MINIMAL + "scale: true\n", 7, "scale must be 'auto' or 1", "real time"),
    (
        "no expectations",
        "why: w\ninput_series:\n  - series: up\n    values: 1\n",
        1,
        "expects nothing",
        "cannot fail",
    ),
    (
        "invalid name",
        "name: my scenario\n" + MINIMAL,
        1,
        "scenario name 'my scenario' is not allowed",
        "check id",
    ),
    ("empty name", "name: ''\n" + MINIMAL, 1, "name is empty", "give name a value"),
    (
        "unnamed scenario in a list",
        "scenarios:\n" + textwrap.indent("- " + MINIMAL.replace("\n", "\n  ", MINIMAL.count("\n") - 1), "  "),
        2,
        "scenarios[0] has no name",
        "needs 'name:'",
    ),
    ("empty scenarios list", "scenarios: []\n", 1, "'scenarios:' is empty", "delete the file"),
    ("scenarios next to other keys", "scenarios: []\nwhy: w\n", 2, "unknown key 'why'", "check the spelling"),
    ("empty file", "", 0, "the file is empty", "README.md"),
    ("top-level list", "- a\n- b\n", 1, "the scenario must be a mapping, got a list", "key: value"),
    ("top-level string", "hello\n", 0, "the scenario must be a mapping, got str 'hello'", "key: value"),
    ("YAML syntax error", "why: w\ninput_series: [\n", 3, "not valid YAML", "syntax"),
    ("duplicate key", MINIMAL + "why: again\n", 7, "duplicate key 'why'", "syntax"),
    ("unhashable key", "? [a]\n: 1\n", 0, "not valid YAML", "simplify"),
    (
        "push series without job",
        MINIMAL + "push_series:\n  - series: x\n    values: 1\n",
        8,
        "push_series[0] is missing 'job'",
        "add 'job:'",
    ),
    (
        "push grouping not a mapping",
        MINIMAL + "push_series:\n  - {job: j, series: x, values: 1, grouping: [a]}\n",
        8,
        "grouping must be a mapping",
        "{a: b}",
    ),
]


@pytest.mark.parametrize(("case", "text", "line", "what", "hint"), ERRORS, ids=[case for case, *_ in ERRORS])
def test_malformed_scenarios_name_file_line_and_hint(
    case: str, text: str, line: int, what: str, hint: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        _parse(text)
    message = str(caught.value)
    place = "sc.yaml" if line == 0 else f"sc.yaml:{line}"
    assert message.startswith(f"{place}: ") or message.startswith(f"{place}:"), message
    assert line == 0 or re.match(rf"sc\.yaml:{line}[: ]", message), message
    body, _, given_hint = message.partition(" Hint: ")
    assert what in body, message
    assert hint in given_hint, message
    assert caught.value.exit_code == 2


def test_a_nameless_scenario_without_a_default_name_asks_for_one() -> None:
    with pytest.raises(ScenarioError, match=r"^x\.yaml:1: the scenario has no name\. Hint: add 'name:'"):
        parse_scenarios(MINIMAL, source="x.yaml")


# --- directories ------------------------------------------------------------------------------


def test_load_scenarios_reads_yaml_and_yml_in_order_and_names_by_stem(tmp_path: Path) -> None:
    (tmp_path / "b-disk.yml").write_text(MINIMAL)
    (tmp_path / "a-memory.yaml").write_text(MINIMAL)
    (tmp_path / "README.md").write_text("# not a scenario\n")
    (tmp_path / "notes.txt").write_text("ignored")
    scenarios = load_scenarios(tmp_path)
    assert [s.name for s in scenarios] == ["a-memory", "b-disk"]
    assert scenarios[0].source == str(tmp_path / "a-memory.yaml")
    assert scenarios[0].place() == f"{tmp_path / 'a-memory.yaml'}:1"


def test_duplicate_names_across_files_name_both_places(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: same\n" + MINIMAL)
    (tmp_path / "b.yaml").write_text("name: same\n" + MINIMAL)
    with pytest.raises(
        ScenarioError, match=r"b\.yaml:1: scenario name 'same' is already used at .*a\.yaml:1"
    ):
        load_scenarios(tmp_path)


def test_missing_folder_is_a_harness_error(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"scenario folder not found.*Hint: "):
        load_scenarios(tmp_path / "nope")


def test_non_utf8_file_is_a_scenario_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"why: \xff\xfe\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml: not UTF-8"):
        load_scenarios(tmp_path)


def test_empty_folder_has_no_scenarios(tmp_path: Path) -> None:
    assert load_scenarios(tmp_path) == []


# --- names against the stack --------------------------------------------------------------------


def test_validate_against_accepts_known_names() -> None:
    [scenario] = _parse(FULL)
    validate_against(
        scenario, {"HostOutOfMemory", "HostOutOfMemoryWarning", "Other"}, {"oncall-email", "webhook-ops"}
    )


AGAINST = [
    ("alert typo", {"HostOutOfMemry", "HostOutOfMemoryWarning"}, {"oncall-email", "webhook-ops"}, 15,
     "no alert rule named 'HostOutOfMemory'", "did you mean 'HostOutOfMemry'?"),
    ("receiver unknown", {"HostOutOfMemory", "HostOutOfMemoryWarning"}, {"webhook-ops", "pager"}, 25,
     "no receiver named 'oncall-email' in alertmanager.yml", "known: pager, webhook-ops"),
    ("no alerts at all", set(), {"oncall-email"}, 15, "no alert rule named", "known: none"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "alerts", "receivers", "line", "what", "hint"), AGAINST, ids=[c[0] for c in AGAINST]
)
def test_validate_against_names_the_line_and_the_closest_name(
    case: str, alerts: set[str], receivers: set[str], line: int, what: str, hint: str
) -> None:
    [scenario] = _parse(FULL)
    with pytest.raises(ScenarioError) as caught:
        validate_against(scenario, alerts, receivers)
    message = str(caught.value)
    assert message.startswith(f"sc.yaml:{line}: ") and what in message and hint in message, message


# --- isolation ----------------------------------------------------------------------------------


def test_isolate_rewrites_instance_and_node_everywhere() -> None:
    [scenario] = _parse(FULL)
    isolated = scenario.isolate(3)
    assert isolated.isolation_suffix == "-s3" and isolated.name == scenario.name
    assert isolated.input_series[0].labels == {
        "instance": "gpu-node-7-s3:9100",
        "job": "node",
        "node": "gpu-node-7-s3",
    }
    assert isolated.input_series[0].selector == (
        'node_memory_MemAvailable_bytes{instance="gpu-node-7-s3:9100", job="node", node="gpu-node-7-s3"}'
    )
    assert isolated.push_series[0].grouping == {"instance": "gpu-node-7-s3:9100"}
    alert = isolated.exp_alerts[0]
    assert alert.exp_labels["instance"] == "gpu-node-7-s3:9100" and alert.exp_labels["severity"] == "critical"
    assert alert.exp_annotations == {"summary": "Host gpu-node-7-s3 is out of memory"}
    assert alert.exp_annotations_contain == {"description": "gpu-node-7-s3"}
    assert isolated.exp_notifications[0].contains == ("HostOutOfMemory", "gpu-node-7-s3")
    assert isolated.silences[0].matchers[0] == Matcher("instance", "=", "gpu-node-7-s3:9100")
    assert isolated.exp_panels == scenario.exp_panels
    assert scenario.input_series[0].labels["node"] == "gpu-node-7", "the original must stay untouched"


def test_isolate_twice_or_with_a_negative_index_is_refused() -> None:
    [scenario] = _parse(MINIMAL)
    with pytest.raises(HarnessError, match="already isolated"):
        scenario.isolate(0).isolate(1)
    with pytest.raises(HarnessError, match="must be >= 0"):
        scenario.isolate(-1)


INSTANCES = [
    ("host and port", "gpu-node-7:9100", "gpu-node-7-s1:9100"),
    ("host only", "gpu-node-7", "gpu-node-7-s1"),
    ("ip and port", "10.0.0.7:9100", "10.0.0.7-s1:9100"),
    ("url keeps its tail", "http://alert-archive:8080/alerts", "http://alert-archive:8080/alerts-s1"),
    ("bracketed ipv6", "[::1]:9100", "[::1]-s1:9100"),
    ("port only stays host", ":9100", ":9100-s1"),
]


@pytest.mark.parametrize(("case", "value", "expected"), INSTANCES, ids=[case for case, *_ in INSTANCES])
def test_instance_values_get_the_suffix_on_the_host_part(case: str, value: str, expected: str) -> None:
    assert Rewrite("-s1", ()).value("instance", value) == expected


TEXTS = [
    ("whole word", "gpu-node-7 is down", "gpu-node-7-s1 is down"),
    ("followed by a port", "gpu-node-7:9100", "gpu-node-7-s1:9100"),
    ("longer name untouched", "gpu-node-71", "gpu-node-71"),
    ("prefixed name untouched", "xgpu-node-7", "xgpu-node-7"),
    ("end of sentence", "node gpu-node-7.", "node gpu-node-7-s1."),
    ("twice", "gpu-node-7,gpu-node-7", "gpu-node-7-s1,gpu-node-7-s1"),
    ("unrelated text", "HostOutOfMemory", "HostOutOfMemory"),
    ("ip address", "host 10.0.0.7 down", "host 10.0.0.7-s1 down"),
    ("longer ip untouched", "110.0.0.7", "110.0.0.7"),
]


@pytest.mark.parametrize(("case", "text", "expected"), TEXTS, ids=[case for case, *_ in TEXTS])
def test_free_text_mentions_of_hosts_are_rewritten_as_whole_words(
    case: str, text: str, expected: str
) -> None:
    rewrite = Rewrite.for_series("-s1", [{"instance": "gpu-node-7:9100"}, {"node": "10.0.0.7"}])
    assert rewrite.text(text) == expected


def test_split_instance() -> None:
    assert split_instance("a:1") == ("a", ":1") and split_instance("a") == ("a", "")


_hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)


@given(st.lists(_hosts, min_size=1, max_size=4, unique=True), st.integers(0, 50), st.integers(0, 50))
def test_different_indexes_never_collide(hosts: list[str], first: int, second: int) -> None:
    if first == second:
        return
    labels = [{"instance": f"{host}:9100", "node": host} for host in hosts]
    a = Rewrite.for_series(f"-s{first}", labels)
    b = Rewrite.for_series(f"-s{second}", labels)
    rewritten_a = {tuple(sorted(a.labels(item).items())) for item in labels}
    rewritten_b = {tuple(sorted(b.labels(item).items())) for item in labels}
    assert rewritten_a.isdisjoint(rewritten_b)
    assert rewritten_a.isdisjoint({tuple(sorted(item.items())) for item in labels})


# --- the README's example is a valid scenario ---------------------------------------------------


def test_readme_full_example_loads() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, "fixtures/scenarios/README.md must hold a ```yaml example"
    for block in blocks:
        if "why:" in block:
            scenarios = parse_scenarios(block, source="README.md", default_name="readme")
            assert scenarios and all(s.why for s in scenarios)


# --- never a traceback ----------------------------------------------------------------------------


def _parse_or_scenario_error(text: str) -> None:
    try:
        _parse(text)
    except ScenarioError as exc:
        assert exc.place.startswith("sc.yaml") and "Hint: " in str(exc)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_but_scenario_error(text: str) -> None:
    _parse_or_scenario_error(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_valid_scenarios_never_raise_anything_but_scenario_error(data: st.DataObject) -> None:
    text = FULL
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 20)))
        insert = data.draw(
            st.sampled_from(["", " ", "  ", ":", "-", "\n", "[", "{", "'", '"', "x", "0", "&a", "*a"])
        )
        text = text[:start] + insert + text[end:]
    _parse_or_scenario_error(text)


_keys = st.sampled_from(
    sorted(
        {*loader.SCENARIO_KEYS, *loader.ALERT_KEYS, *loader.NOTIFICATION_KEYS, *loader.PANEL_KEYS}
        | {*loader.SILENCE_KEYS, *loader.PUSH_KEYS, *loader.FILE_KEYS, "other"}
    )
)
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=8),
    st.sampled_from(["1x3", "5m", "up", 'up{a="b"}', "auto", "a=b", "_ stale"]),
)  # fmt: skip
_structures = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_keys, children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_keys, _structures, max_size=8))
def test_well_formed_yaml_of_the_wrong_shape_never_raises_anything_but_scenario_error(document: dict) -> None:
    _parse_or_scenario_error(yaml.safe_dump(document))
