"""scrape/<job>/series — every family an exporter stand-in serves that the rules or panels read
reaches Prometheus under its job, from every target.

For a job fixtures/exporters.yaml describes, a synthetic stand-in serves the series at each of the
job's targets (validation/stack/exporters.py). Catches: the job's ``metric_relabel_configs``
dropping or renaming a family a rule or panel reads, or ``honor_labels`` / target labels moving
its series out of the job — the alert reading it could then never fire. Families nothing reads
may be dropped on purpose and are not judged. Expectations come from exporters.yaml (what the
exporter exports) and the rules' selectors, never from the scrape config under test.
"""

from __future__ import annotations

import functools

from validation.checks.base import Check, CheckContext
from validation.clients.prometheus import PrometheusClient, Target
from validation.core.results import Report
from validation.core.wait import WaitTimeout, wait_until
from validation.fixtures.exporters import FILE_NAME, load_exporters
from validation.stack.exporter_gaps import local_jobs, rule_and_panel_reads
from validation.stack.exporters import exporter_places


def _complete(
    prom: PrometheusClient, query: str, want: set[tuple[str, str]], seen: set[tuple[str, str]]
) -> bool:
    """Add what ``query`` finds (family, instance) to ``seen``; whether it holds all of ``want``."""
    seen |= {(s.labels.get("__name__", ""), s.labels.get("instance", "")) for s in prom.query(query)}
    return want <= seen


def _configured(target: Target) -> str:
    """The target as prometheus.yml names it (its ``instance`` may be another name: blackbox)."""
    return target.discovered_labels.get("__address__", target.instance)


class ExporterSeriesCheck(Check):
    id = "scrape/exporters"
    kind = "scrape"

    def run(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        config = ctx.project.components["prometheus"].config
        if config is None:
            return
        jobs = local_jobs(config)
        fixture = load_exporters(ctx.project.fixtures_dir / FILE_NAME, [j.name for j in jobs])
        if not fixture.jobs:
            return
        places = {(i.host.lower(), i.port) for i in stack.instances()}
        by_job: dict[str, set[str]] = {}
        for place in exporter_places(ctx.project, fixture, places):
            by_job.setdefault(place.job.name, set()).add(place.target)
        reads = rule_and_panel_reads(ctx.project)
        prom = stack.prometheus()
        targets = prom.targets()
        for job, series in fixture.jobs.items():
            check_id = f"scrape/{job}/series"
            read = reads.for_job(job) | reads.unattributed
            families = sorted({s.name for s in series} & read)
            if not families:
                report.skipped(
                    check_id, self.kind, f"no rule or panel reads a family {FILE_NAME} serves for job {job!r}"
                )
                continue
            timing = report.timed(check_id, self.kind)
            served = by_job.get(job, set())
            instances = sorted(
                {t.instance for t in targets if t.job == job and _configured(t) in served} or served
            )
            want = {(family, instance) for family in families for instance in instances}
            query = f'count by (__name__, instance) ({{__name__=~"{"|".join(families)}", job="{job}"}})'
            seen: set[tuple[str, str]] = set()

            interval = (
                max((j.interval for j in jobs if j.name == job), default=60.0) / stack.options.time_scale
            )
            try:
                wait_until(
                    functools.partial(_complete, prom, query, want, seen),
                    timeout=max(5.0, 3 * interval),
                    what=f"the series of job {job!r}",
                )
            except WaitTimeout:
                missing = sorted(want - seen)
                timing.failed(
                    f"exp: {len(families)} families read by the rules or panels on each of {len(instances)} "
                    f"targets of job {job!r}, got {len(missing)} missing: "
                    + "; ".join(f"{family} from {instance}" for family, instance in missing)
                    + f". Hint: the stand-in serves them ({FILE_NAME}); check the job's metric_relabel_configs "
                    "(a drop or rename), honor_labels and the job/instance labels its series end up with"
                )
            else:
                timing.passed(f"{len(families)} families on {len(instances)} targets", families=families)
