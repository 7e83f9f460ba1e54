"""Route test cases: ``stackcheck routes FILE`` checks label sets against expected receivers.

A cases file is a YAML list; each item has ``labels`` (a map of label name to string) and
``receivers`` (the expected receiver names, in Alertmanager's delivery order, duplicates kept —
exactly what ``amtool config routes test`` prints), and optionally ``name`` and ``why``::

    - name: gpu memory pages ML on-call
      why: critical ML alerts must reach the ML pager and the archive
      labels: {alertname: GpuMemoryExhausted, severity: critical, team: ml}
      receivers: [webhook-archive, ml-oncall-critical]

Unknown keys, non-string label values (integers are accepted and converted) and invalid label names
are ``HarnessError``s with file:line (exit 2); a broken alertmanager.yml is a ``ConfigError`` (exit 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.core.errors import HarnessError, split_place
from validation.core.results import CheckResult
from validation.core.yamlload import line_of, load_yaml
from validation.routing.config import AlertmanagerConfig, load_alertmanager_config
from validation.routing.matchers import LABEL_NAME

CASE_KEYS = {"name", "why", "labels", "receivers"}


@dataclass(frozen=True)
class RoutesCase:
    labels: dict[str, str]
    receivers: list[str]
    name: str = ""
    place: str = ""


@dataclass
class CaseResult:
    case: RoutesCase
    got: list[str]

    @property
    def passed(self) -> bool:
        return self.got == self.case.receivers

    @property
    def diff(self) -> str:
        """Unified diff of expected vs got receivers, one per line; empty when they agree."""
        if self.passed:
            return ""
        lines = difflib.unified_diff(
            self.case.receivers, self.got, "expected", "got", lineterm="", n=len(self.got)
        )
        return "\n".join(lines)


@dataclass
class RoutesOutcome:
    config: str
    cases_file: str
    results: list[CaseResult] = field(default_factory=list)
    defined_receivers: set[str] = field(default_factory=set)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def ok(self) -> bool:
        return not self.failed


def load_cases(path: Path) -> list[RoutesCase]:
    data = load_yaml(path, error=HarnessError)
    source = str(path)
    if not isinstance(data, list):
        raise HarnessError(
            "a routes cases file must be a YAML list of cases",
            place=f"{source}:{line_of(data) or 1}",
            hint="write '- labels: {...}\\n  receivers: [...]' items",
        )
    return [_case(item, source) for item in data]


def _case(item: Any, source: str) -> RoutesCase:
    def fail(key: str | None, what: str, hint: str) -> HarnessError:
        return HarnessError(what, place=f"{source}:{line_of(item, key)}", hint=hint)

    if not isinstance(item, Mapping):
        raise fail(None, "a case must be a mapping", "give each case 'labels' and 'receivers'")
    unknown = sorted(set(item) - CASE_KEYS)
    if unknown:
        raise fail(
            unknown[0], f"unknown key {unknown[0]!r} in case", f"allowed keys: {', '.join(sorted(CASE_KEYS))}"
        )
    for key in ("labels", "receivers"):
        if key not in item:
            raise fail(None, f"case has no {key!r}", "every case needs 'labels' and 'receivers'")
    labels = item["labels"]
    if not isinstance(labels, Mapping):
        raise fail(
            "labels", "'labels' must be a mapping of label name to value", "write labels: {name: value}"
        )
    for name, value in labels.items():
        if not isinstance(name, str) or not LABEL_NAME.match(name):
            raise fail("labels", f"invalid label name {name!r}", "label names match [a-zA-Z_][a-zA-Z0-9_]*")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise fail("labels", f"label {name!r} has a non-string value {value!r}", "quote the value")
    receivers = item["receivers"]
    if not isinstance(receivers, list) or not all(isinstance(r, str) and r for r in receivers):
        raise fail(
            "receivers", "'receivers' must be a list of receiver names", "write receivers: [name, ...]"
        )
    name = item.get("name", "")
    if not isinstance(name, str):
        raise fail("name", "'name' must be a string", "quote the name")
    place = f"{source}:{line_of(item)}"
    return RoutesCase({k: str(v) for k, v in labels.items()}, list(receivers), name, place)


def run_cases(config: AlertmanagerConfig, cases: list[RoutesCase], *, cases_file: str = "") -> RoutesOutcome:
    outcome = RoutesOutcome(config.source, cases_file, defined_receivers=set(config.receivers))
    for case in cases:
        outcome.results.append(CaseResult(case, config.receivers_for(case.labels)))
    return outcome


def run_routes_cases(alertmanager_yml: Path, cases_file: Path) -> RoutesOutcome:
    """Load both files and evaluate every case; see the module docstring for the errors raised."""
    cases = load_cases(cases_file)
    return run_cases(load_alertmanager_config(alertmanager_yml), cases, cases_file=str(cases_file))


def _labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def format_outcome(outcome: RoutesOutcome) -> str:
    """Human report: one block per failed case (place, labels, diff), then a summary line."""
    lines: list[str] = []
    for result in outcome.failed:
        case = result.case
        title = f" ({case.name})" if case.name else ""
        lines.append(f"FAILED {case.place}{title}")
        lines.append(f"  labels: {_labels_text(case.labels)}")
        lines.append(f"  exp: {case.receivers}")
        lines.append(f"  got: {result.got}")
        lines.extend(f"    {line}" for line in result.diff.splitlines())
        undefined = sorted(set(case.receivers) - outcome.defined_receivers)
        if undefined:
            lines.append(f"  hint: {', '.join(undefined)} not defined in {outcome.config} (renamed?)")
    total, failed = len(outcome.results), len(outcome.failed)
    verdict = "SUCCESS" if not failed else "FAILED"
    lines.append(
        f"{verdict}: {total - failed}/{total} route cases passed ({outcome.cases_file} on {outcome.config})"
    )
    return "\n".join(lines)


def check_results(outcome: RoutesOutcome) -> list[CheckResult]:
    """One ``routes/<cases file stem>/<case>`` static check per case, for results.json."""
    stem = Path(outcome.cases_file).stem or "cases"
    checks = []
    for index, result in enumerate(outcome.results, 1):
        case_id = result.case.name or str(index)
        message = (
            ""
            if result.passed
            else (
                f"{result.case.place}: exp: {result.case.receivers} got: {result.got}. "
                "Hint: fix the route tree or the expectation"
            )
        )
        check = CheckResult(
            f"routes/{stem}/{case_id}", "static", "passed" if result.passed else "failed", 0.0, message
        )
        if not result.passed:
            check.file, check.line = split_place(result.case.place)
        checks.append(check)
    return checks
