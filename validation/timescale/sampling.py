"""Prove with promtool that a coarser sampling keeps every alert verdict of a set of series.

A compressed run whose scrape and evaluation intervals stay at a floor (``--time-scale`` far above
60 on a 15s stack) samples production time more coarsely than production does: at K=600 and a
250ms floor, Prometheus scrapes and evaluates every 150s of production time instead of 15s. That
is only valid where it changes no verdict, and this module decides it per set of series.

``check_sampling(case, rule_files, production, coarse, workdir)`` writes two ``promtool test rules``
files over the *original* rules: the series as the harness's scrape target serves them (one
sample per scenario interval, the last value held, a missing sample a staleness marker), sampled
at the production scrape interval and evaluated at the production evaluation interval, then the
same at the coarse intervals. promtool evaluates every rule; ``ALERTS`` is read at every
evaluation time, annotations of the named alerts at every coarse evaluation time.

Equivalence, per alert (its full label set):

- the sequence of states (inactive → pending → firing → …) is the same at both samplings — no
  alert fires, pends or resolves at one sampling and not at the other, however briefly;
- every change of state happens at the coarse sampling no earlier than at production's and at
  most one coarse evaluation interval later (the stated tolerance on *when*; nothing is tolerated
  on *whether*);
- where both fire at t, every assertion a scenario makes on an annotation (equals / contains)
  holds at both samplings or at neither, and the annotations are the same text with numbers
  equal within ``VALUE_REL_TOL`` (5 %: fewer samples in a range legitimately move an estimate
  such as ``predict_linear``'s; a number a scenario asserts is covered by the assertion).

Limits: promtool evaluates scrapes and rules at aligned instants; the real run has phase offsets,
which production has too. Series pushed to the Pushgateway are not modelled (their
``push_time_seconds`` is the wall clock): a caller must not ask for coarse sampling of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from validation.core.yamlload import load_yaml
from validation.synthetic.exposition import Timeline
from validation.synthetic.notation import STALE, Sample, format_values
from validation.synthetic.textformat import escape_label_value
from validation.timescale.durations import format_duration_ms
from validation.timescale.oracle import Evaluation, _parse_output, _same_text, run_promtool

_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

VALUE_REL_TOL = 0.05
"""Numbers in annotations may move this much (relative) with the sampling: a range holding fewer
samples legitimately changes an estimate such as ``predict_linear``'s."""

AlertKey = tuple[tuple[str, str], ...]  # sorted labels of ALERTS without alertstate


@dataclass(frozen=True)
class Sampling:
    """Production seconds between two scrapes and between two rule evaluations."""

    scrape_s: float
    evaluation_s: float

    @property
    def scrape_ms(self) -> int:
        return round(self.scrape_s * 1000)

    @property
    def evaluation_ms(self) -> int:
        return round(self.evaluation_s * 1000)

    def describe(self) -> str:
        return f"scrape {format_duration_ms(self.scrape_ms)}, evaluation {format_duration_ms(self.evaluation_ms)}"


@dataclass(frozen=True)
class ServedSeries:
    """One series as the scrape target serves it: a sample every ``interval_s`` from time 0."""

    name: str
    labels: tuple[tuple[str, str], ...]
    samples: tuple[Sample, ...]
    interval_s: float

    @property
    def selector(self) -> str:
        body = ", ".join(f'{k}="{escape_label_value(v)}"' for k, v in self.labels)
        return f"{self.name}{{{body}}}"


@dataclass(frozen=True)
class AnnotationCheck:
    """A scenario's assertion on one annotation: equal to ``text``, or containing it."""

    key: str
    text: str
    contains: bool = False

    def holds(self, annotations: dict[str, str]) -> bool:
        value = annotations.get(self.key, "")
        return self.text in value if self.contains else value == self.text

    def __str__(self) -> str:
        return f"{self.key} {'contains' if self.contains else '=='} {self.text!r}"


@dataclass
class SamplingCase:
    series: list[ServedSeries]
    end_s: float  # production seconds to evaluate until
    # alert name → what the scenarios assert on its annotations; these alerts' annotations are
    # compared at every coarse evaluation time
    annotations: dict[str, list[AnnotationCheck]] = field(default_factory=dict)


@dataclass(frozen=True)
class SamplingDiff:
    alert: dict[str, str]
    message: str

    def __str__(self) -> str:
        return self.message


