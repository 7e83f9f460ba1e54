"""Route test cases: loading (strict, file:line), running, diff and formatting."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from validation.core.errors import ConfigError, HarnessError
from validation.routing.cases import check_results, format_outcome, run_routes_cases

pytestmark = pytest.mark.unit

CONFIG = textwrap.dedent(
    """
    route:
      receiver: default
      routes:
        - receiver: archive
          continue: true
        - receiver: pager
          matchers: [severity="critical"]
    receivers: [{name: default}, {name: archive}, {name: pager}]
    """
)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routes.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_passing_and_failing_cases_are_reported(tmp_path: Path, config_file: Path) -> None:
    cases = write(
        tmp_path,
        """
        - name: critical pages
          labels: {severity: critical}
          receivers: [archive, pager]
        - labels: {severity: warning, code: 500}
          receivers: [archive, pager]
        """,
    )
    outcome = run_routes_cases(config_file, cases)
    assert [r.passed for r in outcome.results] == [True, False]
    assert outcome.results[1].got == ["archive"]
    assert outcome.results[1].diff.splitlines() == [
        "--- expected",
        "+++ got",
        "@@ -1,2 +1 @@",
        " archive",
        "-pager",
    ]
    assert outcome.results[1].case.labels == {"severity": "warning", "code": "500"}
    assert not outcome.ok


def test_format_outcome_shows_place_labels_and_diff(tmp_path: Path, config_file: Path) -> None:
    cases = write(tmp_path, "- labels: {severity: info}\n  receivers: [pager]\n")
    text = format_outcome(run_routes_cases(config_file, cases))
    assert f"FAILED {cases}:1" in text
    assert 'labels: {severity="info"}' in text
    assert "-pager" in text and "+archive" in text
    assert text.endswith(f"FAILED: 0/1 route cases passed ({cases} on {config_file})")


def test_format_outcome_hints_at_undefined_receivers(tmp_path: Path, config_file: Path) -> None:
    cases = write(tmp_path, "- labels: {}\n  receivers: [archiv]\n")
    assert "hint: archiv not defined" in format_outcome(run_routes_cases(config_file, cases))


def test_all_passing_is_success(tmp_path: Path, config_file: Path) -> None:
    cases = write(tmp_path, "- labels: {}\n  receivers: [archive]\n")
    outcome = run_routes_cases(config_file, cases)
    assert outcome.ok and format_outcome(outcome).startswith("SUCCESS: 1/1")


def test_check_results_have_stable_ids(tmp_path: Path, config_file: Path) -> None:
    cases = write(
        tmp_path, "- name: all\n  labels: {}\n  receivers: [archive]\n- labels: {}\n  receivers: []\n"
    )
    checks = check_results(run_routes_cases(config_file, cases))
    assert [(c.id, c.status) for c in checks] == [
        ("routes/routes/all", "passed"),
        ("routes/routes/2", "failed"),
    ]
    assert "exp: []" in checks[1].message


MALFORMED = {
    "not a list": ("labels: {}\n", "must be a YAML list", 1),
    "unknown key": ("- labels: {}\n  receivers: []\n  reciever: x\n", "unknown key 'reciever'", 3),
    "missing receivers": ("- labels: {a: b}\n", "no 'receivers'", 1),
    "labels not a mapping": ("- labels: [a]\n  receivers: []\n", "must be a mapping", 1),
    "invalid label name": ("- receivers: []\n  labels: {bad-name: x}\n", "invalid label name", 2),
    "non-string label value": ("- receivers: []\n  labels: {a: [1]}\n", "non-string value", 2),
    "boolean label value": ("- receivers: []\n  labels: {a: true}\n", "non-string value", 2),
    "receivers not a list of names": ("- labels: {}\n  receivers: pager\n", "list of receiver names", 2),
    "YAML syntax error": ("- labels: {\n", "not valid YAML", 2),
}


@pytest.mark.parametrize(("text", "message", "line"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_cases_are_harness_errors_with_line(
    tmp_path: Path, config_file: Path, text: str, message: str, line: int
) -> None:
    cases = write(tmp_path, text)
    with pytest.raises(HarnessError, match=message) as info:
        run_routes_cases(config_file, cases)
    assert info.value.place.startswith(f"{cases}:{line}")


def test_missing_cases_file_is_a_harness_error(tmp_path: Path, config_file: Path) -> None:
    with pytest.raises(HarnessError, match="file not found"):
        run_routes_cases(config_file, tmp_path / "nope.yml")


def test_broken_alertmanager_config_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "alertmanager.yml"
    config.write_text("route: {receiver: ghost}\nreceivers: []\n", encoding="utf-8")
    cases = write(tmp_path, "- labels: {}\n  receivers: [ghost]\n")
    with pytest.raises(ConfigError, match="undefined receiver 'ghost'"):
        run_routes_cases(config, cases)
