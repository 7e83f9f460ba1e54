"""Every alerting rule → a (firing, silent) pair of synthetic series, verified with promtool.

Per rule: the shape (``shapes``), parameters that fire it and ones just short of it (``solve``),
concrete series (``series``), then promtool on the rule files under test (``verify``): the firing
series must fire this very rule at ``fires_within``, the silent ones must never fire it. A pair
that misbehaves is tried again with other margins (see ``MARGINS``); one that never behaves is
kept with ``verified=False`` and the problem (never written). The unit tests written for a
verified pair are run once more exactly as written before the pair counts as verified.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from validation.core.alert_rules import AlertRule, load_alert_rules
from validation.core.durations import parse_duration_seconds
from validation.core.errors import StackcheckError
from validation.core.yamlload import load_yaml
from validation.generate.series import Timing, input_series, timing
from validation.generate.shapes import Shape, Unhandled, build_shape
from validation.generate.solve import Unsolved, solve
from validation.generate.verify import Alert, Outcome, Probe, duration, run_files, test_file
from validation.routing.config import AlertmanagerConfig
from validation.timescale.promql import uncompressible_reasons

# (past the threshold when firing, short of it when silent): a comfortable firing margin first (a live
# run's scrape jitter must not drop the value back for the whole `for`), then narrower ones (ratios
# near 1 cannot go 10 % past), then a wide one
MARGINS = ((0.1, 0.05), (0.05, 0.05), (0.01, 0.01), (0.2, 0.2))
_TEMPLATE_LABEL = re.compile(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)|\$labels\s*\"([a-zA-Z_][a-zA-Z0-9_]*)\"")


@dataclass(frozen=True)
class RuleRef:
    """An alerting rule by place: file (relative to the repository when inside it), group, index."""

    file: str
    group: str
    index: int
    name: str
    line: int = 0

    def describe(self) -> str:
        return f"{self.name} ({self.file}:{self.line}, group {self.group} rule {self.index})"


class UnhandledRule(NamedTuple):
    rule: RuleRef
    reason: str


@dataclass
class Pair:
    """A rule's generated firing and silent series; ``verified`` only when promtool agreed."""

    rule: RuleRef
    firing: list[dict[str, str]]
    silent: list[dict[str, str]]
    verified: bool
    condition: str = ""  # the condition the silent series stop just short of
    timing: Timing | None = None
    fired: list[Alert] = field(default_factory=list)  # this rule's alerts at fires_within (promtool)
    receivers: list[str] = field(default_factory=list)  # where the routing tree sends them today
    inhibited_by: str = ""
    problem: str = ""
    unit_tests: list[dict[str, Any]] = field(default_factory=list)  # promtool test groups
    margin: float = 0.0
    templates: dict[tuple[str, str], str] = field(default_factory=dict)  # ("label"|"annotation", key)

    @property
    def live(self) -> bool:
        """Whether a live run can tell this alert is its scenario's: it carries instance or node
        (an aggregated alert does not; its pair is written as a promtool unit test only)."""
        return any(self.fired) and any(k in self.fired[0].labels for k in ("instance", "node"))


@dataclass
class GenerationReport:
    root: Path
    rule_files: list[Path]
    evaluation_interval: float
    pairs: list[Pair] = field(default_factory=list)
    unhandled: list[UnhandledRule] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.pairs) + len(self.unhandled)

    @property
    def verified(self) -> list[Pair]:
        return [p for p in self.pairs if p.verified]

    def summary(self) -> str:
        total = self.total
        ok = len(self.verified)
        share = f" ({100 * ok / total:.0f} %)" if total else ""
        lines = [
            f"generated scenarios: {ok} of {total} alerting rules have a verified firing + silent pair{share}"
        ]
        for pair in self.pairs:
            if not pair.verified:
                lines.append(f"  not verified, not written: {pair.rule.describe()}: {pair.problem}")
            elif not pair.live:
                lines.append(
                    f"  unit test only: {pair.rule.describe()}: the alert carries no instance or node label, "
                    "which a run needs to tell it is a scenario's (an aggregation): write its scenario by hand"
                )
        for item in self.unhandled:
            lines.append(f"  not generated: {item.rule.describe()}: {item.reason}")
        if ok:
            lines.append(
                "  review them: they are derived from the rules under test, so they prove the pipeline "
                "but cannot catch a wrong threshold"
            )
        return "\n".join(lines)

    def shapes_not_handled(self) -> Counter[str]:
        """Reasons (their first clause) with counts: what the generator does not model yet."""
        reasons = [u.reason.split(":")[0] for u in self.unhandled]
        reasons += ["not verified: " + (p.problem.split(":")[0]) for p in self.pairs if not p.verified]
        return Counter(reasons)