def scraped_values(series: ServedSeries, step_s: float, end_s: float) -> str:
    """promtool notation of what a scrape every ``step_s`` sees from 0 to ``end_s``."""
    timeline = Timeline("", series.name, series.labels, series.samples, series.interval_s, 0.0)
    out: list[Sample] = []
    present = False
    for index in range(int(end_s // step_s) + 1):
        value = timeline.value_at(index * step_s)
        if value is None:
            # a series missing from a scrape is marked stale once, then simply absent
            out.append(STALE if present else None)
            present = False
        else:
            out.append(value)
            present = True
    return format_values(out)


def _times(step_ms: int, end_ms: int) -> list[int]:
    return list(range(step_ms, end_ms + 1, step_ms))


def _test_file(
    case: SamplingCase,
    rule_files: Sequence[Path],
    sampling: Sampling,
    probe_ms: list[int],
    alert_ms: list[int],
) -> dict[str, Any]:
    groups = [str(g.get("name")) for path in rule_files for g in (load_yaml(path) or {}).get("groups") or []]
    series = [
        {"series": s.selector, "values": scraped_values(s, sampling.scrape_s, case.end_s)}
        for s in case.series
    ]
    test: dict[str, Any] = {"interval": format_duration_ms(sampling.scrape_ms), "input_series": series}
    test["promql_expr_test"] = [
        {"expr": "# probe 0\nALERTS", "eval_time": format_duration_ms(ms), "exp_samples": []}
        for ms in probe_ms
    ]
    if sorted(case.annotations):
        test["alert_rule_test"] = [
            {"alertname": name, "eval_time": format_duration_ms(ms), "exp_alerts": []}
            for name in sorted(case.annotations)
            for ms in alert_ms
        ]
    return {
        "rule_files": [str(p.resolve()) for p in rule_files],
        "evaluation_interval": format_duration_ms(sampling.evaluation_ms),
        "group_eval_order": groups,
        "tests": [test],
    }


def evaluate(
    case: SamplingCase,
    rule_files: Sequence[Path],
    production: Sampling,
    coarse: Sampling,
    workdir: Path,
    *,
    promtool: str = "promtool",
) -> tuple[Evaluation, Evaluation, list[int], list[int]]:
    """Both evaluations and their evaluation times (ms)."""
    end_ms = round(case.end_s * 1000)
    fine_ms = _times(production.evaluation_ms, end_ms)
    coarse_ms = _times(coarse.evaluation_ms, end_ms)
    workdir.mkdir(parents=True, exist_ok=True)
    files = []
    for label, sampling, probes in (("production", production, fine_ms), ("coarse", coarse, coarse_ms)):
        path = workdir / f"{label}.test.yml"
        data = _test_file(case, rule_files, sampling, probes, coarse_ms)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        files.append(path)
    chunks = run_promtool(files, promtool=promtool, cwd=workdir)
    fine = _parse_output(chunks[0], {format_duration_ms(ms): ms for ms in fine_ms})
    coarse_eval = _parse_output(chunks[1], {format_duration_ms(ms): ms for ms in coarse_ms})
    return fine, coarse_eval, fine_ms, coarse_ms


def _states(evaluation: Evaluation, times: list[int]) -> dict[AlertKey, list[str]]:
    """Per alert, its state at each time ("inactive", "pending", "firing")."""
    at: list[dict[AlertKey, str]] = []
    for ms in times:
        got = evaluation.samples.get((0, ms), {})
        now: dict[AlertKey, str] = {}
        if isinstance(got, dict):
            for text in got:
                labels = dict(_LABEL_RE.findall(text))
                state = labels.pop("alertstate", "firing")
                labels.pop("__name__", None)
                now[tuple(sorted(labels.items()))] = state
        at.append(now)
    keys = {k for now in at for k in now}
    return {k: [now.get(k, "inactive") for now in at] for k in keys}


def _changes(times: list[int], states: list[str]) -> list[tuple[int, str]]:
    """(time, new state) of every change, from an initial "inactive"."""
    out, last = [], "inactive"
    for ms, state in zip(times, states, strict=True):
        if state != last:
            out.append((ms, state))
            last = state
    return out


def _sequence(states: list[str]) -> list[str]:
    out = ["inactive"]
    for state in states:
        if state != out[-1]:
            out.append(state)
    return out


def compare_sampling(
    fine: Evaluation,
    coarse: Evaluation,
    fine_ms: list[int],
    coarse_ms: list[int],
    window_ms: int,
    assertions: dict[str, list[AnnotationCheck]],
    value_rel_tol: float = VALUE_REL_TOL,
) -> list[SamplingDiff]:
    diffs = [SamplingDiff({}, f"production sampling does not load: {e}") for e in fine.load_errors]
    diffs += [SamplingDiff({}, f"coarse sampling does not load: {e}") for e in coarse.load_errors]
    for evaluation in (fine, coarse):
        for (_, ms), got in evaluation.samples.items():
            if isinstance(got, str):
                diffs.append(SamplingDiff({}, f"ALERTS at {format_duration_ms(ms)}: {got}"))
    fine_states, coarse_states = _states(fine, fine_ms), _states(coarse, coarse_ms)
    inactive_f, inactive_c = ["inactive"] * len(fine_ms), ["inactive"] * len(coarse_ms)
    for key in sorted(set(fine_states) | set(coarse_states)):
        labels = dict(key)
        name = (
            f"{labels.get('alertname', '?')}{{{', '.join(f'{k}={v}' for k, v in key if k != 'alertname')}}}"
        )
        f_states, c_states = fine_states.get(key, inactive_f), coarse_states.get(key, inactive_c)
        f_seq, c_seq = _sequence(f_states), _sequence(c_states)
        if f_seq != c_seq:
            diffs.append(
                SamplingDiff(
                    labels,
                    f"{name}: production goes {' → '.join(f_seq)}, coarse sampling {' → '.join(c_seq)}",
                )
            )
            continue
        f_changes, c_changes = _changes(fine_ms, f_states), _changes(coarse_ms, c_states)
        for (fine_at, state), (coarse_at, _) in zip(f_changes, c_changes, strict=True):
            if not fine_at <= coarse_at <= fine_at + window_ms:
                diffs.append(
                    SamplingDiff(
                        labels,
                        f"{name} turns {state} at {format_duration_ms(fine_at)} at production sampling, "
                        f"at {format_duration_ms(coarse_at)} at coarse sampling (allowed: at most "
                        f"{format_duration_ms(window_ms)} later, never earlier)",
                    )
                )
                break
    for (alertname, ms), coarse_alerts in sorted(coarse.alerts.items()):
        fine_by = {_labels_part(a): a for a in fine.alerts.get((alertname, ms), [])}
        checks = assertions.get(alertname, [])
        for alert in coarse_alerts:
            other = fine_by.get(_labels_part(alert))
            if other is None:
                continue
            ours, theirs = _annotations(alert), _annotations(other)
            labels = dict(_LABEL_RE.findall(_labels_part(alert)))
            for annotation in sorted(set(ours) | set(theirs)):
                if not _same_text(ours.get(annotation, ""), theirs.get(annotation, ""), value_rel_tol):
                    diffs.append(
                        SamplingDiff(
                            labels,
                            f"{alertname} at {format_duration_ms(ms)}: annotation {annotation} is "
                            f"{theirs.get(annotation)!r} at production sampling, "
                            f"{ours.get(annotation)!r} at coarse "
                            f"sampling (numbers may differ by {value_rel_tol:.0%})",
                        )
                    )
            for check in checks:
                if check.holds(theirs) != check.holds(ours):
                    diffs.append(
                        SamplingDiff(
                            labels,
                            f"{alertname} at {format_duration_ms(ms)}: the scenario's {check} "
                            f"{'holds' if check.holds(theirs) else 'fails'} at production sampling, "
                            f"{'holds' if check.holds(ours) else 'fails'} at coarse sampling",
                        )
                    )
    return diffs


def _annotations(entry: str) -> dict[str, str]:
    part = entry.split(" Annotations:", 1)[1] if " Annotations:" in entry else ""
    return dict(_LABEL_RE.findall(part))


def _labels_part(entry: str) -> str:
    return entry.split(" Annotations:", 1)[0]


def check_sampling(
    case: SamplingCase,
    rule_files: Sequence[Path],
    production: Sampling,
    coarse: Sampling,
    workdir: Path,
    *,
    promtool: str = "promtool",
    value_rel_tol: float = VALUE_REL_TOL,
) -> list[SamplingDiff]:
    """Differences between production and coarse sampling (empty: every verdict is kept)."""
    if coarse.scrape_ms == production.scrape_ms and coarse.evaluation_ms == production.evaluation_ms:
        return []
    fine, coarse_eval, fine_ms, coarse_ms = evaluate(
        case, rule_files, production, coarse, workdir, promtool=promtool
    )
    window = max(coarse.evaluation_ms, coarse.scrape_ms)
    return compare_sampling(fine, coarse_eval, fine_ms, coarse_ms, window, case.annotations, value_rel_tol)
