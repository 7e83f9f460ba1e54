"""A docker-compose file read the way ``stackcheck init`` needs it: per service its image (which
component or exporter it is, and the version in the tag), the flags of its ``command:``, its mounts
(host path ↔ container path, relative to the compose file), ``configs:`` and ports.

Only what compose itself says is read; nothing runs. ``${VAR:-default}`` takes the default (or the
environment's value), ``$$`` is a literal ``$`` as in compose.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from validation.core.errors import HarnessError
from validation.core.yamlload import LineDict, load_yaml

# image repository (its last path component) → component of stack.yaml
COMPONENT_IMAGES = {
    "prometheus": "prometheus",
    "alertmanager": "alertmanager",
    "pushgateway": "pushgateway",
    "node-exporter": "node_exporter",
    "node_exporter": "node_exporter",
    "grafana": "grafana",
    "grafana-oss": "grafana",
    "grafana-enterprise": "grafana",
}
# exporters the harness does not run: served by a synthetic target (fixtures/exporters.yaml)
EXPORTER_IMAGES = {
    "cadvisor": "cadvisor",
    "dcgm-exporter": "dcgm",
    "blackbox-exporter": "blackbox",
}

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Mount:
    """One volume or config of a service: ``host`` is None for a named volume."""

    container: str
    host: Path | None
    source: str  # as written (a named volume's name)
    line: int

    def host_path_of(self, container_path: str) -> Path | None:
        """The host path behind ``container_path`` when this bind mount contains it."""
        if self.host is None:
            return None
        inside = PurePosixPath(container_path)
        root = PurePosixPath(self.container)
        if inside == root:
            return self.host
        if root in inside.parents:
            return self.host / inside.relative_to(root)
        return None


@dataclass(frozen=True)
class Service:
    name: str
    image: str
    line: int
    command: tuple[str, ...] = ()
    flags: dict[str, str | bool] = field(default_factory=dict)
    mounts: tuple[Mount, ...] = ()
    ports: tuple[int, ...] = ()  # container ports (ports: and expose:)
    environment: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def repository(self) -> str:
        return image_parts(self.image)[0]

    @property
    def version(self) -> str:
        return image_parts(self.image)[1]

    @property
    def component(self) -> str:
        """The stack.yaml component this service is, '' for anything else."""
        return COMPONENT_IMAGES.get(self.repository.rsplit("/", 1)[-1], "")

    @property
    def exporter(self) -> str:
        """The exporter kind (cadvisor, dcgm, blackbox, or the repository's name for any other
        ``*-exporter``), '' when the service is not one the harness would need to serve."""
        last = self.repository.rsplit("/", 1)[-1]
        if last in EXPORTER_IMAGES:
            return EXPORTER_IMAGES[last]
        if not self.component and re.search(r"[-_]exporter$", last):
            return last
        return ""

    def host_path(self, container_path: str) -> tuple[Path | None, Mount | None]:
        """The host path of a file inside the container (the deepest bind mount holding it)."""
        best: tuple[Path | None, Mount | None] = (None, None)
        depth = -1
        for mount in self.mounts:
            found = mount.host_path_of(container_path)
            if found is not None and len(PurePosixPath(mount.container).parts) > depth:
                best, depth = (found, mount), len(PurePosixPath(mount.container).parts)
        return best

    def place(self, key: str = "", compose: Path | None = None) -> str:
        line = self.lines.get(key, self.line) if key else self.line
        return f"{compose}:{line}" if compose is not None else str(line)


@dataclass(frozen=True)
class ComposeStack:
    path: Path
    services: tuple[Service, ...]

    def by_component(self, component: str) -> list[Service]:
        return [s for s in self.services if s.component == component]

    def exporters(self) -> list[Service]:
        return [s for s in self.services if s.exporter]


def image_parts(image: str) -> tuple[str, str]:
    """``registry/repo:tag@digest`` → (repo without registry host, version from the tag: 'v2.42.0' →
    '2.42.0'; '' for latest or no tag)."""
    name = image.split("@", 1)[0]
    tag = ""
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    version = tag[1:] if re.match(r"^v\d", tag) else tag
    # 12.0.2-ubuntu → 12.0.2; latest (or no tag) pins nothing
    version = version.split("-", 1)[0] if re.match(r"^\d", version) else ""
    return "/".join(parts), version


def parse_flags(command: list[str] | tuple[str, ...]) -> dict[str, str | bool]:
    """Command-line flags as kingpin and Go's flag package read them: ``--a=b``, ``--a b``,
    ``-a=b``, a bare ``--a`` (true) and ``--no-a`` (false). Tokens before the first flag (the
    binary) are skipped."""
    flags: dict[str, str | bool] = {}
    tokens = list(command)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("-") or token in ("-", "--"):
            continue
        name = token.lstrip("-")
        if "=" in name:
            key, value = name.split("=", 1)
            flags[key] = value
        elif i < len(tokens) and not tokens[i].startswith("-"):
            flags[name] = tokens[i]
            i += 1
        elif name.startswith("no-"):
            flags[name[3:]] = False
        else:
            flags[name] = True
    return flags


def command_tokens(value: Any, place: str) -> list[str]:
    """compose's ``command:``: a list (each item one argument) or a string (split as a shell does)."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            return shlex.split(_unescape(value))
        except ValueError as exc:
            raise HarnessError(
                f"command: cannot be split into arguments ({exc})",
                place=place,
                hint="close the quote, or write command: as a list",
            ) from None
    if isinstance(value, list):
        return [_unescape(str(item)) for item in value]
    raise HarnessError(
        "command: must be a string or a list", place=place, hint="see the compose file reference"
    )


