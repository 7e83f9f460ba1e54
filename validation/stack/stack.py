"""``Stack``: the one object tests and checks talk to, whichever backend runs the components.

    with Stack(Project.load(root), backend="process", time_scale=20) as stack:
        stack.prometheus().targets()

``start`` renders the run copy of the configs (render/), launches every instance through the
backend, and waits until each answers its readiness URL. ``stop`` removes everything it
started, whatever happened; SIGTERM is turned into SystemExit so that cleanup runs.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import requests

from validation.backends.base import Backend, LaunchSpec, ReadyProbe
from validation.clients.alertmanager import AlertmanagerClient
from validation.clients.prometheus import PrometheusClient
from validation.clients.pushgateway import PushgatewayClient
from validation.components import COMPONENTS, launched_by_default
from validation.components.base import RenderInputs
from validation.core.errors import HarnessError, StackcheckError
from validation.core.ports import ensure_free, free_port
from validation.core.project import Project
from validation.core.settings import DEFAULT_BACKEND, REAL_TIME
from validation.core.wait import wait_until
from validation.fixtures.endpoints import FILE_NAME as ENDPOINTS_FILE
from validation.fixtures.endpoints import load_endpoints
from validation.render.addresses import AddressMap
from validation.render.context import RenderContext
from validation.render.web_config import render_web_config, serves_tls
from validation.sinks import Inbox, Sinks
from validation.stack.exporters import start_exporters
from validation.stack.instance import Instance, StackState
from validation.stack.sinks import notification_sinks
from validation.stack.workloads import workload_endpoints
from validation.synthetic.exposition import SyntheticTarget

SYNTHETIC_HOST = "stackcheck-synthetic"


@dataclass
class StackOptions:
    backend: str = DEFAULT_BACKEND
    time_scale: float = REAL_TIME
    min_interval: float = 0.0  # wall seconds: the sampling floor of scrape/evaluation intervals
    run_root: Path | None = None
    keep_run_dir: bool = False
    ready_timeout: float = 60.0
    components: tuple[str, ...] = launched_by_default()
    synthetic: bool = True


def make_backend(name: str) -> Backend:
    if name == "process":
        from validation.backends.process import ProcessBackend

        return ProcessBackend()
    if name == "containers":
        from validation.backends.containers import ContainersBackend

        return ContainersBackend()
    raise HarnessError(f"unknown backend {name!r}", hint="use --backend process, containers or auto")


class Stack:
    def __init__(
        self, project: Project, options: StackOptions | None = None, backend: Backend | None = None
    ) -> None:
        self.project = project
        self.options = options or StackOptions()
        self.backend = backend or make_backend(self.options.backend)
        self.state: StackState | None = None
        self.versions: dict[str, str] = {}
        self.images: dict[str, str] = {}  # containers backend: component → the image it runs
        self._binaries: dict[str, str] = {}
        self._run_dir: Path | None = None
        self._old_sigterm: Any = None
        self._stopped = False
        self.synthetic: SyntheticTarget | None = None
        self.inbox = Inbox()
        self.sinks: Sinks | None = None
        self._servers: list[SyntheticTarget] = []

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self) -> Stack:
        self._install_signal_handlers()
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def run_dir(self) -> Path:
        if self._run_dir is None:
            root = self.options.run_root
            if root is not None:
                root.mkdir(parents=True, exist_ok=True)
            self._run_dir = Path(tempfile.mkdtemp(prefix="stackcheck-run-", dir=root))
        return self._run_dir

    @property
    def ctx(self) -> RenderContext:
        return self._state().ctx

    def _state(self) -> StackState:
        if self.state is None:
            raise HarnessError("the stack is not started", hint="call start() or use `with Stack(...)`")
        return self.state

    def selected(self) -> list[str]:
        """The components this Stack runs, in start order."""
        return [c for c in COMPONENTS if c in self.options.components and c in self.project.components]

    def render(self) -> StackState:
        """Render the run copy of every config; idempotent for one Stack."""
        if self.state is not None:
            return self.state
        ctx = RenderContext(
            self.run_dir,
            AddressMap.allocate(),
            time_scale=self.options.time_scale,
            min_interval_ms=round(self.options.min_interval * 1000),
        )
        state = StackState(ctx)
        self.state = state
        stack_file = self.project.stack_dir / "stack.yaml"
        placements = {
            name: COMPONENTS[name].instances(self.project.components[name], stack_file)
            for name in self.selected()
        }
        for name, places in placements.items():
            component, config = COMPONENTS[name], self.project.components[name]
            for place in places:
                ip = ctx.addresses.address_of(place.host)
                state.instances[place.name] = Instance(
                    place.name, component, config, place.host, ip, place.port
                )
        for inst in state.instances.values():
            if inst.config.web_config:
                inst.tls = serves_tls(inst.config.web_config)
                path, user = render_web_config(
                    inst.config.web_config, ctx, inst.dir_name, (inst.host, inst.ip)
                )
                inst.user = user
                inst.web_config = path
        if self.options.synthetic:
            ip = ctx.addresses.address_of(SYNTHETIC_HOST)
            state.synthetic_address = (ip, free_port(ip))
        synthetic = ":".join(map(str, state.synthetic_address)) if state.synthetic_address else None
        inputs = RenderInputs(ctx, self.project.rule_files(), self.project.fixtures_dir, synthetic)
        for name, places in placements.items():
            rendered = COMPONENTS[name].render(places[0], self.project.components[name], inputs)
            if rendered is not None:
                state.rendered[name] = rendered
                state.uncompressible += rendered.uncompressible
        return state

    def start(self) -> None:
        state = self.render()
        self._start_world(state)
        instances = list(state.instances.values())
        for inst in instances:
            inst.launch = self._launch_spec(inst)
            inst.launch.ready = ReadyProbe(
                inst.url + inst.component.ready_path,
                self._auth(inst.name),
                self.options.ready_timeout,
                str(inst.launch.workdir),
                self.verify,
            )
            ensure_free(inst.ip, inst.port, inst.name)
        started = time.monotonic()
        for inst in instances:
            inst.started_at = started
        launches = [inst.launch for inst in instances if inst.launch is not None]
        for inst, handle in zip(instances, self.backend.launch_all(launches), strict=True):
            inst.handle = handle
        self.wait_until_ready(instances)

    def _start_world(self, state: StackState) -> None:
        """The synthetic target, the workloads the service-discovery fixtures describe and the
        stand-ins of the exporters fixtures/exporters.yaml describes."""
        if state.synthetic_address is not None:
            self.synthetic = SyntheticTarget(*state.synthetic_address).start()
            self._servers.append(self.synthetic)
        if state.alertmanager is not None:
            endpoints = load_endpoints(self.project.fixtures_dir / ENDPOINTS_FILE)
            self.sinks = Sinks(
                self.inbox, notification_sinks(state.alertmanager, self.inbox, state.ctx.password, endpoints)
            )
            self.sinks.start()
        hosts = {i.host for i in state.instances.values()}
        for endpoint in workload_endpoints(self.project.fixtures_dir, hosts):
            ip = state.ctx.addresses.address_of(endpoint.host)
            ensure_free(ip, endpoint.port, f"workload {endpoint.host}:{endpoint.port}")
            server = SyntheticTarget(ip, endpoint.port)
            server.add_timeline(
                ("stackcheck_workload_up", {"endpoint": f"{endpoint.host}:{endpoint.port}"}),
                "1",
                1.0,
                scenario="world",
            )
            self._servers.append(server.start())
        places = {(i.host.lower(), i.port) for i in state.instances.values()}
        self._servers += start_exporters(self.project, state.ctx, places)

    def wait_until_ready(self, instances: list[Instance]) -> None:
        pending = {inst.name: inst for inst in instances}

        def all_ready() -> bool:
            for name, inst in list(pending.items()):
                if inst.handle is not None and not inst.handle.alive():
                    raise self._died(inst)
                if self._probe(inst, inst.component.ready_path):
                    inst.ready_at = (inst.handle.ready_at if inst.handle else 0.0) or time.monotonic()
                    del pending[name]
            return not pending

        wait_until(
            all_ready,
            timeout=self.options.ready_timeout,
            what="readiness of " + ", ".join(pending) if pending else "readiness",
            hint="see the component logs in the run directory: " + str(self.run_dir),
            describe_last=lambda: "not ready: " + ", ".join(sorted(pending)),
        )

    def _probe(self, inst: Instance, path: str) -> bool:
        try:
            response = requests.get(
                inst.url + path,
                auth=self.credentials(inst.name) if inst.user else None,
                timeout=2,
                verify=self.verify,
            )
        except requests.RequestException:
            return False
        return response.status_code == 200

    def _died(self, inst: Instance) -> StackcheckError:
        assert inst.handle is not None
        log = inst.handle.logs().strip().splitlines()
        tail = " | ".join(log[-4:])
        hint = "see the log: " + str(inst.launch.workdir if inst.launch else self.run_dir)
        if "address already in use" in tail:
            hint = (
                f"port {inst.port} is taken by another process; stop it (the harness keeps configured ports)"
            )
        from validation.core.errors import ConfigError

        error_type = (
            ConfigError
            if ("error loading config" in tail.lower() or "parsing" in tail.lower())
            else HarnessError
        )
        return error_type(
            f"{inst.name} exited with code {inst.handle.exit_code()} during start-up: {tail}",
            place=inst.name,
            hint=hint,
        )

    def _binary(self, inst: Instance) -> str:
        name = inst.component.name
        if name not in self._binaries:
            binary = inst.component.require_binary(inst.config)
            self._binaries[name] = binary
            self.versions[name] = inst.component.version(binary)
        return self._binaries[name]

    def _launch_spec(self, inst: Instance) -> LaunchSpec:
        workdir = self.run_dir / inst.dir_name
        workdir.mkdir(parents=True, exist_ok=True)
        rendered = self._state().rendered.get(inst.component.name)
        return LaunchSpec(
            name=inst.name,
            component=inst.component.name,
            binary=self._binary(inst) if self.backend.name == "process" else "",
            image=self._image(inst),
            args=inst.launch_args(workdir, self.options.time_scale, rendered, self.ctx.addresses.map_address),
            workdir=workdir,
            listen=(inst.ip, inst.port),
            mounts=[self.run_dir],
        )

    @property
    def ca_file(self) -> Path | None:
        """The run's CA when some component serves TLS (what every client must trust)."""
        return self.state.ctx.ca.ca_file if self.state is not None and self.state.ctx.uses_tls else None

    @property
    def verify(self) -> str | bool:
        """``verify=`` for requests: the run's CA only; the system's roots never vouch for the stack."""
        return str(self.ca_file) if self.ca_file is not None else True

    def _image(self, inst: Instance) -> str:
        if self.backend.name != "containers":
            return ""
        from validation.docker.images.choice import image_for

        if inst.component.name not in self.images:
            choice = image_for(inst.component, inst.config)
            self.images[inst.component.name] = choice.image
            self.versions[inst.component.name] = choice.version
        return self.images[inst.component.name]

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            self.backend.stop_all()
        finally:
            for server in self._servers:
                server.stop()
            self._servers.clear()
            if self.sinks is not None:
                self.sinks.stop()
            if self.state is not None:
                self.state.ctx.addresses.release()
            self._restore_signal_handlers()
            if not self.options.keep_run_dir and self._run_dir is not None:
                shutil.rmtree(self._run_dir, ignore_errors=True)

    # ---------------------------------------------------------------- per component
    def instance(self, name: str) -> Instance:
        state = self._state()
        if name not in state.instances:
            raise HarnessError(
                f"no component {name!r} in this stack", hint="known: " + ", ".join(state.instances)
            )
        return state.instances[name]

    def instances(self, component: str | None = None) -> list[Instance]:
        return [
            i for i in self._state().instances.values() if component is None or i.component.name == component
        ]

    def url(self, name: str) -> str:
        return self.instance(name).url

    def credentials(self, name: str) -> tuple[str, str]:
        return (self.instance(name).user, self._state().ctx.password)

    def logs(self, name: str) -> str:
        handle = self.instance(name).handle
        return handle.logs() if handle else ""

    def kill(self, name: str) -> None:
        handle = self.instance(name).handle
        if handle is not None:
            handle.kill()

    def restart(self, name: str) -> None:
        """Graceful stop (SIGTERM), then start again with the same arguments and data."""
        self.stop_component(name)
        self.start_component(name)

    def stop_component(self, name: str) -> None:
        """Graceful stop (SIGTERM, SIGKILL after the backend's grace); ``start_component`` revives it."""
        handle = self.instance(name).handle
        if handle is not None:
            handle.stop()

    def start_component(self, name: str) -> None:
        """Launch a stopped or killed instance again (same arguments, same data) and wait until ready."""
        inst = self.instance(name)
        if inst.handle is not None and inst.handle.alive():
            raise HarnessError(f"{name} is still running", hint="stop or kill it first")
        assert inst.launch is not None
        inst.started_at = time.monotonic()
        inst.ready_at = 0.0
        inst.handle = self.backend.launch(inst.launch)
        self.wait_until_ready([inst])

    # ---------------------------------------------------------------- clients
    def _auth(self, name: str) -> tuple[str, str] | None:
        inst = self.instance(name)
        return self.credentials(name) if inst.user else None

    def prometheus(self) -> PrometheusClient:
        return PrometheusClient(self.url("prometheus"), self._auth("prometheus"), ca_bundle=self.ca_file)

    def alertmanager(self) -> AlertmanagerClient:
        return AlertmanagerClient(
            self.url("alertmanager"), self._auth("alertmanager"), ca_bundle=self.ca_file
        )

    def pushgateway(self) -> PushgatewayClient:
        return PushgatewayClient(self.url("pushgateway"), self._auth("pushgateway"), ca_bundle=self.ca_file)

    def environment(self) -> dict[str, Any]:
        return {
            "backend": self.backend.name,
            "time_scale": self.options.time_scale,
            "versions": dict(self.versions),
            **({"images": dict(self.images)} if self.images else {}),
            "address_block": f"127.{self.state.ctx.addresses.block}.0.0/16" if self.state else "",
        }

    # ---------------------------------------------------------------- signals
    def _install_signal_handlers(self) -> None:
        atexit.register(self.stop)
        if threading.current_thread() is threading.main_thread():
            self._old_sigterm = signal.getsignal(signal.SIGTERM)

            def on_sigterm(signum: int, frame: FrameType | None) -> None:
                raise SystemExit(128 + signum)

            signal.signal(signal.SIGTERM, on_sigterm)

    def _restore_signal_handlers(self) -> None:
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        if self._old_sigterm is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None