@dataclass
class _Rule:
    ref: RuleRef
    alert: AlertRule
    expr: str
    evaluation: float
    raw: dict[str, Any] = field(default_factory=dict)  # the rule as written
    group_interval: str = ""
    shape: Shape | None = None
    times: Timing | None = None
    problem: str = ""


def generate_for_rules(
    rule_files: Sequence[Path],
    promtool: str,
    *,
    root: Path | None = None,
    evaluation_interval: float = 60.0,
    routing: AlertmanagerConfig | None = None,
    external_labels: Mapping[str, str] | None = None,
) -> GenerationReport:
    """The pairs for every alerting rule of ``rule_files`` (absolute paths)."""
    files = [Path(p).resolve() for p in rule_files]
    report = GenerationReport(root or Path.cwd(), files, evaluation_interval)
    rules, recordings, raw_recordings = _load(files, root, evaluation_interval)
    alertnames = sorted({r.ref.name for r in rules})
    pending: list[_Rule] = []
    for rule in rules:
        reasons = uncompressible_reasons(rule.expr)
        if reasons:
            report.unhandled.append(UnhandledRule(rule.ref, "cannot be compressed: " + "; ".join(reasons)))
            continue
        try:
            rule.shape = build_shape(
                rule.expr,
                recordings,
                place=f"{rule.ref.file}:{rule.ref.line}",
                template_labels=_template_labels(rule.alert),
            )
        except Unhandled as exc:
            report.unhandled.append(UnhandledRule(rule.ref, str(exc)))
            continue
        except StackcheckError as exc:
            report.unhandled.append(UnhandledRule(rule.ref, f"expression does not parse: {exc}"))
            continue
        rule.times = timing(rule.shape, rule.alert.for_seconds, rule.evaluation)
        pending.append(rule)

    done: dict[int, Pair] = {}
    last_try: dict[int, Pair] = {}
    unsolved: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="stackcheck-generate-rules-") as tmp:
        minimal = {id(r): _minimal_rule_file(r, raw_recordings, Path(tmp)) for r in pending}
        for margin in MARGINS:
            attempts: list[tuple[_Rule, Pair, Probe, Probe]] = []
            for rule in pending:
                if id(rule) in done:
                    continue
                assert rule.shape is not None and rule.times is not None
                try:
                    solution = solve(rule.shape, margin[0], rule.times.interval, short_margin=margin[1])
                except Unsolved as exc:
                    unsolved.setdefault(id(rule), str(exc))
                    continue
                unsolved.pop(id(rule), None)
                firing = input_series(rule.shape, solution.firing, rule.times)
                silent = input_series(rule.shape, solution.silent, rule.times, silent=True)
                pair = Pair(rule.ref, firing, silent, False, solution.primary, rule.times, margin=margin[0])
                fire_probe = Probe(firing, [rule.ref.name], [rule.times.fires_within], rule.times.interval)
                silent_probe = Probe(silent, [rule.ref.name], rule.times.silent_checks(), rule.times.interval)
                attempts.append((rule, pair, fire_probe, silent_probe))
            if not attempts:
                continue
            contents = []
            for rule, _, fire_probe, silent_probe in attempts:
                contents.append(
                    test_file([minimal[id(rule)]], evaluation_interval, [fire_probe.test_group()])
                )
                contents.append(
                    test_file([minimal[id(rule)]], evaluation_interval, [silent_probe.test_group()])
                )
            outcomes = run_files(contents, promtool)
            for n, (rule, pair, _, silent_probe) in enumerate(attempts):
                if _judge(rule, pair, outcomes[2 * n], outcomes[2 * n + 1], silent_probe, None, {}, True):
                    done[id(rule)] = pair
                else:
                    last_try[id(rule)] = pair

    def confirm(rules: list[_Rule], *, last: bool, keep_failures: bool = False) -> list[_Rule]:
        return _confirm(
            rules, done, last_try, files, alertnames, evaluation_interval, promtool, routing,
            external_labels or {}, last=last, keep_failures=keep_failures,
        )  # fmt: skip

    _narrower(confirm(pending, last=False), done, confirm)
    _finish(report, pending, done, last_try, unsolved, files, evaluation_interval, promtool)
    return report


