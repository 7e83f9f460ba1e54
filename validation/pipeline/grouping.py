"""Group scenarios by the (K, sampling) they can take, so each group runs on a stack of its own.

A run's wall time is its longest scenario's production span divided by K. One K for every
scenario ties the 4h30m of ``PrometheusTSDBCompactionsFailing`` to the 15s intervals of the
others; here each scenario takes the smallest K that fits ``budget_s`` of wall time:

- ``K_base`` = the production scrape interval / ``floor_s`` (60 for 15s at a 250ms floor), capped
  by ``--time-scale``: every interval is compressed exactly, the sampling is production's;
- ``K_base × m`` (m = 2, 10): ranges, ``for``, offsets, lookback and the Alertmanager timers
  are compressed by K, but scrape and evaluation intervals stay at the floor, so production time
  is sampled every ``m ×`` the production interval. Offered only while that sampling interval is
  at most half the lookback delta (an instant selector still sees two samples), never to a scenario
  that pushes to the Pushgateway (the oracle cannot model ``push_time_seconds``), and never below
  two evaluations per ``for`` of an alert a scenario expects pending (the observer must see it);
- a coarse group holds only scenarios for which the promtool oracle
  (``validation.timescale.sampling``) shows every rule keeps its verdicts at that sampling; a
  scenario it rejects moves to the next smaller K, down to ``K_base``, which needs no proof.

Nothing is dropped or shortened: every scenario runs whole, in exactly one group.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.pipeline.expectations import ScenarioState
from validation.pipeline.scope import Scope
from validation.pipeline.timing import Timing
from validation.scenarios.model import Scenario
from validation.timescale.sampling import (
    AnnotationCheck,
    Sampling,
    SamplingCase,
    SamplingDiff,
    ServedSeries,
    check_sampling,
)

MULTIPLES = (1, 2, 10)
"""Sampling intervals offered, in production intervals: few on purpose — every group is a stack of
its own, and on two cores a stack costs more than a few seconds of wall time."""
DEFAULT_FLOOR_S = 0.25
"""Wall seconds between two scrapes / evaluations that a shared 2-core machine sustains for
several stacks at once (measured: see docs/architecture.md, "Speed")."""
DEFAULT_BUDGET_S = 30.0
"""Wall seconds a scenario group should take; K grows until its longest scenario fits."""

Oracle = Callable[[list[Scenario], Sampling, float], list[SamplingDiff]]


@dataclass(frozen=True)
class GroupSpec:
    """How one group runs: compressed K times, sampled every ``sampling_s`` production seconds."""

    k: float
    sampling_s: float  # production seconds between two scrapes and between two evaluations
    exact: bool  # the production sampling: proven by the compression alone

    @property
    def name(self) -> str:
        return f"scenarios-k{self.k:g}"

    @property
    def interval_s(self) -> float:
        """Wall seconds between two scrapes / evaluations."""
        return self.sampling_s / self.k

    def describe(self) -> dict[str, Any]:
        """The group's K and intervals as results.json records them (``environment.groups``)."""
        return {
            "k": self.k,
            "scrape_interval_s": round(self.interval_s, 6),
            "evaluation_interval_s": round(self.interval_s, 6),
            "production_sampling_s": self.sampling_s,
            "exact_sampling": self.exact,
        }


@dataclass
class ScenarioGroup:
    spec: GroupSpec
    scenarios: list[Scenario] = field(default_factory=list)
    span_s: float = 0.0  # production seconds its longest scenario needs
    demoted: list[str] = field(default_factory=list)  # "scenario: why" of those the oracle refused

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class Plan:
    groups: list[ScenarioGroup]
    ladder: list[GroupSpec]
    notes: list[str] = field(default_factory=list)


def production_span(scenario: Scenario, timing: Timing, rule_for: dict[str, float]) -> float:
    """Production seconds the pipeline watches a scenario at ``timing``'s sampling."""
    unit = Timing(
        1, timing.scrape_interval, timing.evaluation_interval, timing.group_wait, timing.group_interval, 0
    )
    state = ScenarioState(scenario, 0.0, unit, rule_for)
    ends = [state.window_end + timing.group_interval] + [state.alert_deadline(a) for a in scenario.exp_alerts]
    return max(ends)


