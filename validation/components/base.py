"""The one interface every component module implements.

A component module says everything the harness knows about one component: where its instances
listen, how it is launched (arguments, flags moved into the run directory), which render steps
apply to it, how readiness and health are probed, its default version, binaries, Debian package
and official image. It never starts anything (that is the backends' job) and never rewrites a
config itself (that is render's job: the module only calls the render step that applies).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from validation.components.flags import flag_args, relocate_paths
from validation.core.errors import HarnessError
from validation.provision.apt import install_hint
from validation.provision.binaries import Which, binary_version, find_binary, require_binary

if TYPE_CHECKING:
    from validation.core.project import ComponentConfig
    from validation.render.context import RenderContext

# Set by the harness for every instance; a value in stack.yaml's flags is replaced.
HARNESS_FLAGS = ("web.listen-address", "web.config.file", "config.file")


@dataclass(frozen=True)
class Placement:
    """One instance: its name in the run (``node_exporter/gpu-node-1``) and the host:port the
    configs use for it."""

    name: str
    host: str
    port: int


@dataclass(frozen=True)
class RenderInputs:
    """What the render steps of one run share."""

    ctx: RenderContext
    rule_files: list[Path]
    fixtures_dir: Path
    synthetic_address: str | None  # host:port of the synthetic target, None when there is none


@dataclass(frozen=True)
class Rendered:
    """A component's run copy of its config; ``result`` is render's own description of it."""

    path: Path
    result: Any
    uncompressible: tuple[str, ...] = ()


@dataclass(frozen=True)
class LaunchInputs:
    """What the arguments of one instance depend on besides stack.yaml."""

    workdir: Path  # the instance's own directory in the run directory
    listen: tuple[str, int]  # the loopback address it listens on
    time_scale: float
    web_config: Path | None = None  # rendered --web.config.file
    rendered: Rendered | None = None  # the component's rendered config (--config.file)
    map_address: Callable[[str], str] | None = None  # host:port a config names → its loopback stand-in


class Component:
    """Base class: a component with one instance at ``address`` and no config of its own."""

    name: ClassVar[str]
    binaries: ClassVar[tuple[str, ...]]  # Debian name and upstream name, first found wins
    debian_package: ClassVar[str]
    image: ClassVar[str]  # official image (repository only; the tag comes from stack.yaml)
    container_entrypoint: ClassVar[str]  # where the official image keeps the binary
    ready_path: ClassVar[str]
    healthy_path: ClassVar[str]
    default_version: ClassVar[str]  # provision's pin when there is no stack.yaml
    required_by_default: ClassVar[bool] = True
    launched_by_stack: ClassVar[bool] = True  # in the Stack's default component selection
    path_flags: ClassVar[tuple[str, ...]] = ()  # flags whose value is a path moved into the run dir
    auth_protected: ClassVar[bool] = True  # --web.config.file basic auth covers every endpoint
    flag_defaults: ClassVar[tuple[tuple[str, Any], ...]] = ()  # harness defaults stack.yaml may override
    extra_binaries: ClassVar[tuple[str, ...]] = ()  # its tools, copied into locally built images

    # ---------------------------------------------------------------- binaries
    def binary_names(self, config: ComponentConfig | None = None) -> tuple[str, ...]:
        """stack.yaml's ``binary`` when set, else the Debian and upstream names."""
        return (config.binary,) if config is not None and config.binary else self.binaries

    def find_binary(self, config: ComponentConfig | None = None, which: Which = shutil.which) -> str:
        """The binary on PATH, '' when absent."""
        return find_binary(self.binary_names(config), which)

    def require_binary(self, config: ComponentConfig | None = None) -> str:
        """The binary on PATH; ``ComponentUnavailable`` naming what to install when absent."""
        return require_binary(
            self.binary_names(config), place=self.name, hint=install_hint(self.debian_package)
        )

    def version(self, binary: str) -> str:
        return binary_version(binary)

    # ---------------------------------------------------------------- instances
    def instances(self, config: ComponentConfig, stack_file: Path) -> list[Placement]:
        if not config.address:
            raise HarnessError(
                f"components.{self.name}.address is missing",
                place=str(stack_file),
                hint="give host:port as the configs name it, e.g. prometheus:9090",
            )
        return [Placement(self.name, config.host, config.port)]

    # ---------------------------------------------------------------- render and launch
    def render(self, own: Placement, config: ComponentConfig, inputs: RenderInputs) -> Rendered | None:
        """Render the run copy of the component's config; None when it has none to render."""
        return None

    def launch_args(self, config: ComponentConfig, launch: LaunchInputs) -> list[str]:
        """The arguments of one instance (without the executable), for both backends."""
        flags = self.run_flags(relocate_paths(config.flags, self.path_flags, launch.workdir), launch)
        for name, value in self.flag_defaults:
            flags.setdefault(name, value)
        args: list[str] = []
        if launch.rendered is not None:
            args.append(f"--config.file={launch.rendered.path}")
        if launch.web_config is not None:
            args.append(f"--web.config.file={launch.web_config}")
        args.append(f"--web.listen-address={launch.listen[0]}:{launch.listen[1]}")
        for owned in HARNESS_FLAGS:
            flags.pop(owned, None)
        return args + flag_args(flags)

    def run_flags(self, flags: dict[str, Any], launch: LaunchInputs) -> dict[str, Any]:
        """stack.yaml's flags (paths already relocated) as this run passes them, after preparing what
        they point at; a hook for subclasses."""
        return flags
