"""The repository under test: stack/, rules/, fixtures/ and the stack.yaml model.

``Project.load(root)`` validates the layout and stack.yaml strictly; every problem is a
``HarnessError`` naming the file (and line) with a hint, never a traceback.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.core.errors import HarnessError
from validation.core.yamlload import LineDict, load_yaml

COMPONENT_KEYS = {
    "version",
    "image",
    "address",
    "config",
    "web_config",
    "flags",
    "targets",
    "provisioning",
    "dashboards",
    "required",
    "binary",
}
TOP_KEYS = {"cluster", "components"}


@dataclass(frozen=True)
class ComponentConfig:
    """One component's entry in stack.yaml (paths already resolved against stack/)."""

    name: str
    version: str = ""
    image: str = ""
    address: str = ""
    config: Path | None = None
    web_config: Path | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    targets: Path | None = None
    provisioning: Path | None = None
    dashboards: Path | None = None
    required: bool = True
    binary: str = ""

    @property
    def host(self) -> str:
        return self.address.rsplit(":", 1)[0] if self.address else ""

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1]) if ":" in self.address else 0


@dataclass(frozen=True)
class Project:
    root: Path
    cluster: str
    components: dict[str, ComponentConfig]

    @property
    def stack_dir(self) -> Path:
        return self.root / "stack"

    @property
    def rules_dir(self) -> Path:
        return self.root / "rules"

    @property
    def fixtures_dir(self) -> Path:
        return self.root / "fixtures"

    @property
    def scenarios_dir(self) -> Path:
        return self.fixtures_dir / "scenarios"

    def rule_files(self) -> list[Path]:
        return sorted(self.rules_dir.glob("*.rules.yml")) + sorted(self.rules_dir.glob("*.rules.yaml"))

    def rule_test_files(self) -> list[Path]:
        tests = self.rules_dir / "tests"
        return sorted(tests.glob("*.yml")) + sorted(tests.glob("*.yaml"))

    def component(self, name: str) -> ComponentConfig | None:
        return self.components.get(name)

    @classmethod
    def load(cls, root: Path) -> Project:
        root = root.resolve()
        if not root.is_dir():
            raise HarnessError("no such directory", place=str(root), hint="pass an existing repository to -C")
        stack_dir = root / "stack"
        if not stack_dir.is_dir():
            raise HarnessError(
                "no stack/ folder",
                place=str(root),
                hint="run stackcheck from a repository laid out with stack/ + rules/ + fixtures/, or point -C at one",
            )
        stack_file = stack_dir / "stack.yaml"
        if not stack_file.is_file():
            raise HarnessError(
                "stack/stack.yaml is missing",
                place=str(stack_file),
                hint="create it: it lists the components, their versions and config files (see README)",
            )
        data = load_yaml(stack_file, error=HarnessError)
        if not isinstance(data, LineDict):
            raise HarnessError("expected a mapping at the top", place=f"{stack_file}:1", hint="see README")
        _reject_unknown(data, TOP_KEYS, stack_file, "the top level")
        known = _component_names()
        raw = data.get("components")
        if not isinstance(raw, LineDict) or not raw:
            raise HarnessError(
                "'components' must be a non-empty mapping",
                place=f"{stack_file}:{data.line_of('components')}",
                hint=f"list some of: {', '.join(known)}",
            )
        components: dict[str, ComponentConfig] = {}
        for name, entry in raw.items():
            line = raw.line_of(name)
            if name not in known:
                raise HarnessError(
                    f"unknown component {name!r}{_did_you_mean(name, known)}",
                    place=f"{stack_file}:{line}",
                    hint=f"components are: {', '.join(known)}",
                )
            entry = entry if entry is not None else LineDict()
            if not isinstance(entry, LineDict):
                raise HarnessError(f"component {name!r} must be a mapping", place=f"{stack_file}:{line}")
            _reject_unknown(entry, COMPONENT_KEYS, stack_file, f"components.{name}")
            components[name] = _component(name, entry, stack_dir, stack_file)
        for required in ("prometheus",):
            if required not in components:
                raise HarnessError(
                    f"component {required!r} is missing",
                    place=str(stack_file),
                    hint="add it under components:",
                )
        return cls(root=root, cluster=str(data.get("cluster", "")), components=components)


def _component_names() -> tuple[str, ...]:
    # imported here: the component modules depend on this model, not the other way round
    from validation.components import component_names

    return component_names()


def _component(name: str, entry: LineDict, stack_dir: Path, stack_file: Path) -> ComponentConfig:
    def path(key: str) -> Path | None:
        value = entry.get(key)
        if value is None:
            return None
        resolved = (stack_dir / str(value)).resolve()
        if not resolved.exists():
            raise HarnessError(
                f"components.{name}.{key} points to {value!r}, which does not exist",
                place=f"{stack_file}:{entry.line_of(key)}",
                hint=f"create {resolved} or fix the path (relative to stack/)",
            )
        return resolved

    address = str(entry.get("address", ""))
    if address and (":" not in address or not address.rsplit(":", 1)[1].isdigit()):
        raise HarnessError(
            f"components.{name}.address {address!r} is not host:port",
            place=f"{stack_file}:{entry.line_of('address')}",
            hint="write it as the configs name it, e.g. prometheus:9090",
        )
    flags = entry.get("flags") or {}
    if not isinstance(flags, dict):
        raise HarnessError(
            f"components.{name}.flags must be a mapping", place=f"{stack_file}:{entry.line_of('flags')}"
        )
    return ComponentConfig(
        name=name,
        version=str(entry.get("version", "")),
        image=str(entry.get("image", "")),
        address=address,
        config=path("config"),
        web_config=path("web_config"),
        flags=dict(flags),
        targets=path("targets"),
        provisioning=path("provisioning"),
        dashboards=path("dashboards"),
        required=bool(entry.get("required", True)),
        binary=str(entry.get("binary", "")),
    )


def _reject_unknown(data: LineDict, allowed: set[str], source: Path, where: str) -> None:
    for key in data:
        if key not in allowed:
            raise HarnessError(
                f"unknown key {key!r} in {where}{_did_you_mean(str(key), allowed)}",
                place=f"{source}:{data.line_of(key)}",
                hint=f"allowed keys: {', '.join(sorted(allowed))}",
            )


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