def ladder(production: Timing, cap: float, floor_s: float, lookback_s: float) -> list[GroupSpec]:
    """The (K, sampling) pairs a run may use, densest sampling first."""
    base_interval = min(production.scrape_interval, production.evaluation_interval)
    exact_k = base_interval / floor_s
    if cap <= exact_k:
        return [GroupSpec(cap, production.scrape_interval, True)]
    specs = [GroupSpec(exact_k, production.scrape_interval, True)]
    for m in MULTIPLES[1:]:
        k = exact_k * m
        if k <= cap and m * base_interval <= lookback_s / 2:
            specs.append(GroupSpec(k, m * base_interval, False))
    return specs


def _allowed(scenario: Scenario, spec: GroupSpec, rule_for: dict[str, float], production: Timing) -> bool:
    if spec.exact:
        return True
    if scenario.push_series:
        return False
    for exp in scenario.exp_alerts:
        want_pending = exp.pending if exp.pending is not None else rule_for.get(exp.alertname, 0) > 0
        if not exp.absent and want_pending and rule_for.get(exp.alertname, 0) < 2 * spec.sampling_s:
            return False
    return True


def group_timing(production: Timing, spec: GroupSpec) -> Timing:
    """The deadlines of a group: its K, and its sampling for the time a consequence needs."""
    if spec.exact:
        return Timing(
            spec.k,
            production.scrape_interval,
            production.evaluation_interval,
            production.group_wait,
            production.group_interval,
            production.slack,
        )
    return Timing(
        spec.k,
        spec.sampling_s,
        spec.sampling_s,
        production.group_wait,
        production.group_interval,
        production.slack,
    )


class Planner:
    """Chooses each scenario's group; ``initial`` needs no oracle, ``prove`` runs it.

    The stacks can start from ``initial``: a group's K and intervals never change, only its
    members — a scenario the oracle refuses moves to a smaller K.
    """

    def __init__(
        self,
        scenarios: Sequence[Scenario],
        rule_for: dict[str, float],
        production: Timing,
        oracle: Oracle,
        *,
        cap: float,
        floor_s: float = DEFAULT_FLOOR_S,
        budget_s: float = DEFAULT_BUDGET_S,
        lookback_s: float = 300.0,
    ) -> None:
        self.scenarios = list(scenarios)
        self.rule_for = rule_for
        self.production = production
        self.oracle = oracle
        self.specs = ladder(production, cap, floor_s, lookback_s)
        self.budget_s = budget_s
        # isolated as in one run, so one oracle run covers a group and a difference names its scenario
        self._isolated = {s.name: s.isolate(i) for i, s in enumerate(self.scenarios)}
        self.initial = {s.name: self._first_fit(s) for s in self.scenarios}

    def _first_fit(self, scenario: Scenario) -> int:
        index = 0
        for i, spec in enumerate(self.specs):
            if not _allowed(scenario, spec, self.rule_for, self.production):
                continue
            index = i
            if self.span(scenario, spec) / spec.k <= self.budget_s:
                break
        return index

    def span(self, scenario: Scenario, spec: GroupSpec) -> float:
        return production_span(scenario, group_timing(self.production, spec), self.rule_for)

    def groups(self, choice: dict[str, int], notes: Sequence[str] = ()) -> list[ScenarioGroup]:
        out = []
        for i, spec in enumerate(self.specs):
            members = [s for s in self.scenarios if choice[s.name] == i]
            if members:
                names = {m.name for m in members}
                mine = [n for n in notes if n.split(":", 1)[0] in names]
                out.append(ScenarioGroup(spec, members, max(self.span(s, spec) for s in members), mine))
        return out

    def plan(self) -> Plan:
        """Every scenario in one group; coarse groups hold only what the oracle proved."""
        choice, notes = self.prove()
        return Plan(self.groups(choice, notes), self.specs, notes)

    def prove(self) -> tuple[dict[str, int], list[str]]:
        """The final choice: coarse groups keep only what the oracle proved (runs promtool)."""
        choice = dict(self.initial)
        notes: list[str] = []
        proven: set[tuple[str, int]] = set()
        by_name = {s.name: s for s in self.scenarios}
        while True:
            pending = {
                i: [by_name[n] for n, c in choice.items() if c == i and (n, i) not in proven]
                for i, spec in enumerate(self.specs)
                if not spec.exact
            }
            pending = {i: group for i, group in pending.items() if group}
            if not pending:
                return choice, notes
            with ThreadPoolExecutor(len(pending)) as pool:
                futures = {
                    i: pool.submit(
                        self.oracle,
                        [self._isolated[s.name] for s in group],
                        Sampling(self.specs[i].sampling_s, self.specs[i].sampling_s),
                        max(self.span(s, self.specs[i]) for s in group),
                    )
                    for i, group in pending.items()
                }
                results = {i: f.result() for i, f in futures.items()}
            for i, diffs in results.items():
                for scenario in pending[i]:
                    scope = Scope.of(self._isolated[scenario.name])
                    own = [d for d in diffs if not d.alert or scope.owns_labels(d.alert)]
                    if not own:
                        proven.add((scenario.name, i))
                        continue
                    lower = max(
                        j
                        for j in range(i)
                        if _allowed(scenario, self.specs[j], self.rule_for, self.production)
                    )
                    choice[scenario.name] = lower
                    notes.append(
                        f"{scenario.name}: sampling every {self.specs[i].sampling_s:g}s changes a verdict "
                        f"({own[0]}); runs at K={self.specs[lower].k:g}"
                    )


