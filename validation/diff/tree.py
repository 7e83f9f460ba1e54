"""One side of a diff: the project's files at a ref (or the work tree), read without the harness's
strict validation so that a half-broken side still diffs (what does not parse is reported, not raised)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from validation.core.errors import StackcheckError
from validation.core.project import Project

# files a stack repository's checks read; anything else (README, docs, CI) changes nothing checked
PROJECT_DIRS = ("stack", "rules", "fixtures")


@dataclass
class StackTree:
    root: Path
    problems: list[str] = field(default_factory=list)

    @cached_property
    def project(self) -> Project | None:
        try:
            return Project.load(self.root)
        except StackcheckError as exc:
            self.problems.append(exc.render())
            return None

    def _component_path(self, component: str, key: str, default: str) -> Path | None:
        entry = self.project.components.get(component) if self.project else None
        path = getattr(entry, key, None) if entry is not None else None
        if path is not None:
            return Path(path)
        fallback = self.root / "stack" / default
        return fallback if fallback.exists() else None

    @property
    def alertmanager_yml(self) -> Path | None:
        return self._component_path("alertmanager", "config", "alertmanager/alertmanager.yml")

    @property
    def prometheus_yml(self) -> Path | None:
        return self._component_path("prometheus", "config", "prometheus/prometheus.yml")

    @property
    def dashboards_dir(self) -> Path | None:
        return self._component_path("grafana", "dashboards", "grafana/dashboards")

    def rule_files(self) -> list[Path]:
        rules = self.root / "rules"
        return sorted(rules.glob("*.rules.yml")) + sorted(rules.glob("*.rules.yaml"))

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def yaml(self, path: Path | None) -> Any:
        """The plain data of a YAML file; None (and a problem noted) when it is absent or broken."""
        if path is None or not path.is_file():
            return None
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.problems.append(f"{self.relative(path)}: does not parse ({exc.__class__.__name__})")
            return None

    def json(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            self.problems.append(f"{self.relative(path)}: does not parse ({exc})")
            return None

    def file_digests(self) -> dict[str, str]:
        """Project-relative path → content digest of every file the checks can read."""
        digests = {}
        for top in PROJECT_DIRS:
            base = self.root / top
            for path in sorted(base.rglob("*")) if base.is_dir() else []:
                if path.is_file():
                    digests[self.relative(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        return digests


def changed_files(base: StackTree, head: StackTree) -> list[str]:
    before, after = base.file_digests(), head.file_digests()
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
