"""What ``stackcheck init`` infers about a stack: per component its config files (on the host, where
they are), address, version, flags; the components that are absent and why; the services the
harness does not run. From a compose file (``from_compose``) or from plain config paths
(``from_paths``). Every guess is recorded as a note the user is asked to review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from validation.core.errors import HarnessError, StackcheckError
from validation.core.scrape_jobs import NODE_EXPORTER_PORT, ScrapeJobTargets, scrape_jobs
from validation.core.yamlload import load_yaml
from validation.init.compose import ComposeStack, Service

DEFAULT_PORTS = {
    "prometheus": 9090,
    "alertmanager": 9093,
    "pushgateway": 9091,
    "node_exporter": 9100,
    "grafana": 3000,
}
CONFIG_PATHS = {
    "prometheus": "/etc/prometheus/prometheus.yml",
    "alertmanager": "/etc/alertmanager/alertmanager.yml",
}
GRAFANA_INI = "/etc/grafana/grafana.ini"
GRAFANA_PROVISIONING = "/etc/grafana/provisioning"
# flags the harness sets itself for every instance (config files, listen address)
OWNED_FLAGS = ("config.file", "web.config.file", "web.listen-address")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")  # in prometheus.yml: Prometheus itself


@dataclass
class ComponentPlan:
    name: str
    service: str = ""  # the compose service it came from
    version: str = ""
    image: str = ""
    address: str = ""
    config: Path | None = None
    web_config: Path | None = None
    provisioning: Path | None = None
    dashboards: Path | None = None
    job: str = ""
    flags: dict[str, Any] = field(default_factory=dict)
    required: bool = True
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UnservedJob:
    """A scrape job whose targets no component of the harness serves (cAdvisor, DCGM, …)."""

    job: str
    kind: str  # cadvisor, dcgm, blackbox, an exporter's name, or '' when unknown
    service: str = ""


@dataclass
class StackPlan:
    source: Path  # the compose file, or prometheus.yml
    components: dict[str, ComponentPlan]
    absent: dict[str, str] = field(default_factory=dict)  # component → why
    unserved: list[UnservedJob] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def prometheus_yml(self) -> Path:
        config = self.components["prometheus"].config
        assert config is not None  # from_compose / from_paths refuse a plan without it
        return config


def from_compose(compose: ComposeStack) -> StackPlan:
    where = compose.path.name
    components: dict[str, ComponentPlan] = {}
    absent: dict[str, str] = {}
    notes: list[str] = []
    for name in DEFAULT_PORTS:
        services = compose.by_component(name)
        if not services:
            absent[name] = f"no service of {where} runs a {name} image"
            continue
        if len(services) > 1 and name != "node_exporter":
            notes.append(
                f"{where}: several {name} services ({', '.join(s.name for s in services)}); "
                f"stack.yaml describes {services[0].name!r}"
            )
        components[name] = _component(name, services[0], compose)
    if "prometheus" not in components:
        raise HarnessError(
            "no service runs a Prometheus image (prom/prometheus…)",
            place=str(compose.path),
            hint="stackcheck tests a Prometheus-based stack; or pass --prometheus-config FILE",
        )
    plan = StackPlan(compose.path, components, absent, notes=notes)
    jobs = _jobs(plan)
    if "node_exporter" in components:
        _node_job(plan, jobs, compose.by_component("node_exporter"))
    served = _served_hosts(plan)
    for job in jobs:
        hosts = {address.rsplit(":", 1)[0] for address in _addresses(job)}
        if (
            not hosts
            or hosts & served
            or job.name == plan.components.get("node_exporter", ComponentPlan("")).job
        ):
            continue
        service = next((s for s in compose.services if s.name in hosts), None)
        kind = service.exporter if service is not None else ""
        plan.unserved.append(UnservedJob(job.name, kind, service.name if service else ""))
    return plan


def from_paths(prometheus: Path, alertmanager: Path | None = None, grafana: Path | None = None) -> StackPlan:
    for label, path in (("--prometheus-config", prometheus), ("--alertmanager-config", alertmanager)):
        if path is not None and not path.is_file():
            raise HarnessError(f"{label}: file not found", place=str(path), hint="pass the path of the file")
    if grafana is not None and not grafana.is_dir():
        raise HarnessError(
            "--grafana-dir: not a folder", place=str(grafana), hint="pass the folder holding provisioning/"
        )
    components = {"prometheus": ComponentPlan("prometheus", config=prometheus.resolve())}
    plan = StackPlan(prometheus.resolve(), components)
    jobs = _jobs(plan)
    prom = components["prometheus"]
    prom.address = _address_in_jobs(jobs, "prometheus", 9090) or "prometheus:9090"
    prom.notes.append(
        f"address {prom.address}: the target of the job scraping Prometheus itself (or the default)"
    )
    if alertmanager is not None:
        am = ComponentPlan("alertmanager", config=alertmanager.resolve())
        am.address = _alerting_target(prometheus) or "alertmanager:9093"
        am.notes.append(
            f"address {am.address}: from prometheus.yml's alerting.alertmanagers (or the default)"
        )
        components["alertmanager"] = am
    else:
        plan.absent["alertmanager"] = "no --alertmanager-config given"
    push = _address_in_jobs(jobs, "", 9091)
    if push:
        components["pushgateway"] = ComponentPlan(
            "pushgateway", address=push, notes=[f"a job scrapes {push} (port 9091)"]
        )
    else:
        plan.absent["pushgateway"] = "no scrape job has a target on port 9091"
    node_jobs = [
        j for j in jobs if _addresses(j) and all(a.endswith(f":{NODE_EXPORTER_PORT}") for a in _addresses(j))
    ]
    if node_jobs:
        node = ComponentPlan("node_exporter", job=node_jobs[0].name)
        node.notes.append(
            f"the job {node.job!r} scrapes node_exporters (every target on :{NODE_EXPORTER_PORT})"
        )
        components["node_exporter"] = node
    else:
        plan.absent["node_exporter"] = f"no scrape job whose targets all listen on :{NODE_EXPORTER_PORT}"
    if grafana is not None:
        components["grafana"] = _grafana_dir(grafana.resolve())
    else:
        plan.absent["grafana"] = "no --grafana-dir given"
    hosts = {c.address.rsplit(":", 1)[0] for c in components.values() if c.address} | set(LOCAL_HOSTS)
    for job in jobs:
        addresses = _addresses(job)
        if not addresses or job.name == getattr(components.get("node_exporter"), "job", None):
            continue
        if not {a.rsplit(":", 1)[0] for a in addresses} & hosts:
            plan.unserved.append(UnservedJob(job.name, _kind_by_port(addresses)))
    for component in components.values():
        component.notes.append("version: not pinned (no image tag to read it from); pin what production runs")
        web = component.config.parent / "web.yml" if component.config is not None else None
        if component.name in CONFIG_PATHS and web is not None and web.is_file():
            component.web_config = web
            component.notes.append(
                "web_config: the web.yml beside its config (a guess: check it is the one it runs with)"
            )
    return plan


# ---------------------------------------------------------------- compose services → components
def _component(name: str, service: Service, compose: ComposeStack) -> ComponentPlan:
    plan = ComponentPlan(name, service=service.name, version=service.version, image=service.image)
    if not plan.version:
        plan.notes.append(
            f"version: the image {service.image!r} has no version tag; pin what production runs"
        )
    port = _listen_port(service, DEFAULT_PORTS[name])
    if name != "node_exporter":
        plan.address = f"{service.name}:{port}"
        plan.notes.append(
            f"address {plan.address}: the compose service name and its port, as the other services reach it"
        )
    if name in CONFIG_PATHS:
        plan.config = _mounted_file(
            service, str(service.flags.get("config.file") or CONFIG_PATHS[name]), compose, name
        )
    web = service.flags.get("web.config.file")
    if isinstance(web, str):
        plan.web_config = _mounted_file(service, web, compose, name)
    if name == "grafana":
        _grafana(plan, service, compose)
    plan.flags = _flags(name, service, plan.notes)
    return plan


def _listen_port(service: Service, default: int) -> int:
    listen = service.flags.get("web.listen-address")
    if isinstance(listen, str) and listen.rsplit(":", 1)[-1].isdigit():
        return int(listen.rsplit(":", 1)[-1])
    return default


def _mounted_file(service: Service, container_path: str, compose: ComposeStack, component: str) -> Path:
    host, mount = service.host_path(container_path)
    if host is None:
        option = f"--{component}-config FILE" if component in CONFIG_PATHS else "a bind mount"
        raise HarnessError(
            f"service {service.name!r} mounts no host file at {container_path} (its {component} config): "
            "stackcheck tests the config files as they are on disk",
            place=f"{compose.path}:{service.lines.get('volumes', service.line)}",
            hint=f"bind-mount it (volumes: - ./{component}/{PurePosixPath(container_path).name}:{container_path}) "
            f"or run init with {option}",
        )
    if not host.is_file():
        assert mount is not None
        raise HarnessError(
            f"{container_path} of service {service.name!r} is {host} on the host, which "
            + ("is a folder, not a file" if host.is_dir() else "does not exist"),
            place=f"{compose.path}:{mount.line}",
            hint="fix the volume's host path (relative to the compose file) or the --config.file flag",
        )
    return host


def _flags(name: str, service: Service, notes: list[str]) -> dict[str, Any]:
    from validation.components import COMPONENTS

    moved = COMPONENTS[name].path_flags
    out: dict[str, Any] = {}
    for flag, value in service.flags.items():
        if flag in OWNED_FLAGS:
            continue
        if isinstance(value, str) and value.startswith("/") and flag not in moved:
            host, mount = service.host_path(value)
            if host is not None and mount is not None and mount.source.startswith("/") and host.exists():
                if str(host) != value:
                    notes.append(
                        f"flag {flag}: container path {value} is {host} on the host (mounted from it)"
                    )
                out[flag] = str(host)
            else:
                notes.append(
                    f"flag {flag}={value} left out: a path inside the container with no host counterpart"
                )
            continue
        out[flag] = value
    return out


def _grafana(plan: ComponentPlan, service: Service, compose: ComposeStack) -> None:
    plan.required = False
    plan.notes.append(
        "required: false — Grafana is not installable everywhere; its live checks need GRAFANA_URL"
    )
    ini = service.environment.get("GF_PATHS_CONFIG", GRAFANA_INI)
    host, _ = service.host_path(ini)
    if host is not None and host.is_file():
        plan.config = host
    else:
        plan.notes.append(f"no grafana.ini mounted at {ini}: the grafana.ini checks have nothing to read")
    root = service.environment.get("GF_PATHS_PROVISIONING", GRAFANA_PROVISIONING)
    host, _ = service.host_path(root)
    if host is None:  # sub-folders mounted one by one: their common host parent, if they agree
        parents = set()
        for mount in service.mounts:
            inside = PurePosixPath(mount.container)
            if mount.host is not None and PurePosixPath(root) in inside.parents:
                rel = inside.relative_to(root)
                if mount.host.parts[-len(rel.parts) :] == rel.parts:
                    parents.add(Path(*mount.host.parts[: -len(rel.parts)]))
        if len(parents) == 1:
            host = parents.pop()
            plan.notes.append(f"provisioning: the host folder behind the sub-folders mounted into {root}")
        elif parents:
            plan.notes.append(
                f"provisioning: sub-folders of {root} come from different host folders; stack.yaml takes one"
            )
            host = sorted(parents)[0]
    if host is None or not host.is_dir():
        plan.notes.append(
            f"no provisioning folder mounted at {root}: datasources and dashboards are not checked"
        )
        return
    plan.provisioning = host
    plan.dashboards = _dashboards_folder(host, service)
    if plan.dashboards is None:
        plan.notes.append(
            "no dashboard provider (provisioning/dashboards/*.yml options.path) found on the host"
        )


def _dashboards_folder(provisioning: Path, service: Service | None) -> Path | None:
    for provider_file in sorted((provisioning / "dashboards").glob("*.y*ml")):
        try:
            data: Any = load_yaml(provider_file)
        except StackcheckError:
            continue
        for provider in (data or {}).get("providers") or [] if isinstance(data, dict) else []:
            path = str(((provider or {}).get("options") or {}).get("path") or "")
            if not path:
                continue
            if service is not None:
                host, _ = service.host_path(path)
            else:
                host = (provider_file.parent / path) if not path.startswith("/") else None
            if host is not None and host.is_dir():
                return host
    return None


def _grafana_dir(folder: Path) -> ComponentPlan:
    plan = ComponentPlan("grafana", address="grafana:3000", required=False)
    plan.notes.append("address grafana:3000 (the default); required: false — live checks need GRAFANA_URL")
    if (folder / "grafana.ini").is_file():
        plan.config = folder / "grafana.ini"
    provisioning = folder / "provisioning" if (folder / "provisioning").is_dir() else folder
    plan.provisioning = provisioning
    plan.dashboards = _dashboards_folder(provisioning, None) or next(
        (d for d in (folder / "dashboards", provisioning / "dashboards") if d.is_dir()), None
    )
    if plan.dashboards is not None:
        plan.notes.append(
            f"dashboards: {plan.dashboards} (the provider's path is a container path: check it)"
        )
    return plan


# ---------------------------------------------------------------- prometheus.yml
def _jobs(plan: StackPlan) -> list[ScrapeJobTargets]:
    from validation.core.yamlload import parse_yaml

    path = plan.prometheus_yml
    parse_yaml(path.read_text(encoding="utf-8"), source=str(path), error=HarnessError)
    return scrape_jobs(path)


def _addresses(job: ScrapeJobTargets) -> list[str]:
    try:
        return job.addresses()
    except StackcheckError:
        return list(job.static)


def _node_job(plan: StackPlan, jobs: list[ScrapeJobTargets], services: list[Service]) -> None:
    node = plan.components["node_exporter"]
    names = {s.name for s in services}
    for job in jobs:
        hosts = {a.rsplit(":", 1)[0] for a in _addresses(job)}
        if hosts & names:
            node.job = job.name
            node.notes.append(
                f"job {job.name!r}: the scrape job whose targets name the service {sorted(hosts & names)[0]!r}"
            )
            return
    node.notes.append(
        "no scrape job names the node_exporter service: stackcheck picks the job whose targets are all on :9100"
    )


def _served_hosts(plan: StackPlan) -> set[str]:
    hosts = {c.address.rsplit(":", 1)[0] for c in plan.components.values() if c.address}
    hosts |= set(LOCAL_HOSTS)  # Prometheus scraping itself
    return hosts


def _address_in_jobs(jobs: list[ScrapeJobTargets], name: str, port: int) -> str:
    for job in jobs:
        for address in _addresses(job):
            local = address.rsplit(":", 1)[0] in LOCAL_HOSTS
            if address.endswith(f":{port}") and (not name or job.name == name) and not local:
                return address
    return ""


def _alerting_target(prometheus: Path) -> str:
    try:
        data: Any = load_yaml(prometheus, error=HarnessError)
    except StackcheckError:
        return ""
    for am in ((data or {}).get("alerting") or {}).get("alertmanagers") or []:
        for group in (am or {}).get("static_configs") or []:
            for target in (group or {}).get("targets") or []:
                return str(target)
    return ""


def _kind_by_port(addresses: list[str]) -> str:
    ports = {a.rsplit(":", 1)[-1] for a in addresses}
    return (
        {"8080": "cadvisor", "9400": "dcgm", "9115": "blackbox"}.get(ports.pop(), "")
        if len(ports) == 1
        else ""
    )
