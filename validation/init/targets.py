"""fixtures/targets.yaml and fixtures/service_discovery/<job>.yml, from what Prometheus will discover.

Per scrape job: its static_configs and file_sd targets with the labels their target groups give,
``job`` included. relabel_configs are not evaluated here: a job that has them is flagged for
review (its labels and instance may differ after relabeling). A job using outside service
discovery (kubernetes, consul, …) gets a file_sd skeleton with the ``__meta_*`` labels its
relabel_configs read, and its expected targets are left for the user to write.
"""

from __future__ import annotations

import glob
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.core.errors import HarnessError, StackcheckError
from validation.core.yamlload import load_yaml

LOCAL_SD = ("static_configs", "file_sd_configs")


@dataclass
class JobTargets:
    job: str
    targets: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (instance, labels)
    relabeled: bool = False
    outside_sd: list[str] = field(default_factory=list)  # kubernetes_sd_configs, …
    meta_labels: dict[str, str] = field(default_factory=dict)  # for the SD skeleton


def discover(prometheus_yml: Path) -> list[JobTargets]:
    data: Any = load_yaml(prometheus_yml, error=HarnessError) or {}
    out = []
    for job in data.get("scrape_configs") or [] if isinstance(data, dict) else []:
        if not isinstance(job, dict):
            continue
        name = str(job.get("job_name", ""))
        found = JobTargets(name, relabeled=bool(job.get("relabel_configs")))
        for group in job.get("static_configs") or []:
            _group(found, group)
        for sd in job.get("file_sd_configs") or []:
            for pattern in (sd or {}).get("files") or []:
                full = str(prometheus_yml.parent / str(pattern))
                for path in sorted(glob.glob(full)) if glob.has_magic(full) else [full]:
                    for group in _file_sd(Path(path)):
                        _group(found, group)
        found.outside_sd = [k for k in job if str(k).endswith("_sd_configs") and k not in LOCAL_SD]
        if found.outside_sd:
            found.meta_labels = _meta_labels(job.get("relabel_configs") or [])
        out.append(found)
    return out


def _group(found: JobTargets, group: Any) -> None:
    if not isinstance(group, dict):
        return
    labels = {str(k): str(v) for k, v in (group.get("labels") or {}).items() if not str(k).startswith("__")}
    for target in group.get("targets") or []:
        found.targets.append((str(target), {"job": found.job, **labels}))


def _file_sd(path: Path) -> list[Any]:
    try:
        if path.suffix == ".json":
            return list(json.loads(path.read_text(encoding="utf-8")))
        return list(load_yaml(path, error=HarnessError) or [])
    except (OSError, ValueError, StackcheckError):
        return []


def _meta_labels(relabel_configs: list[Any]) -> dict[str, str]:
    """The ``__meta_*`` labels the job's relabeling reads; a ``keep`` on one label with a literal
    regex gets that value (so the skeleton's target survives it), the others an empty value."""
    labels: dict[str, str] = {}
    for rule in relabel_configs:
        if not isinstance(rule, dict):
            continue
        sources = [str(s) for s in rule.get("source_labels") or [] if str(s).startswith("__meta_")]
        regex = str(rule.get("regex", "(.*)"))
        literal = re.fullmatch(r"[A-Za-z0-9_.:/-]+", regex) is not None
        for source in sources:
            value = regex if rule.get("action") == "keep" and len(sources) == 1 and literal else ""
            labels.setdefault(source, value)
            if value:
                labels[source] = value
    return labels


def render_targets(jobs: list[JobTargets], skipped: dict[str, str]) -> str:
    lines = [
        "# Expected scrape targets per job: the oracle of the scrape checks. Written from prometheus.yml's",
        "# static_configs and file_sd files as they are today: review that each job, target and label is",
        "# what you intend (a target not listed must not exist; labels are a subset that must be present).",
        "jobs:",
    ]
    for job in jobs:
        if job.job in skipped:
            lines.append(f"  # {job.job}: {skipped[job.job]}")
            continue
        if job.outside_sd:
            lines.append(
                f"  # {job.job}: discovered through {', '.join(job.outside_sd)}; list its targets here once"
                f" service_discovery/{job.job}.yml says what discovery finds"
            )
            continue
        if job.relabeled:
            lines.append(f"  # {job.job}: has relabel_configs — check instance and labels after relabeling")
        lines.append(f"  {json.dumps(job.job)}:")
        if not job.targets:
            lines.append("    []")
        for instance, labels in job.targets:
            pairs = ", ".join(f"{k}: {json.dumps(v)}" for k, v in labels.items())
            lines.append(f"    - {{instance: {json.dumps(instance)}, labels: {{{pairs}}}}}")
    return "\n".join(lines) + "\n"


def render_sd_skeleton(job: JobTargets) -> str:
    lines = [
        f"# What {', '.join(job.outside_sd)} would discover for job {job.job!r}, in file_sd format: a run",
        "# replaces the job's discovery with this file, and its relabel_configs run for real on it.",
        "# The labels below are the __meta_* labels the job's relabel_configs read; fill in real values",
        "# (one entry per target the outside system would list) and the addresses where workloads listen.",
    ]
    labels = dict(sorted(job.meta_labels.items()))
    entry = [{"targets": [f"{job.job}-1.example:9100"], "labels": labels}]
    import yaml

    lines.append(yaml.safe_dump(entry, sort_keys=False, default_flow_style=False, width=1000).rstrip())
    return "\n".join(lines) + "\n"
