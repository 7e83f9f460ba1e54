"""Which scenarios a run takes: pattern, name set, and the ones a time scale cannot carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from validation.core.errors import HarnessError
from validation.core.results import Report
from validation.scenarios.loader import load_scenarios
from validation.scenarios.selection import runnable_at, select_scenarios

pytestmark = pytest.mark.unit
SCENARIOS = load_scenarios(REPO / "fixtures/scenarios")


def test_a_pattern_and_a_name_set_both_narrow() -> None:
    memory = select_scenarios(SCENARIOS, "node-memory-*", None, Path("x"))
    assert memory and all(s.name.startswith("node-memory-") for s in memory)
    one = select_scenarios(SCENARIOS, "node-memory-*", {memory[0].name}, Path("x"))
    assert [s.name for s in one] == [memory[0].name]
    assert select_scenarios(SCENARIOS, "", None, Path("x")) == SCENARIOS


def test_a_pattern_matching_nothing_is_a_usage_error_naming_the_folder() -> None:
    with pytest.raises(HarnessError) as raised:
        select_scenarios(SCENARIOS, "no-such-*", None, Path("fixtures/scenarios"))
    assert raised.value.place == "fixtures/scenarios" and "no-such-*" in str(raised.value)


def test_a_scenario_naming_a_wall_clock_rule_is_skipped_with_the_command_unless_real_time() -> None:
    named = next(s for s in SCENARIOS if s.exp_alerts and not s.exp_alerts[0].absent)
    alert = named.exp_alerts[0].alertname
    report = Report()
    assert runnable_at([named], 60, {alert}, report) == []
    [skipped] = report.checks
    assert skipped.status == "skipped" and alert in skipped.message and "--time-scale 1" in skipped.message
    assert runnable_at([named], 1, {alert}, Report()) == [named]
    assert runnable_at([named], 60, set(), Report()) == [named]
