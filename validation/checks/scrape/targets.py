"""scrape/<job>/targets-up, scrape/<job>/labels, scrape/<job>/duration.

Catches: a target missing or extra after service discovery and relabeling, a target down
(wrong port, wrong credentials, wrong path), relabeling that yields the wrong labels (e.g. the
Kubernetes annotations), and scrapes slower than the job's timeout. Expectations come from
fixtures/targets.yaml, never from the config under test.

A target where nothing the harness runs listens (an exporter such as DCGM or cAdvisor that
fixtures/exporters.yaml does not describe) is down in every run for no fault of the config: its
being down is not judged. When that is all a job's check would say, the check is skipped with a
message naming the job, its targets, the families its rules and panels read from it and the
exporters.yaml snippet to add (validation/stack/exporter_gaps.py); its labels are still checked.
"""

from __future__ import annotations

import time
from pathlib import Path

from validation.checks.base import Check, CheckContext, relative
from validation.clients.prometheus import Target
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.core.wait import WaitTimeout, wait_until
from validation.core.yamlload import line_of, load_yaml
from validation.fixtures.targets import load_expected_targets
from validation.render.prometheus import SYNTHETIC_JOB
from validation.stack.exporter_gaps import Gap, gap_message, project_gaps


class ScrapeTargetsCheck(Check):
    id = "scrape"
    kind = "scrape"

    def run(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        expected = load_expected_targets(ctx.project.fixtures_dir / "targets.yaml")
        gaps = {gap.job: gap for gap in project_gaps(ctx.project)}
        prom = stack.prometheus()
        start = time.monotonic()
        ready_at = stack.instance("prometheus").ready_at or start
        interval = max((t.scrape_interval for t in prom.targets()), default=15.0) or 15.0
        settle: dict[str, float] = {}

        def settled() -> list[Target] | None:
            targets = [t for t in prom.targets() if t.job != SYNTHETIC_JOB]
            if targets and all(t.health != "unknown" for t in targets):
                if "first" not in settle:
                    settle["first"] = time.monotonic()
                    report.measurements.setdefault(
                        "time_to_first_scrape_s", round(settle["first"] - ready_at, 3)
                    )
                # a target nothing serves never comes up: waiting for it would only cost time
                unserved = {(job, t) for job, gap in gaps.items() for t in gap.targets}
                longest = max((t.scrape_interval for t in targets), default=interval) or interval
                if (
                    all(t.health == "up" or (t.job, _address(t)) in unserved for t in targets)
                    or time.monotonic() - settle["first"] > 2 * longest
                ):
                    return targets
            return None

        try:
            # service discovery pushes targets at most every 5 s; then one scrape interval
            targets = wait_until(
                settled, timeout=max(30.0, 5.5 + 4 * interval), what="every target scraped once"
            )
        except WaitTimeout as exc:
            targets = prom.targets()
            report.failed(f"{self.id}/all/scraped", self.kind, exc.render())
        by_job: dict[str, list[Target]] = {}
        for target in targets:
            by_job.setdefault(target.job, []).append(target)
        first = len(report.checks)
        fixtures = Path(relative(ctx.project, ctx.project.fixtures_dir))  # as the messages name it
        for job, exp_targets in expected.items():
            self._job(job, exp_targets, by_job.pop(job, []), report, gaps.get(job), fixtures)
        for job, extra in by_job.items():
            if job == SYNTHETIC_JOB:
                continue
            report.failed(
                f"{self.id}/{job}/targets-up",
                self.kind,
                f"job {job!r} has {len(extra)} target(s) but no expectations in fixtures/targets.yaml. "
                f"Hint: list its targets there ({', '.join(t.instance for t in extra)})",
            )
        config = ctx.project.components["prometheus"].config
        lines = job_lines(config) if config else {}
        for check in report.checks[first:]:
            job = check.id.split("/")[1]
            if check.failed and config is not None:
                check.file, check.line = str(config), lines.get(job)

    def _job(
        self,
        job: str,
        expected: list,
        actual: list[Target],
        report: Report,
        gap: Gap | None = None,
        fixtures_dir: Path | None = None,
    ) -> None:
        got = {t.instance: t for t in actual}
        want = {e.instance: e for e in expected}
        problems = []
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        if missing:
            problems.append(f"missing targets {missing}")
        if extra:
            problems.append(f"unexpected targets {extra}")
        unserved = set(gap.targets) if gap is not None else set()
        down = {i: t.last_error for i, t in got.items() if i in want and t.health != "up"}
        not_judged = sorted(i for i, t in got.items() if i in down and _address(t) in unserved)
        for instance, error in sorted(down.items()):
            if instance not in not_judged:
                problems.append(f"{instance} is down: {error}")
        check_id = f"{self.id}/{job}/targets-up"
        if gap is not None and not_judged and not problems:
            message = gap_message(gap, fixtures_dir or Path("fixtures"))
            report.skipped(check_id, self.kind, message, not_judged=not_judged)
        elif problems:
            hint = (
                "check the port, path and credentials the config gives this job (a wrong port stays wrong "
                "under test; an exporter the harness does not run is described in fixtures/exporters.yaml)"
            )
            if missing and not actual:
                hint = (
                    "the job discovered nothing: check its service discovery and relabel_configs (keep/drop)"
                )
            report.failed(
                check_id,
                self.kind,
                f"exp: {len(want)} targets up, got: "
                + "; ".join(problems)
                + f". Hint: {hint}"
                + (f". Not judged (nothing serves them): {', '.join(not_judged)}" if not_judged else ""),
            )
        else:
            report.passed(check_id, self.kind, f"{len(want)} targets up")

        label_problems = []
        for instance, exp in want.items():
            target = got.get(instance)
            if target is None:
                continue
            wrong = {k: (v, target.labels.get(k)) for k, v in exp.labels.items() if target.labels.get(k) != v}
            for key, (exp_value, got_value) in sorted(wrong.items()):
                label_problems.append(f"{instance} {key}: exp {exp_value!r}, got {got_value!r}")
        label_id = f"{self.id}/{job}/labels"
        if label_problems:
            report.failed(
                label_id,
                self.kind,
                "; ".join(label_problems)
                + ". Hint: check the job's relabel_configs (source_labels, regex, target_label)",
            )
        else:
            report.passed(label_id, self.kind)

        slow = [
            f"{t.instance} took {t.last_scrape_duration:.3f}s of {t.scrape_timeout:.3f}s"
            for t in actual
            if t.scrape_timeout and t.last_scrape_duration > t.scrape_timeout
        ]
        duration_id = f"{self.id}/{job}/duration"
        durations = [t.last_scrape_duration for t in actual if t.health == "up"]
        if slow:
            report.failed(
                duration_id,
                self.kind,
                "scrapes slower than scrape_timeout: "
                + "; ".join(slow)
                + ". Hint: raise scrape_timeout or reduce the target's series",
            )
        else:
            report.passed(duration_id, self.kind, max_seconds=max(durations, default=0.0))


def _address(target: Target) -> str:
    """The target as prometheus.yml names it (before the harness maps it to loopback)."""
    return target.discovered_labels.get("__address__", target.instance)


def job_lines(config: Path) -> dict[str, int]:
    """job_name → its line in prometheus.yml (where a failed scrape check points)."""
    try:
        data = load_yaml(config) or {}
    except StackcheckError:
        return {}
    jobs = data.get("scrape_configs") if isinstance(data, dict) else None
    return {
        str(job.get("job_name")): line_of(job, "job_name")
        for job in (jobs if isinstance(jobs, list) else [])
        if isinstance(job, dict)
    }
