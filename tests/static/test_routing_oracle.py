"""Oracle: stackcheck's routing evaluation agrees with the real ``amtool config routes test`` (0.25).

Compared over hypothesis-generated label sets on (a) generated route trees and a hand-written tree
with nesting, continue, regex and legacy matchers, (b) the reference stack/alertmanager/alertmanager.yml,
and (c) a table of Go regexes whose semantics differ from Python's. Each hypothesis example is a batch
of label sets sent to amtool concurrently (amtool takes one label set per call, ~10 ms).
"""

from __future__ import annotations

import os
import re
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from validation.routing.amtool import amtool_receivers_many, find_amtool
from validation.routing.config import load_alertmanager_config, parse_alertmanager_config
from validation.routing.properties import candidate_values, example_label_sets

pytestmark = pytest.mark.static

REFERENCE = Path(__file__).resolve().parents[2] / "stack" / "alertmanager" / "alertmanager.yml"
AMTOOL = find_amtool()


@pytest.fixture(scope="module", autouse=True)
def _require_amtool() -> None:
    if AMTOOL is None:
        reason = "amtool not on PATH (Debian package prometheus-alertmanager)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must provide it")
        pytest.skip(reason)


# argv cannot carry NUL or lone surrogates; everything else (unicode, newlines, quotes) is fair game.
safe_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
# No shrinking: every shrink step costs a batch of amtool calls; the failure message shows the mismatches.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
BATCH = settings(
    max_examples=4, deadline=None, phases=NO_SHRINK, suppress_health_check=[HealthCheck.too_slow]
)


def label_sets(names: list[str], values: list[str]) -> st.SearchStrategy[dict[str, str]]:
    value = (
        st.sampled_from(values)
        | safe_text
        | st.builds(lambda c, n: c * n, st.sampled_from("aé≠"), st.integers(200, 2000))
    )
    name = st.sampled_from(names) | st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,8}", fullmatch=True)
    return st.dictionaries(name, value, max_size=6)


def assert_agrees(config_file: Path, batch: list[dict[str, str]]) -> None:
    """Ours and amtool's receivers are identical (order and duplicates included) for every label set."""
    config = load_alertmanager_config(config_file)
    got = amtool_receivers_many(config_file, batch, amtool=AMTOOL)
    mismatches = [
        (labels, expected, ours)
        for labels, expected in zip(batch, got, strict=True)
        if (ours := config.receivers_for(labels)) != expected
    ]
    assert not mismatches, (
        f"amtool vs stackcheck on {config_file}:\n{config_file.read_text(encoding='utf-8')}\n(labels, amtool, ours):\n"
        + "\n".join(map(repr, mismatches[:5]))
    )


HANDWRITTEN = textwrap.dedent(
    r"""
    route:
      receiver: root
      routes:
        - receiver: archive
          continue: true
        - receiver: crit
          matchers: ['severity="critical"']
          routes:
            - receiver: crit-ml
              matchers: ['team=~"ml|ml-platform"', 'node!~"gpu-node-(1|2)"']
            - receiver: crit-gpu
              match_re: {alertname: "Gpu.*|Nvidia.+"}
              continue: true
            - receiver: crit-any-node
              matchers: [node=~".+"]
        - receiver: warn
          match: {severity: warning}
          routes:
            - {receiver: warn-unicode, matchers: ['team="données é"']}
            - {receiver: warn-ci, matchers: ['alertname=~"(?i)disk.*"']}
            - {receiver: warn-digits, matchers: ['code=~"\\d{3}"']}
        - receiver: no-team
          matchers: [team=""]
          continue: true
        - receiver: quoted
          matchers: ['summary="say \"hi\", then, go"']
    receivers:
      - {name: root}
      - {name: archive}
      - {name: crit}
      - {name: crit-ml}
      - {name: crit-gpu}
      - {name: crit-any-node}
      - {name: warn}
      - {name: warn-unicode}
      - {name: warn-ci}
      - {name: warn-digits}
      - {name: no-team}
      - {name: quoted}
    """
)


@pytest.fixture(scope="module")
def handwritten_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("routing") / "alertmanager.yml"
    path.write_text(HANDWRITTEN, encoding="utf-8")
    return path


HANDWRITTEN_CONFIG = parse_alertmanager_config(HANDWRITTEN)
HW_NAMES = [*sorted(candidate_values(HANDWRITTEN_CONFIG)), "code", "summary"]
HW_VALUES = [
    *sorted({v for vs in candidate_values(HANDWRITTEN_CONFIG).values() for v in vs}),
    "GpuHot", "NvidiaXid", "DISKFULL", "gpu-node-1", "gpu-node-3", "500", "\u0665\u0660\u0660", 'say "hi", then, go',
    "données é",
]  # fmt: skip


def test_handwritten_tree_derived_examples_agree_with_amtool(handwritten_file: Path) -> None:
    assert_agrees(handwritten_file, example_label_sets(HANDWRITTEN_CONFIG))


@BATCH
@given(batch=st.lists(label_sets(HW_NAMES, HW_VALUES), min_size=40, max_size=40))
def test_handwritten_tree_agrees_with_amtool(handwritten_file: Path, batch: list[dict[str, str]]) -> None:
    assert_agrees(handwritten_file, batch)


