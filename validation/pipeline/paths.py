"""coverage.paths: which scenario exercises each path the config shapes between the data and the
notification — per scrape job (data a scenario sends through it) and per label the config adds on
the way (``global.external_labels``, ``alert_relabel_configs`` target labels, pinned by a scenario's
``exp_notifications[].labels``). Unexercised ones are listed, as uncovered rules are; they are not
failed: most scrape jobs are proven by the scrape checks, not by scenarios.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from validation.core.yamlload import load_yaml
from validation.scenarios.model import Scenario


def added_labels(prometheus_config: Path) -> list[str]:
    """Labels Prometheus adds to every alert it sends: external labels, alert relabeling targets."""
    data = load_yaml(prometheus_config) or {}
    glob = data.get("global") or {}
    labels = [str(k) for k in (glob.get("external_labels") or {})]
    for rule in ((data.get("alerting") or {}).get("alert_relabel_configs")) or []:
        if isinstance(rule, dict) and rule.get("target_label") and rule.get("action", "replace") == "replace":
            labels.append(str(rule["target_label"]))
    return list(dict.fromkeys(labels))


def _targets(job: dict[str, Any]) -> set[str]:
    return {str(t) for sc in job.get("static_configs") or [] for t in (sc.get("targets") or [])}


def path_coverage(
    scenarios: list[Scenario], prometheus_config: Path, pushgateway_address: str
) -> dict[str, Any]:
    data = load_yaml(prometheus_config) or {}
    jobs: dict[str, list[str]] = {}
    pushing = sorted(s.name for s in scenarios if s.push_series)
    for job in data.get("scrape_configs") or []:
        name = str(job.get("job_name", ""))
        jobs[name] = pushing if pushgateway_address and pushgateway_address in _targets(job) else []
    labels = {
        label: sorted(s.name for s in scenarios if any(label in n.labels for n in s.exp_notifications))
        for label in added_labels(prometheus_config)
    }
    return {
        "scrape_jobs": jobs,
        "unexercised_scrape_jobs": sorted(j for j, names in jobs.items() if not names),
        "added_labels": labels,
        "unexercised_added_labels": sorted(label for label, names in labels.items() if not names),
    }
