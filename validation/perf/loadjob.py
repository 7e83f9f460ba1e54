"""Add a scrape job to the running stack's Prometheus: edit the run copy of prometheus.yml, reload.

Only the rendered copy in the run directory is touched, never the user's file. Prometheus'
service discovery hands new targets over at most every 5 s, so ``add_scrape_job`` waits (polling,
with a deadline) until the target has been scraped once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from validation.clients.http import ApiError
from validation.clients.prometheus import PrometheusClient
from validation.core.errors import HarnessError
from validation.core.wait import wait_until
from validation.stack.stack import Stack


def patient_client(stack: Stack, timeout: float = 60.0) -> PrometheusClient:
    """A client for heavy benchmark queries: a loaded machine may answer them slowly."""
    auth = stack.credentials("prometheus") if stack.instance("prometheus").user else None
    return PrometheusClient(stack.url("prometheus"), auth, timeout=timeout, ca_bundle=stack.ca_file)


def with_job(config: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """``config`` with ``job`` appended to scrape_configs (a job of the same name is replaced)."""
    jobs = [j for j in config.get("scrape_configs") or [] if j.get("job_name") != job["job_name"]]
    return {**config, "scrape_configs": [*jobs, job]}


def add_scrape_job(
    stack: Stack, job_name: str, address: str, interval_s: float, *, timeout: float = 30.0
) -> None:
    state = stack.state
    if state is None or state.prometheus is None:
        raise HarnessError("the stack runs no Prometheus", hint="start a stack with prometheus")
    path: Path = state.prometheus.path
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    job = {
        "job_name": job_name,
        "scrape_interval": f"{interval_s:g}s",
        "scrape_timeout": f"{interval_s:g}s",
        "static_configs": [{"targets": [address]}],
    }
    path.write_text(yaml.safe_dump(with_job(config, job), sort_keys=False), encoding="utf-8")
    client = patient_client(stack)
    client.reload()
    deadline_hint = f"see the Prometheus log in {stack.run_dir}"

    def scraped() -> bool:
        try:
            return any(t.job == job_name and t.health == "up" for t in client.targets())
        except ApiError:  # a busy Prometheus answering late is "not yet", not a failure
            return False

    wait_until(scraped, timeout=timeout, what=f"a first scrape of job {job_name}", hint=deadline_hint)


def wait_for_head_series(stack: Stack, selector: str, count: int, *, timeout: float = 60.0) -> float:
    """Block until ``count(selector)`` reaches ``count``; returns the seconds it took."""
    client = patient_client(stack)
    started = time.monotonic()

    def reached() -> bool:
        try:
            result = client.query(f"count({selector})")
        except ApiError:
            return False
        return bool(result) and result[0].value >= count

    wait_until(
        reached,
        timeout=timeout,
        what=f"{count} series of {selector} in the head",
        hint="the target may be too slow for its scrape interval; see `up` and scrape_duration_seconds",
    )
    return time.monotonic() - started