def _unescape(text: str) -> str:
    """compose's interpolation: ``$$`` → ``$``, ``${VAR:-default}`` → the environment or default."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        op, default = match.group(2), match.group(3) or ""
        value = os.environ.get(name)
        if op in (":-", "-") and (value is None or (op == ":-" and not value)):
            return default
        return value if value is not None else ""

    parts = text.split("$$")
    return "$".join(_VAR.sub(sub, part) for part in parts)


def load_compose(path: Path) -> ComposeStack:
    """Every service of a compose file; an unreadable file or a service without image is exit 2 with
    file:line."""
    if not path.is_file():
        raise HarnessError(
            "compose file not found", place=str(path), hint="pass the path of your docker-compose.yml"
        )
    data = load_yaml(path, error=HarnessError)
    if not isinstance(data, LineDict) or not isinstance(data.get("services"), LineDict):
        raise HarnessError(
            "no 'services:' mapping: not a compose file",
            place=f"{path}:{data.line if isinstance(data, LineDict) else 1}",
            hint="pass the docker-compose.yml that defines your Prometheus service",
        )
    configs = data["configs"] if isinstance(data.get("configs"), LineDict) else LineDict()
    services: LineDict = data["services"]
    out = []
    for name, entry in services.items():
        line = services.line_of(name)
        if not isinstance(entry, LineDict):
            raise HarnessError(f"service {name!r} must be a mapping", place=f"{path}:{line}")
        out.append(_service(str(name), entry, line, path, configs))
    return ComposeStack(path.resolve(), tuple(out))


def _service(name: str, entry: LineDict, line: int, path: Path, configs: LineDict) -> Service:
    base = path.resolve().parent
    image = _unescape(str(entry.get("image") or ""))
    command = command_tokens(entry.get("command"), f"{path}:{entry.line_of('command')}")
    if not image:
        image = name  # a locally built service: recognised only by its name
    mounts = [_volume(item, base, entry, path) for item in _list(entry.get("volumes"))]
    for item in _list(entry.get("configs")):
        mounts.append(_config(item, base, configs, entry, path))
    ports: list[int] = []
    for item in _list(entry.get("ports")) + _list(entry.get("expose")):
        port = _container_port(item)
        if port and port not in ports:
            ports.append(port)
    env = entry.get("environment") or {}
    if isinstance(env, list):
        env = dict(str(e).partition("=")[::2] for e in env)
    return Service(
        name=name,
        image=image,
        line=line,
        command=tuple(command),
        flags=parse_flags(command),
        mounts=tuple(m for m in mounts if m is not None),
        ports=tuple(ports),
        environment={str(k): _unescape(str(v)) for k, v in dict(env).items()},
        lines={str(key): entry.line_of(key) for key in entry},
    )


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _volume(item: Any, base: Path, entry: LineDict, path: Path) -> Mount | None:
    line = item.line if isinstance(item, LineDict) else entry.line_of("volumes")
    if isinstance(item, dict):  # long syntax
        source, target = _unescape(str(item.get("source", ""))), str(item.get("target", ""))
        bind = item.get("type") == "bind"
    else:
        parts = _unescape(str(item)).split(":")
        if len(parts) == 1:
            return Mount(parts[0], None, "", line)  # anonymous volume
        source, target = parts[0], parts[1]
        bind = source.startswith((".", "/", "~"))
    if not target:
        raise HarnessError(
            f"volume {item!r} has no container path", place=f"{path}:{line}", hint="write host:container"
        )
    host = (
        (base / Path(source).expanduser()).resolve() if bind or source.startswith((".", "/", "~")) else None
    )
    return Mount(target, host, source, line)


def _config(item: Any, base: Path, configs: LineDict, entry: LineDict, path: Path) -> Mount | None:
    line = entry.line_of("configs")
    name = str(item.get("source", "")) if isinstance(item, dict) else str(item)
    target = str(item.get("target", f"/{name}")) if isinstance(item, dict) else f"/{name}"
    spec = configs.get(name)
    if not isinstance(spec, dict) or "file" not in spec:
        return Mount(target, None, name, line)
    return Mount(target, (base / _unescape(str(spec["file"]))).resolve(), name, line)


def _container_port(item: Any) -> int:
    if isinstance(item, dict):
        return int(item.get("target") or 0)
    text = str(item).split("/", 1)[0]  # "9090/tcp"
    port = text.rsplit(":", 1)[-1]
    port = port.split("-", 1)[0]
    return int(port) if port.isdigit() else 0
