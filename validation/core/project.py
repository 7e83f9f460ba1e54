"""The repository under test: stack/stack.yaml and the files it names, laid out the user's way.

``Project.load(root)`` validates stack.yaml strictly; every problem is a ``HarnessError`` naming
the file (and line) with a hint, never a traceback. Where rule files, their unit tests, fixtures
and scenarios live comes from stack.yaml's ``paths:`` (relative to stack.yaml); rule files
default to what prometheus.yml's own ``rule_files`` name.
"""

from __future__ import annotations

import difflib
import glob
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from validation.core.errors import HarnessError, StackcheckError
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
    "job",
}
TOP_KEYS = {"cluster", "components", "paths"}
PATH_KEYS = {"rules", "rule_tests", "fixtures", "scenarios"}


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
    job: str = ""  # node_exporter: the scrape job of prometheus.yml whose targets are the nodes
    target_addresses: tuple[str, ...] = ()  # node_exporter without `targets`: the node job's targets
    unresolved: str = ""  # why the node job could not be read (reported when the nodes are needed)
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # key → line in stack.yaml

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
    rule_globs: tuple[str, ...] = ()  # absolute glob patterns
    rule_test_globs: tuple[str, ...] = ()
    fixtures: Path | None = None
    scenarios: Path | None = None

    @property
    def stack_dir(self) -> Path:
        return self.root / "stack"

    @property
    def stack_file(self) -> Path:
        return self.stack_dir / "stack.yaml"

    @property
    def rules_dir(self) -> Path:
        """Where the rule files are (the first pattern's folder): for messages."""
        return Path(self.rule_globs[0]).parent if self.rule_globs else self.root / "rules"

    @property
    def fixtures_dir(self) -> Path:
        return self.fixtures or self.root / "fixtures"

    @property
    def scenarios_dir(self) -> Path:
        return self.scenarios or self.fixtures_dir / "scenarios"

    def rule_files(self) -> list[Path]:
        return _expand(self.rule_globs)

    def rule_test_files(self) -> list[Path]:
        if self.rule_test_globs:
            return _expand(self.rule_test_globs)
        folders = dict.fromkeys(path.parent / "tests" for path in self.rule_files())
        return _expand(tuple(str(f / pattern) for f in folders for pattern in ("*.yml", "*.yaml")))

    def component(self, name: str) -> ComponentConfig | None:
        return self.components.get(name)

    def address_of(self, name: str) -> str:
        """host:port of a component, '' when the stack has none (Pushgateway is optional)."""
        config = self.components.get(name)
        return config.address if config is not None else ""

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
        paths = data.get("paths") or LineDict()
        if not isinstance(paths, LineDict):
            raise HarnessError(
                "'paths' must be a mapping", place=f"{stack_file}:{data.line_of('paths')}", hint="see README"
            )
        _reject_unknown(paths, PATH_KEYS, stack_file, "paths")
        layout = _layout(paths, stack_dir, stack_file, components["prometheus"].config)
        if "node_exporter" in components:
            components["node_exporter"] = _with_node_job(
                components["node_exporter"], components["prometheus"].config, stack_file
            )
        return cls(root=root, cluster=str(data.get("cluster", "")), components=components, **layout)


def _layout(
    paths: LineDict, stack_dir: Path, stack_file: Path, prometheus_yml: Path | None
) -> dict[str, Any]:
    def globs(key: str) -> tuple[str, ...]:
        value = paths[key]
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(item, str) and item for item in items):
            raise HarnessError(
                f"paths.{key} must be a glob or a list of globs",
                place=f"{stack_file}:{paths.line_of(key)}",
                hint="e.g. ../monitoring/alerts/*.yml (relative to stack.yaml)",
            )
        return tuple(str((stack_dir / item).resolve()) for item in items)

    def folder(key: str) -> Path | None:
        if key not in paths:
            return None
        return _existing(
            stack_dir, paths[key], f"paths.{key}", f"{stack_file}:{paths.line_of(key)}", folder=True
        )

    rules = globs("rules") if "rules" in paths else _prometheus_rule_files(prometheus_yml)
    return {
        "rule_globs": rules,
        "rule_test_globs": globs("rule_tests") if "rule_tests" in paths else (),
        "fixtures": folder("fixtures"),
        "scenarios": folder("scenarios"),
    }


def _with_node_job(config: ComponentConfig, prometheus_yml: Path | None, stack_file: Path) -> ComponentConfig:
    """The node_exporter entry with its scrape job (and, without ``targets``, that job's targets)
    read from prometheus.yml; a prometheus.yml that does not parse is reported by its own check."""
    from validation.core.scrape_jobs import node_job

    if prometheus_yml is None:
        return replace(config, unresolved="components.prometheus.config is not set")
    place = f"{stack_file}:{config.lines.get('job', config.lines.get('targets', 0))}"
    try:
        job = node_job(prometheus_yml, name=config.job, targets_file=config.targets, place=place)
        addresses = () if config.targets is not None else tuple(job.addresses())
    except StackcheckError as exc:
        return replace(config, job="", unresolved=exc.render())
    return replace(config, job=job.name, target_addresses=addresses)


def _prometheus_rule_files(prometheus_yml: Path | None) -> tuple[str, ...]:
    """prometheus.yml's own ``rule_files`` (globs relative to it), as Prometheus reads them. A
    prometheus.yml that does not parse gives none: its own check reports it."""
    if prometheus_yml is None:
        return ()
    try:
        data = load_yaml(prometheus_yml)
    except StackcheckError:
        return ()
    items = data.get("rule_files") if isinstance(data, dict) else None
    return tuple(str((prometheus_yml.parent / str(item)).resolve()) for item in items or [] if item)


def _expand(patterns: tuple[str, ...]) -> list[Path]:
    found: dict[Path, None] = {}
    for pattern in patterns:
        base = Path(pattern)
        if glob.has_magic(pattern):
            found.update(dict.fromkeys(sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())))
        elif base.is_file():
            found[base] = None
    return list(found)


def _component_names() -> tuple[str, ...]:
    # imported here: the component modules depend on this model, not the other way round
    from validation.components import component_names

    return component_names()


def _existing(stack_dir: Path, value: object, key: str, place: str, *, folder: bool = False) -> Path:
    """A path stack.yaml names (relative to its folder), which must exist (as a folder)."""
    resolved = (stack_dir / str(value)).resolve()
    if not (resolved.is_dir() if folder else resolved.exists()):
        raise HarnessError(
            f"{key} points to {value!r}, which {'is not a folder' if folder else 'does not exist'}",
            place=place,
            hint=f"create {resolved} or fix the path (relative to the folder of stack.yaml)",
        )
    return resolved


def _component(name: str, entry: LineDict, stack_dir: Path, stack_file: Path) -> ComponentConfig:
    def path(key: str) -> Path | None:
        value = entry.get(key)
        if value is None:
            return None
        return _existing(stack_dir, value, f"components.{name}.{key}", f"{stack_file}:{entry.line_of(key)}")

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
        job=str(entry.get("job", "")),
        lines={str(key): entry.line_of(key) for key in entry},
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
