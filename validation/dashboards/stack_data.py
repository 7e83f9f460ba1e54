"""Getting a running stack ready for the dashboards: first scrape, fixture series, readiness.

``prepare(stack, fixture)`` waits (polling with deadlines, never a bare sleep) until Prometheus
scraped some target, serves the fixture's series from the stack's synthetic target, and waits until
Prometheus has every fixture series and every ``ready_when`` expression returns data — already two
fixture intervals ago, because a range query's last point is aligned down to its step. It returns the
problems it met instead of raising, so the checks can report them and still run what they can.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from validation.core.wait import WaitTimeout, wait_until
from validation.dashboards.client import PrometheusAPI
from validation.dashboards.fixture import SCENARIO, DataFixture, inject, readiness_query

if TYPE_CHECKING:
    from validation.stack.stack import Stack

FIRST_SCRAPE_TIMEOUT = 30.0
RANGE_PRESETS = (300.0, 900.0, 1800.0, 3600.0)  # Grafana's "Last 5/15/30 minutes", "Last 1 hour"


def production_range(stack: Stack) -> float:
    """The shortest of Grafana's quick ranges (up to 1 h) that covers the stack's life in production
    time — what a person would pick to look at a stack this young."""
    started = stack.instance("prometheus").started_at or time.monotonic()
    lived = (time.monotonic() - started) * stack.options.time_scale
    return next((preset for preset in RANGE_PRESETS if preset >= lived), RANGE_PRESETS[-1])


def wait_first_scrape(stack: Stack, timeout: float = FIRST_SCRAPE_TIMEOUT) -> float:
    """Seconds waited until some target is up (service discovery needs ~5.5 s after ready)."""
    started = time.monotonic()
    prom = stack.prometheus()
    wait_until(lambda: any(t.health == "up" for t in prom.targets()), timeout=timeout,
               what="a first successful scrape", hint="check `stackcheck run --only scrape`")  # fmt: skip
    return time.monotonic() - started


def fixture_timeout(fixture: DataFixture, scale: float) -> float:
    """Real seconds to wait: 12 fixture intervals (3 min of production time at 15 s) compressed, at
    least 30 s (service discovery of the synthetic job, a scrape, a rule evaluation)."""
    return max(30.0, 12 * fixture.interval / scale)


def prepare(stack: Stack, fixture: DataFixture, client: PrometheusAPI | None = None) -> list[str]:
    problems: list[str] = []
    try:
        wait_first_scrape(stack)
    except WaitTimeout as exc:
        problems.append(exc.render())
    if not fixture.series and not fixture.ready_when:
        return problems
    if stack.synthetic is None:
        return [*problems, "the stack has no synthetic target: fixture series cannot be served"]
    scale = stack.options.time_scale
    inject(fixture, stack.synthetic, scale)
    api = client or stack.prometheus()
    query = readiness_query(fixture)
    try:
        # ready two production intervals ago: a range query's last point is aligned down to its step
        settled = 2 * fixture.interval / scale
        wait_until(lambda: bool(api.instant(query, time.time() - settled).get("result")), timeout=fixture_timeout(fixture, scale),
                   what=f"the dashboards' fixture data ({query})",
                   hint="the series are served by the synthetic job; ready_when needs the rules loaded")  # fmt: skip
    except WaitTimeout as exc:
        problems.append(exc.render())
    return problems


def withdraw(stack: Stack) -> None:
    """Stop serving the fixture series (their alerts resolve once the series go stale)."""
    if stack.synthetic is not None:
        stack.synthetic.remove_scenario(SCENARIO)
