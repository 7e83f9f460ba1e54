"""Stand-ins for the exporters the harness does not run, from fixtures/exporters.yaml.

For each job exporters.yaml describes, a synthetic target listens at every target of the job that
no component and no service-discovery workload serves — its host mapped to loopback through the
run's address map, its port kept, so the job's own scrape config (port, relabeling) is what
reaches it — and serves the job's series: one sample per production scrape interval of the job,
compressed by the run's time scale like every scenario series (``interval / K`` wall seconds),
the last value held (or the last step repeated after a trailing ``x``). It answers on any path
(the path is the config's choice; nothing says what the real exporter serves). A job with
``scheme: https`` gets a stand-in serving TLS only, with a certificate of the run's CA for the
host name and its loopback address — the CA every ``tls_config.ca_file`` is pointed at, as for
the components; a job that trusts no CA file fails verification, as it would against an
exporter whose CA it does not know.
"""

from __future__ import annotations

import ssl
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from validation.core.errors import HarnessError
from validation.core.ports import ensure_free
from validation.core.project import Project
from validation.fixtures.exporters import FILE_NAME, ExportersFixture, load_exporters
from validation.render.context import RenderContext
from validation.stack.exporter_gaps import (
    LocalJob,
    local_jobs,
    prometheus_host,
    unserved_targets,
    workload_places,
)
from validation.synthetic.exposition import SyntheticTarget

SCENARIO = "exporters"


@dataclass(frozen=True)
class ExporterPlace:
    """One stand-in: the job, the target as prometheus.yml names it, where it listens."""

    job: LocalJob
    target: str
    host: str
    port: int


def exporter_places(
    project: Project, fixture: ExportersFixture, component_places: Collection[tuple[str, int]]
) -> list[ExporterPlace]:
    """Where the stand-ins of ``fixture``'s jobs listen; a job all of whose targets something else
    serves is an error (two servers for one address)."""
    if not fixture.jobs:
        return []
    own = prometheus_host(project)
    served = set(component_places) | workload_places(project, {h for h, _ in component_places})
    jobs = {job.name: job for job in local_jobs(_prometheus_yml(project))}
    unserved = unserved_targets(jobs.values(), served, own)
    places: list[ExporterPlace] = []
    for name in fixture.jobs:
        job = jobs.get(name)
        if job is None or not job.targets:
            raise HarnessError(
                f"job {name!r} lists no target of its own (static_configs or file_sd files)",
                place=fixture.place(name),
                hint=f"{FILE_NAME} describes jobs whose targets prometheus.yml names; service-discovery "
                "jobs are served from fixtures/service_discovery/",
            )
        if name not in unserved:
            raise HarnessError(
                f"every target of job {name!r} ({', '.join(job.targets)}) is already served by a "
                "component the harness runs",
                place=fixture.place(name),
                hint=f"remove job {name!r} from {FILE_NAME}: the real component's series are scraped",
            )
        for target in unserved[name]:
            host, port = job.host_port(target, own)
            places.append(ExporterPlace(job, target, host, port))
    return places


def load_checked_exporters(project: Project) -> list[ExporterPlace]:
    """exporters.yaml read as a run reads it, and where its stand-ins would listen; raises what a
    stack start would (exit 2), so a run can refuse it before anything starts."""
    from validation.stack.exporter_gaps import component_places

    if not (project.fixtures_dir / FILE_NAME).is_file():
        return []
    fixture = load_exporters(
        project.fixtures_dir / FILE_NAME, [j.name for j in local_jobs(_prometheus_yml(project))]
    )
    return exporter_places(project, fixture, component_places(project))


def start_exporters(
    project: Project, ctx: RenderContext, component_places: Collection[tuple[str, int]]
) -> list[SyntheticTarget]:
    """Start a stand-in at every target exporters.yaml covers; the caller stops them."""
    if not (project.fixtures_dir / FILE_NAME).is_file():
        return []
    fixture = load_exporters(
        project.fixtures_dir / FILE_NAME, [j.name for j in local_jobs(_prometheus_yml(project))]
    )
    servers: dict[tuple[str, int], SyntheticTarget] = {}
    serving: set[tuple[str, int, str]] = set()  # (ip, port, job): one address may serve two jobs
    try:
        for place in exporter_places(project, fixture, component_places):
            ip = ctx.addresses.address_of(place.host)
            if (ip, place.port, place.job.name) in serving:
                continue  # the blackbox pattern: every target is scraped at one address
            serving.add((ip, place.port, place.job.name))
            server = servers.get((ip, place.port))
            if server is None:
                ensure_free(ip, place.port, f"exporter {place.job.name} at {place.target}")
                tls = _tls(ctx, place, ip) if place.job.scheme == "https" else None
                server = SyntheticTarget(ip, place.port, any_path=True, ssl_context=tls)
                servers[(ip, place.port)] = server.start()
            step = place.job.interval / ctx.time_scale
            for series in fixture.jobs[place.job.name]:
                server.add_timeline(
                    (series.name, series.labels),
                    list(series.samples),
                    step,
                    scenario=f"{SCENARIO}/{place.job.name}",
                    continues=series.continues,
                )
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return list(servers.values())


def _tls(ctx: RenderContext, place: ExporterPlace, ip: str) -> ssl.SSLContext:
    import importlib.util

    if importlib.util.find_spec("cryptography") is None:
        raise HarnessError(
            f"job {place.job.name!r} scrapes with scheme https: its stand-in needs a certificate of the "
            "run's CA, and the cryptography package is missing",
            place=FILE_NAME,
            hint="pip install 'stackcheck[tls]' (or cryptography)",
        )
    cert, key = ctx.ca.issue(f"exporter-{place.job.name}-{place.host}-{place.port}", [place.host, ip])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def _prometheus_yml(project: Project) -> Path:
    config = project.components["prometheus"].config
    if config is None:
        raise HarnessError("components.prometheus.config is not set", place=str(project.stack_file))
    return config
