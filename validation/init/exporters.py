"""fixtures/exporters.yaml for the scrape jobs whose exporter the harness does not run (cAdvisor,
DCGM, blackbox, …): per job, the metric families the rules and dashboards read from it, each with
the label values their selectors ask for, so a synthetic target can stand in for the exporter.

Which family comes from which job: a selector with ``job="<job>"``, or the exporter's own prefix
(``container_`` for cAdvisor, ``DCGM_`` for DCGM, ``probe_`` for blackbox). Counters hold 0 (no
increase: every rate is 0), everything else holds 1 — placeholders of a healthy, idle exporter that
make the series exist (the stand-ins serve beside every scenario, so they must not fire alerts).
"""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import promql_parser

from validation.core.errors import StackcheckError
from validation.core.yamlload import load_yaml
from validation.init.infer import UnservedJob

PREFIXES = {"cadvisor": ("container_", "machine_"), "dcgm": ("DCGM_",), "blackbox": ("probe_",)}
MAX_SERIES_PER_FAMILY = 3
_GRAFANA_RANGE = re.compile(r"\$(?:\{)?__(?:rate_interval|interval|range|range_s|interval_ms)(?:\})?")
_GRAFANA_VAR = re.compile(r"\$\{[^}]+\}|\$\w+|\[\[\w+\]\]")

Selector = tuple[str, tuple[tuple[str, str], ...]]  # name, equality matchers


def rule_expressions(prometheus_yml: Path) -> list[str]:
    data: Any = load_yaml(prometheus_yml) or {}
    exprs = []
    for pattern in data.get("rule_files") or [] if isinstance(data, dict) else []:
        full = str(prometheus_yml.parent / str(pattern))
        for path in sorted(glob.glob(full)) if glob.has_magic(full) else [full]:
            try:
                rules: Any = load_yaml(Path(path)) or {}
            except StackcheckError:
                continue
            for group in rules.get("groups") or [] if isinstance(rules, dict) else []:
                exprs += [
                    str(r["expr"])
                    for r in (group or {}).get("rules") or []
                    if isinstance(r, dict) and "expr" in r
                ]
    return exprs


def dashboard_expressions(folder: Path | None) -> list[str]:
    if folder is None:
        return []
    exprs: list[str] = []
    for path in sorted(folder.rglob("*.json")):
        try:
            _collect(json.loads(path.read_text(encoding="utf-8")), exprs)
        except (OSError, ValueError):
            continue
    return [_GRAFANA_VAR.sub("x", _GRAFANA_RANGE.sub("5m", e)) for e in exprs]


def _collect(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("expr"), str):
            out.append(node["expr"])
        for value in node.values():
            _collect(value, out)
    elif isinstance(node, list):
        for value in node:
            _collect(value, out)


def selectors(expr: str) -> list[tuple[Selector, str]]:
    """(metric, equality matchers) of every selector, with the ``job`` it names ('' if none)."""
    try:
        tree = promql_parser.parse(expr)
    except (ValueError, RuntimeError):
        return []
    found: list[tuple[Selector, str]] = []

    def visit(node: object) -> bool:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            pairs, job = [], ""
            for m in getattr(node.matchers, "matchers", []) or []:
                if str(m.op).endswith("Equal") and "Not" not in str(m.op) and m.name != "__name__":
                    if m.name == "job":
                        job = m.value
                    elif m.name != "instance" and m.value and m.value != "x":
                        pairs.append((m.name, m.value))
            found.append(((node.name, tuple(sorted(pairs))), job))
        return True

    promql_parser.walk(tree, visit)
    return found


def families_for(
    job: UnservedJob, exprs: list[str], also: Collection[str] = ()
) -> dict[str, list[tuple[tuple[str, str], ...]]]:
    """The families read from ``job`` (selectors naming it, the exporter's prefix, or ``also``:
    what the run's own gap finder attributes to it), each with up to three label sets."""
    prefixes = PREFIXES.get(job.kind, ())
    out: dict[str, list[tuple[tuple[str, str], ...]]] = {}
    for expr in exprs:
        for (name, pairs), named_job in selectors(expr):
            if named_job == job.job or (not named_job and (name.startswith(prefixes) or name in also)):
                sets = out.setdefault(name, [])
                if pairs not in sets and len(sets) < MAX_SERIES_PER_FAMILY:
                    sets.append(pairs)
    return dict(sorted(out.items()))


def render_exporters(
    jobs: list[UnservedJob], exprs: list[str], also: Mapping[str, Collection[str]] | None = None
) -> tuple[str, list[str]]:
    """The text of exporters.yaml and, per job, what the user must review; ``also``: job → further
    families attributed to it (validation/stack/exporter_gaps.py)."""
    lines = [
        "# Exporters the harness does not run: a synthetic target listens at every target of each job",
        "# and serves these series. Written from the families your rules and dashboards read from the",
        "# job; values are placeholders of a healthy, idle exporter (counters hold 0, the rest 1): set",
        "# values that look like production yet fire no alert, and add the families your tests need.",
        "jobs:",
    ]
    review = []
    body: list[str] = []
    claimed = tuple(prefix for job in jobs for prefix in PREFIXES.get(job.kind, ()))
    for job in jobs:
        # a known exporter's families come by its prefix; an unknown one's from the gap finder,
        # less what a known exporter of this stack serves
        extra = [n for n in (also or {}).get(job.job, ()) if not n.startswith(claimed)]
        families = families_for(job, exprs, () if job.kind else extra)
        if not families:
            body.append(f"  # {job.job}: no rule or panel reads a family of this job — add those it exports")
            review.append(f"job {job.job!r}: no family found in rules or dashboards, add some")
            continue
        what = f"  # {job.kind + ' ' if job.kind else ''}service {job.service!r}" if job.service else ""
        body.append(f"  {json.dumps(job.job)}:{what}")
        for name, sets in families.items():
            for pairs in sets or [()]:
                series = name + ("{" + ", ".join(f'{k}="{v}"' for k, v in pairs) + "}" if pairs else "")
                value = '"0"' if re.search(r"(_total|_count|_sum)$", name) else '"1"'
                body.append(f"    - {{series: {json.dumps(series)}, values: {value}}}")
        review.append(
            f"job {job.job!r}: {sum(len(s) or 1 for s in families.values())} series of {len(families)} families"
        )
    if any(not line.startswith("  #") for line in body):
        lines += body
    else:
        lines[-1] = "jobs: {}"
        lines += body
    return "\n".join(lines) + "\n", review
