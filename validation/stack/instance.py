"""The instance model of a Stack: each instance of a component at its loopback address, and
what one run rendered for them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from validation.backends.base import Handle, LaunchSpec
from validation.components.base import Component, LaunchInputs, Rendered
from validation.core.project import ComponentConfig
from validation.render.alertmanager import RenderedAlertmanager
from validation.render.context import RenderContext
from validation.render.prometheus import RenderedPrometheus


@dataclass
class Instance:
    """One running (or startable) instance of a component at its loopback address."""

    name: str
    component: Component
    config: ComponentConfig
    host: str
    ip: str
    port: int
    user: str = ""
    web_config: Path | None = None
    tls: bool = False  # its web.yml turns TLS on: served with a certificate of the run's CA
    launch: LaunchSpec | None = None
    handle: Handle | None = None
    started_at: float = 0.0
    ready_at: float = 0.0

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.ip}:{self.port}"

    @property
    def startup_seconds(self) -> float:
        return self.ready_at - self.started_at if self.ready_at else 0.0

    @property
    def dir_name(self) -> str:
        """Its directory (and file name stem) in the run directory."""
        return self.name.replace("/", "_")

    def launch_args(
        self,
        workdir: Path,
        time_scale: float,
        rendered: Rendered | None,
        map_address: Callable[[str], str] | None = None,
    ) -> list[str]:
        return self.component.launch_args(
            self.config,
            LaunchInputs(workdir, (self.ip, self.port), time_scale, self.web_config, rendered, map_address),
        )


@dataclass
class StackState:
    ctx: RenderContext
    instances: dict[str, Instance] = field(default_factory=dict)
    rendered: dict[str, Rendered] = field(default_factory=dict)  # component name → its run config
    uncompressible: list[str] = field(default_factory=list)
    synthetic_address: tuple[str, int] | None = None

    @property
    def prometheus(self) -> RenderedPrometheus | None:
        rendered = self.rendered.get("prometheus")
        return rendered.result if rendered is not None else None

    @property
    def alertmanager(self) -> RenderedAlertmanager | None:
        rendered = self.rendered.get("alertmanager")
        return rendered.result if rendered is not None else None