def _confirm(
    candidates: list[_Rule],
    done: dict[int, Pair],
    last_try: dict[int, Pair],
    files: list[Path],
    alertnames: list[str],
    evaluation: float,
    promtool: str,
    routing: AlertmanagerConfig | None,
    external: Mapping[str, str],
    *,
    last: bool = True,
    keep_failures: bool = False,
) -> list[_Rule]:
    """The pairs found, probed again with every rule file under test: every alert the firing series
    fire (for inhibition and the exact unit test), routing, and the silent series once more.
    Unless ``last``, a pair whose alert another alert of its series inhibits is taken out of
    ``done`` and its rule returned (to be tried at a narrower margin); with ``keep_failures`` any
    pair promtool does not confirm is returned so (the caller falls back to a wider one)."""
    rules = [r for r in candidates if id(r) in done]
    inhibited: list[_Rule] = []
    probes: list[tuple[Probe, Probe]] = []
    contents = []
    for rule in rules:
        pair = done[id(rule)]
        assert pair.timing is not None
        fire_probe = Probe(pair.firing, alertnames, [pair.timing.fires_within], pair.timing.interval)
        silent_probe = Probe(
            pair.silent, [rule.ref.name], [pair.timing.fires_within, pair.timing.end], pair.timing.interval
        )
        probes.append((fire_probe, silent_probe))
        contents.append(test_file(files, evaluation, [fire_probe.test_group()]))
        contents.append(test_file(files, evaluation, [silent_probe.test_group()]))
    outcomes = run_files(contents, promtool) if contents else []
    for n, rule in enumerate(rules):
        pair = done[id(rule)]
        if not _judge(
            rule, pair, outcomes[2 * n], outcomes[2 * n + 1], probes[n][1], routing, external, last
        ):
            if (pair.inhibited_by and not last) or keep_failures:
                done.pop(id(rule))
                inhibited.append(rule)
                continue
            pair.problem = "with every rule file loaded: " + pair.problem
            last_try[id(rule)] = done.pop(id(rule))
    return inhibited


def _narrower(inhibited: list[_Rule], done: dict[int, Pair], confirm: Callable[..., list[_Rule]]) -> None:
    """Alerts their own series also inhibit (a warning tier muted by the critical one the same
    values fire): tried again at narrower margins; the widest pair, its inhibition noted, otherwise."""
    remaining = list(inhibited)
    for fire_margin, short_margin in MARGINS[1:3]:
        tried = [r for r in remaining if _solve_into(done, r, fire_margin, short_margin)]
        failed = confirm(tried, last=False, keep_failures=True)
        remaining = failed + [r for r in remaining if r not in tried]
        if not remaining:
            return
    for rule in remaining:
        _solve_into(done, rule, *MARGINS[0])
    confirm(remaining, last=True)


def _solve_into(done: dict[int, Pair], rule: _Rule, fire_margin: float, short_margin: float) -> bool:
    assert rule.shape is not None and rule.times is not None
    try:
        solution = solve(rule.shape, fire_margin, rule.times.interval, short_margin=short_margin)
    except Unsolved:
        return False
    firing = input_series(rule.shape, solution.firing, rule.times)
    silent = input_series(rule.shape, solution.silent, rule.times, silent=True)
    done[id(rule)] = Pair(rule.ref, firing, silent, False, solution.primary, rule.times, margin=fire_margin)
    return True


def _finish(
    report: GenerationReport,
    pending: list[_Rule],
    done: dict[int, Pair],
    last_try: dict[int, Pair],
    unsolved: dict[int, str],
    files: list[Path],
    evaluation: float,
    promtool: str,
) -> None:
    """Run the unit tests exactly as they will be written; keep the report in rule order."""
    finals = [done[id(r)] for r in pending if id(r) in done]
    contents = [test_file(files, evaluation, pair.unit_tests) for pair in finals]
    outcomes = run_files(contents, promtool) if contents else []
    for pair, outcome in zip(finals, outcomes, strict=True):
        pair.verified = outcome.passed
        if not outcome.passed:
            pair.problem = "the unit test written from promtool's own output did not pass: " + (
                outcome.error or "see promtool test rules"
            )
    for rule in pending:
        if id(rule) in done:
            report.pairs.append(done[id(rule)])
        elif id(rule) in last_try:
            pair = last_try[id(rule)]
            pair.verified = False
            report.pairs.append(pair)
        else:
            report.unhandled.append(UnhandledRule(rule.ref, unsolved.get(id(rule), "no candidate found")))
    order = {r.ref: i for i, r in enumerate(pending)}
    report.pairs.sort(key=lambda p: order.get(p.rule, 0))


