"""prometheus.yml: scrape jobs added / removed / changed, and changes outside the jobs (global,
rule_files, alerting) — which affect every job."""

from __future__ import annotations

from typing import Any

from validation.diff.model import Change
from validation.diff.tree import StackTree


def _config(tree: StackTree) -> dict[str, Any]:
    data = tree.yaml(tree.prometheus_yml)
    return data if isinstance(data, dict) else {}


def scrape_jobs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    jobs = config.get("scrape_configs") or []
    return {str(j.get("job_name")): j for j in jobs if isinstance(j, dict)}


def scrape_changes(base: StackTree, head: StackTree) -> list[Change]:
    before, after = _config(base), _config(head)
    place = head.relative(head.prometheus_yml) if head.prometheus_yml else "prometheus.yml"
    changes: list[Change] = []
    for key in sorted((set(before) | set(after)) - {"scrape_configs"}):
        if before.get(key) != after.get(key):
            changes.append(
                Change(
                    "scrape jobs",
                    "changed",
                    f"(all jobs: {key})",
                    {key: (before.get(key), after.get(key))},
                    place,
                    {"global": True},
                )
            )
    old_jobs, new_jobs = scrape_jobs(before), scrape_jobs(after)
    for name in sorted(set(old_jobs) | set(new_jobs)):
        old, new = old_jobs.get(name), new_jobs.get(name)
        if old == new:
            continue
        details = {"job": name}
        if old is None or new is None:
            changes.append(
                Change("scrape jobs", "added" if old is None else "removed", name, {}, place, details)
            )
            continue
        fields = {
            k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)
        }
        changes.append(Change("scrape jobs", "changed", name, fields, place, details))
    return changes
