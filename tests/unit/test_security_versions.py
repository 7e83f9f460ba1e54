"""Version ranges, Debian ordering and the advisories data file (no stack)."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REPO
from validation.checks.base import CheckContext
from validation.checks.security.advisories import AdvisoriesCheck, Advisory, load_advisories
from validation.checks.security.versions import debian_compare, debian_upstream, in_range
from validation.core.project import Project
from validation.core.results import Report

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("version", "spec", "inside"),
    [
        ("0.25.0", "<0.25.1", True),
        ("0.25.1", "<0.25.1", False),
        ("2.42.0", ">=2.24.0,<2.40.4", False),
        ("2.40.3", ">=2.24.0,<2.40.4", True),
        ("2.23.9", ">=2.24.0,<2.40.4", False),
        ("v1.5", ">=1.5.0", True),
        ("11.0.5+security-01", ">=11.0.0,<11.0.6", True),
    ],
)
def test_ranges_compare_numerically(version: str, spec: str, inside: bool) -> None:
    assert in_range(version, spec) is inside


@pytest.mark.parametrize(
    ("a", "b", "order"),
    [
        ("0.25.0-1", "0.25.0-1+deb12u1", -1),
        ("0.25.0-1+b4", "0.25.0-1", 1),
        ("1.0~rc1-1", "1.0-1", -1),
        ("1:0.1-1", "2.0-1", 1),
        ("2.42.0+ds-5+deb12u1", "2.42.0+ds-5+deb12u1", 0),
        ("1.10-1", "1.9-1", 1),
    ],
)
def test_debian_versions_order_as_dpkg_does(a: str, b: str, order: int) -> None:
    assert debian_compare(a, b) == order
    assert debian_compare(b, a) == -order


VERSION = st.from_regex(
    r"([1-9]:)?[0-9]{1,2}(\.[0-9]{1,2}){0,2}(~rc[0-9])?(\+ds)?-[0-9](\+b[0-9]|\+deb12u[0-9])?", fullmatch=True
)


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg to compare with")
@settings(deadline=None)  # two dpkg processes per example: a busy machine is no failure
@given(VERSION, VERSION)
def test_debian_ordering_agrees_with_dpkg(a: str, b: str) -> None:
    def dpkg(op: str) -> bool:
        return subprocess.run(["dpkg", "--compare-versions", a, op, b], check=False).returncode == 0

    expected = -1 if dpkg("lt") else (1 if dpkg("gt") else 0)
    assert debian_compare(a, b) == expected


def test_a_debian_backport_is_not_a_hit_but_the_same_upstream_without_it_is() -> None:
    advisory = Advisory("CVE-X", "alertmanager", "", ("<0.25.1",), ("0.25.1",), ("0.25.0-1+deb12u1",))
    assert advisory.affects("0.25.0")
    assert advisory.affects("0.25.0", debian="0.25.0-1+b4")
    assert not advisory.affects("0.25.0", debian="0.25.0-1+deb12u1")
    assert not advisory.affects("0.25.0", debian="0.25.0-1+deb12u2")
    assert not advisory.affects("0.25.1")
    assert debian_upstream("2.42.0+ds-5+deb12u1") == "2.42.0"


def test_every_advisory_in_the_data_file_is_complete_and_unique() -> None:
    advisories = load_advisories()
    assert len(advisories) >= 5
    keys = [(a.component, a.id) for a in advisories]
    assert len(keys) == len(set(keys))
    for advisory in advisories:
        assert advisory.fixed and advisory.source and advisory.affected
        for fixed in advisory.fixed:  # the fixed release itself is outside every range
            assert not advisory.affects(fixed), (advisory.id, fixed)


def _advisory_report(root: Path) -> dict[str, tuple[str, str]]:
    report = Report()
    AdvisoriesCheck().run(CheckContext(Project.load(root), root), report)
    return {c.id: (c.status, c.message) for c in report.checks}


def test_the_pinned_alertmanager_hits_cve_2023_40577_with_a_stable_id_and_the_fixed_version() -> None:
    checks = _advisory_report(REPO)
    status, message = checks["security/advisories/alertmanager/CVE-2023-40577"]
    assert status == "failed" and "fixed in 0.25.1" in message and "0.25.0" in message
    assert {s for i, (s, _) in checks.items() if "CVE-2023-40577" not in i} == {"passed"}


def test_an_upgraded_pin_clears_the_hit(stack_copy: Path) -> None:
    stack_yaml = stack_copy / "stack/stack.yaml"
    stack_yaml.write_text(stack_yaml.read_text().replace("version: 0.25.0", "version: 0.26.0"))
    status, message = _advisory_report(stack_copy)["security/advisories/alertmanager/CVE-2023-40577"]
    assert status == "passed" and "0.26.0" in message


def test_the_reference_waiver_matches_the_advisory_id_and_states_a_reason() -> None:
    waivers = yaml.safe_load((REPO / ".stackcheck-waivers.yml").read_text())["waivers"]
    matching = [
        w for w in waivers if fnmatch.fnmatchcase("security/advisories/alertmanager/CVE-2023-40577", w["id"])
    ]
    assert len(matching) == 1 and "Debian" in matching[0]["reason"]