def _judge(
    rule: _Rule,
    pair: Pair,
    fire_out: Outcome,
    silent_out: Outcome,
    silent_probe: Probe,
    routing: AlertmanagerConfig | None,
    external: Mapping[str, str],
    last: bool,
) -> bool:
    """Whether promtool agrees with the candidate; fills ``pair`` (alerts, receivers, unit tests)."""
    assert pair.timing is not None
    at = pair.timing.fires_within
    name = rule.ref.name
    if fire_out.error and not fire_out.alerts:
        pair.problem = f"promtool: {fire_out.error}"
        return False
    everything = fire_out.firing(name, at)
    fired = [a for a in everything if rule.alert.produced(a.labels, a.annotations)]
    if not fired:
        pair.problem = f"the firing series did not fire it by {duration(at)} (promtool)"
        return False
    fired_late = [
        t
        for t in silent_probe.times
        if any(rule.alert.produced(a.labels, a.annotations) for a in silent_out.firing(name, t))
    ]
    if fired_late:
        pair.problem = f"the silent series fired it at {duration(fired_late[0])} (promtool)"
        return False
    pair.fired = fired
    pair.templates = {("label", k): v for k, v in rule.alert.labels.items()}
    pair.templates.update({("annotation", k): v for k, v in rule.alert.annotations.items()})
    if routing is not None:
        others: list[Mapping[str, str]] = [
            {**external, **a.labels}
            for (alertname, t), alerts in fire_out.alerts.items()
            if t == at
            for a in alerts
            if not (alertname == name and a in fired)
        ]
        target = {**external, **fired[0].labels}
        from validation.routing.inhibition import inhibiting_rule

        muting = inhibiting_rule(target, others, routing.inhibit_rules)
        if muting is not None:
            pair.inhibited_by = muting.describe()
            if not last:
                pair.problem = f"inhibited by {pair.inhibited_by} (another alert the series fire)"
                return False
        pair.receivers = list(
            dict.fromkeys(r for r in routing.receivers_for(target) if r in routing.real_receivers)
        )
    silent_times = [t for t in (at, pair.timing.end)]
    pair.unit_tests = [
        {
            "interval": duration(pair.timing.interval),
            "input_series": pair.firing,
            "alert_rule_test": [
                {
                    "eval_time": duration(at),
                    "alertname": name,
                    "exp_alerts": [_exp(a) for a in everything],
                }
            ],
        },
        {
            "interval": duration(pair.timing.interval),
            "input_series": pair.silent,
            "alert_rule_test": [
                {
                    "eval_time": duration(t),
                    "alertname": name,
                    "exp_alerts": [_exp(a) for a in silent_out.firing(name, t)],
                }
                for t in silent_times
            ],
        },
    ]
    return True


def _exp(alert: Alert) -> dict[str, Any]:
    out: dict[str, Any] = {"exp_labels": {k: v for k, v in alert.labels.items() if k != "alertname"}}
    if alert.annotations:
        out["exp_annotations"] = dict(alert.annotations)
    return out


def _template_labels(rule: AlertRule) -> set[str]:
    names: set[str] = set()
    for text in (*rule.labels.values(), *rule.annotations.values()):
        for match in _TEMPLATE_LABEL.finditer(text):
            names.add(match.group(1) or match.group(2))
    return names


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def _minimal_rule_file(rule: _Rule, raw_recordings: Mapping[str, dict[str, Any]], folder: Path) -> Path:
    """A rule file with only this alert and the recording rules it reads (dependencies first): the
    search probes evaluate one rule, not the whole collection."""
    assert rule.shape is not None
    group: dict[str, Any] = {"name": rule.ref.group or "generated"}
    if rule.group_interval:
        group["interval"] = rule.group_interval
    group["rules"] = [raw_recordings[name] for name in rule.shape.recorded if name in raw_recordings] + [
        rule.raw
    ]
    path = folder / f"rule-{len(list(folder.iterdir()))}.rules.yml"
    path.write_text(
        yaml.safe_dump({"groups": [group]}, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return path


def _load(
    files: list[Path], root: Path | None, evaluation: float
) -> tuple[list[_Rule], dict[str, str], dict[str, dict[str, Any]]]:
    alerts = {(a.file, a.group, a.index): a for a in load_alert_rules(files, root)}
    rules: list[_Rule] = []
    recordings: dict[str, str] = {}
    raw_recordings: dict[str, dict[str, Any]] = {}
    for path in files:
        name = str(path.relative_to(root)) if root is not None and path.is_relative_to(root) else str(path)
        data = load_yaml(path) or {}
        for group in data.get("groups") or []:
            interval = evaluation
            if group.get("interval"):
                interval = parse_duration_seconds(group["interval"], place=f"{name}")
            for index, rule in enumerate(group.get("rules") or []):
                if "record" in rule:
                    recordings.setdefault(str(rule["record"]), str(rule.get("expr", "")))
                    raw_recordings.setdefault(str(rule["record"]), _plain(rule))
                    continue
                alert = alerts.get((name, str(group.get("name", "")), index))
                if alert is None:
                    continue
                ref = RuleRef(alert.file, alert.group, alert.index, alert.name, alert.line)
                raw = _plain(rule)
                rules.append(
                    _Rule(
                        ref, alert, str(rule.get("expr", "")), interval, raw, str(group.get("interval") or "")
                    )
                )
    return rules, recordings, raw_recordings
