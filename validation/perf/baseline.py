"""Baseline files: ``baselines/<name>.json`` — figures, the environment they were measured in,
the options (load) they were measured under, and a short history of earlier records.

Comparisons are only meaningful on like machines: the file carries CPU count, backend, time
scale, component versions, and a hash of the host name (which machine, without naming it).
``check_comparable`` refuses (exit 2) a comparison under a different backend, time scale or
load, and lists softer differences (CPU count, versions) as warnings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.core.errors import HarnessError
from validation.perf.metrics import Figures

FORMAT = 1
HISTORY_LIMIT = 50


def default_baseline_name(backend: str = "process") -> str:
    """A machine-class name for when none is given: ``local-<cpus>cpu[-containers]``."""
    suffix = "" if backend in ("process", "auto") else f"-{backend}"
    return f"local-{os.cpu_count() or 0}cpu{suffix}"


def environment(backend: str, time_scale: float, versions: dict[str, str]) -> dict[str, Any]:
    return {
        "backend": backend,
        "time_scale": time_scale,
        "versions": dict(sorted(versions.items())),
        "cpu_count": os.cpu_count() or 0,
        "machine": platform.machine(),
        "python": platform.python_version(),
        "hostname_sha256": hashlib.sha256(socket.gethostname().encode()).hexdigest()[:12],
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


@dataclass
class Baseline:
    name: str
    environment: dict[str, Any]
    options: dict[str, Any]
    figures: Figures
    details: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "environment": self.environment,
            "options": self.options,
            "metrics": self.figures.to_json(),
            "details": self.details,
            "history": self.history,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], place: str = "") -> Baseline:
        try:
            return cls(
                name=str(data["name"]),
                environment=dict(data.get("environment") or {}),
                options=dict(data.get("options") or {}),
                figures=Figures.from_json(dict(data["metrics"])),
                details=dict(data.get("details") or {}),
                history=list(data.get("history") or []),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HarnessError(
                f"not a baseline file ({exc})",
                place=place,
                hint="record it again: stackcheck baseline record",
            ) from None


def baseline_path(baselines_dir: Path, name: str) -> Path:
    if not name or "/" in name or name.startswith("."):
        raise HarnessError(
            f"baseline name {name!r} is not a plain file name",
            hint="name baselines per machine class, e.g. ci-2cpu or laptop-8cpu",
        )
    return baselines_dir / f"{name}.json"


def load_baseline(baselines_dir: Path, name: str) -> Baseline:
    path = baseline_path(baselines_dir, name)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in baselines_dir.glob("*.json"))) or "none"
        raise HarnessError(
            f"no baseline {name!r}",
            place=str(path),
            hint=f"record it first (stackcheck baseline record --name {name}); known baselines: {known}",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise HarnessError(f"not JSON: {exc}", place=str(path), hint="record it again") from None
    return Baseline.from_json(data, place=str(path))


def save_baseline(baselines_dir: Path, baseline: Baseline) -> Path:
    """Write the file; the previous record (if any) joins the history."""
    path = baseline_path(baselines_dir, baseline.name)
    if path.is_file():
        try:
            old = Baseline.from_json(json.loads(path.read_text(encoding="utf-8")), place=str(path))
            baseline.history = old.history
        except (HarnessError, ValueError):
            baseline.history = []
    entry = {"date": baseline.environment.get("date", ""), "medians": baseline.figures.medians()}
    baseline.history = [*baseline.history, entry][-HISTORY_LIMIT:]
    baselines_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def check_comparable(
    baseline: Baseline, env: dict[str, Any], options: dict[str, Any], place: str = ""
) -> list[str]:
    """Raise when the figures cannot be compared; return warnings for softer differences."""
    hard = [
        f"{key} {baseline.environment.get(key)!r} → {env.get(key)!r}"
        for key in ("backend", "time_scale")
        if baseline.environment.get(key) != env.get(key)
    ]
    hard += [
        f"{key} {baseline.options.get(key)!r} → {options.get(key)!r}"
        for key in sorted(set(baseline.options) | set(options))
        if baseline.options.get(key) != options.get(key)
    ]
    if hard:
        raise HarnessError(
            "the baseline was measured under other conditions: " + "; ".join(hard),
            place=place,
            hint="compare with the same --backend, --time-scale and load, or record a baseline for these",
        )
    warnings = []
    for key in ("cpu_count", "machine", "hostname_sha256"):
        if baseline.environment.get(key) != env.get(key):
            warnings.append(f"{key} differs: {baseline.environment.get(key)} → {env.get(key)}")
    old, new = baseline.environment.get("versions") or {}, env.get("versions") or {}
    for component in sorted(set(old) | set(new)):
        if old.get(component) != new.get(component):
            warnings.append(f"{component} version {old.get(component)} → {new.get(component)}")
    return warnings