# --- (a) generated route trees ---------------------------------------------------------------------------
GEN_NAMES = ["severity", "team", "node"]
GEN_VALUES = ["critical", "warning", "ml", "infra", "", "gpu-7", "é"]
GEN_REGEXES = ["crit.*", "ml|infra", ".+", ".*", "(?i)WARN.*", "gpu-[0-9]+", "[^a]*", r"\w+", "é|e"]
RECEIVERS = [f"r{i}" for i in range(5)]


def _matcher(name: str, op: str, value: str, regex: str) -> str:
    return f'{name}{op}"{regex if "~" in op else value}"'


matcher_text = st.builds(
    _matcher,
    st.sampled_from(GEN_NAMES),
    st.sampled_from(["=", "!=", "=~", "!~"]),
    st.sampled_from(GEN_VALUES),
    st.sampled_from(GEN_REGEXES),
)


def _node(
    receiver: str | None, cont: bool, matchers: list[str], legacy: bool, routes: list[Any]
) -> dict[str, Any]:
    node: dict[str, Any] = {}
    if receiver:
        node["receiver"] = receiver
    if cont:
        node["continue"] = True
    if matchers and legacy:
        # Legacy form: the matcher's label name with a regex from the same vocabulary.
        node["match_re"] = {
            re.match(r"\w+", m).group(0): GEN_REGEXES[len(m) % len(GEN_REGEXES)] for m in matchers
        }  # type: ignore[union-attr]
    elif matchers:
        node["matchers"] = matchers
    if routes:
        node["routes"] = routes
    return node


def route_nodes(children: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        _node,
        st.none() | st.sampled_from(RECEIVERS),
        st.booleans(),
        st.lists(matcher_text, max_size=2),
        st.booleans(),
        children,
    )


route_trees = st.recursive(
    route_nodes(st.just([])), lambda inner: route_nodes(st.lists(inner, max_size=3)), max_leaves=10
).map(
    # The root has a receiver and neither matchers nor continue (Alertmanager rejects those).
    lambda root: {
        **{k: v for k, v in root.items() if k not in ("matchers", "match_re", "continue")},
        "receiver": "r0",
    }
)


@settings(max_examples=12, deadline=None, phases=NO_SHRINK, suppress_health_check=[HealthCheck.too_slow])
@given(tree=route_trees, batch=st.lists(label_sets(GEN_NAMES, GEN_VALUES), min_size=20, max_size=20))
def test_generated_route_trees_agree_with_amtool(tree: dict[str, Any], batch: list[dict[str, str]]) -> None:
    config = {"route": tree, "receivers": [{"name": r} for r in RECEIVERS]}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "alertmanager.yml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        assert_agrees(path, batch)


# --- (b) the reference stack ----------------------------------------------------------------------------
def _reference_or_skip() -> Path:
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} does not exist yet")
    return REFERENCE


def test_reference_derived_examples_agree_with_amtool() -> None:
    path = _reference_or_skip()
    assert_agrees(path, example_label_sets(load_alertmanager_config(path)))


REF_POOL = (
    candidate_values(load_alertmanager_config(REFERENCE))
    if REFERENCE.exists()
    else {"severity": ["critical"]}
)


@BATCH
@given(
    batch=st.lists(
        label_sets(sorted(REF_POOL), sorted({v for vs in REF_POOL.values() for v in vs})),
        min_size=40,
        max_size=40,
    )
)
def test_reference_config_agrees_with_amtool(batch: list[dict[str, str]]) -> None:
    assert_agrees(_reference_or_skip(), batch)


# --- (c) Go regex semantics through Alertmanager itself ------------------------------------------------
REGEXES = [
    "b", "a|b", "abc", "abc$", r"\d+", r"\w+", r"\s", r"x\b", "(?i)gpu", "a(?i)b|c", "(?i:a)b", "a.b", "(?s)a.b",
    "x{,2}", r"a\z", r"\Qa.b\E", r"\x{e9}", r"\101", "[[:upper:]]+", "[[:alpha:]]", "(?U)a+", "é+", "", "[]a]+",
    "a)|(b", "(?m)a$", "^*a", r"\12", "[a-]+", "(?i)é",
]  # fmt: skip
REGEX_VALUES = [
    "", "a", "b", "ab", "abc", "abc\n", "١٢٣", "123", "é", "É", "\u00a0", " ", "\v", "x", "GPU", "aB", "C", "Ab",
    "a\nb", "axb", "x{,2}", "a.b", "A", "ABC", "aaa", "éé", "]a", "axx", "xxb", "xbx", "a\n", "\n", "a-",
]  # fmt: skip


def test_go_regex_semantics_agree_with_amtool(tmp_path: Path) -> None:
    routes = [
        {"receiver": f"re{i}", "continue": True, "matchers": [f'v=~"{p.replace(chr(92), chr(92) * 2)}"']}
        for i, p in enumerate(REGEXES)
    ]
    config = {
        "route": {"receiver": "none", "routes": routes},
        "receivers": [{"name": "none"}] + [{"name": f"re{i}"} for i in range(len(REGEXES))],
    }
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    assert_agrees(path, [{"v": value} for value in REGEX_VALUES])