def sampling_case(scenarios: Sequence[Scenario], end_s: float) -> SamplingCase:
    """What the oracle evaluates for a group: every input series, every annotation assertion."""
    series = [
        ServedSeries(s.name, tuple(sorted(s.labels.items())), s.values, scenario.interval)
        for scenario in scenarios
        for s in scenario.input_series
    ]
    checks: dict[str, list[AnnotationCheck]] = {}
    for scenario in scenarios:
        for exp in scenario.exp_alerts:
            if exp.absent:
                continue
            bucket = checks.setdefault(exp.alertname, [])
            bucket += [AnnotationCheck(k, v) for k, v in exp.exp_annotations.items()]
            bucket += [AnnotationCheck(k, v, True) for k, v in exp.exp_annotations_contain.items()]
    return SamplingCase(series, end_s, checks)


def promtool_oracle(
    rule_files: Sequence[Path],
    production: Timing,
    *,
    promtool: str = "promtool",
    work_root: Path | None = None,
    cache_dir: Path | None = None,
) -> Oracle:
    """The oracle the run uses: ``check_sampling`` on the project's rule files.

    With ``cache_dir``, a verdict is kept under the hash of everything it depends on (the rule
    files' text, the series, the samplings, the promtool binary), so an unchanged project is not
    proven twice; any change to any of them is a new key.
    """

    def oracle(group: list[Scenario], coarse: Sampling, end_s: float) -> list[SamplingDiff]:
        end = math.ceil(end_s / coarse.scrape_s) * coarse.scrape_s
        case = sampling_case(group, end)
        fine = Sampling(production.scrape_interval, production.evaluation_interval)
        cached = _cache_path(cache_dir, rule_files, case, fine, coarse, promtool)
        if cached is not None and cached.exists():
            try:
                return [SamplingDiff(d["alert"], d["message"]) for d in json.loads(cached.read_text())]
            except (OSError, ValueError, KeyError, TypeError):
                pass  # a damaged entry is proven again
        with tempfile.TemporaryDirectory(prefix="stackcheck-sampling-", dir=work_root) as tmp:
            diffs = check_sampling(case, rule_files, fine, coarse, Path(tmp), promtool=promtool)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                partial.write_text(json.dumps([{"alert": d.alert, "message": d.message} for d in diffs]))
                partial.replace(cached)
            except OSError:
                pass  # no cache: the next run proves it again
        return diffs

    return oracle


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stackcheck" / "sampling"


def _cache_path(
    cache_dir: Path | None,
    rule_files: Sequence[Path],
    case: SamplingCase,
    fine: Sampling,
    coarse: Sampling,
    promtool: str,
) -> Path | None:
    if cache_dir is None:
        return None
    digest = hashlib.sha256()
    binary = shutil.which(promtool) or promtool
    try:
        stat = os.stat(binary)
        digest.update(f"{binary}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        for path in rule_files:
            digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    digest.update(repr((fine, coarse, case.end_s)).encode())
    for series in case.series:
        digest.update(repr(series).encode())
    digest.update(repr(sorted((k, [str(c) for c in v]) for k, v in case.annotations.items())).encode())
    return cache_dir / f"{digest.hexdigest()}.json"
