"""fixtures/targets.yaml: the expected scrape targets — the oracle, written from intent.

jobs:
  node:
    - {instance: "gpu-node-1:9100", labels: {node: gpu-node-1}}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from validation.errors import HarnessError
from validation.yamlload import LineDict, load_yaml


@dataclass(frozen=True)
class ExpectedTarget:
    job: str
    instance: str
    labels: dict[str, str]
    line: int


def load_expected_targets(path: Path) -> dict[str, list[ExpectedTarget]]:
    if not path.is_file():
        raise HarnessError(
            "fixtures/targets.yaml is missing: the scrape checks need to know which targets to expect",
            place=str(path),
            hint="list per job the targets (instance) and the labels each must carry, see README",
        )
    data = load_yaml(path, error=HarnessError)
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if not isinstance(jobs, dict):
        raise HarnessError(
            "expected a mapping 'jobs:'", place=f"{path}:1", hint="see README, 'Expected targets'"
        )
    out: dict[str, list[ExpectedTarget]] = {}
    for job, entries in jobs.items():
        line = jobs.line_of(job) if isinstance(jobs, LineDict) else 0
        if not isinstance(entries, list):
            raise HarnessError(f"job {job!r}: expected a list of targets", place=f"{path}:{line}")
        targets = []
        for entry in entries:
            if not isinstance(entry, dict) or "instance" not in entry:
                raise HarnessError(
                    f"job {job!r}: each target needs 'instance'",
                    place=f"{path}:{line}",
                    hint='write - {instance: "host:port", labels: {...}}',
                )
            unknown = set(entry) - {"instance", "labels"}
            if unknown:
                raise HarnessError(
                    f"job {job!r}: unknown keys {sorted(unknown)}",
                    place=f"{path}:{line}",
                    hint="allowed: instance, labels",
                )
            labels = {str(k): str(v) for k, v in (entry.get("labels") or {}).items()}
            entry_line = entry.line if isinstance(entry, LineDict) else line
            targets.append(ExpectedTarget(str(job), str(entry["instance"]), labels, entry_line))
        out[str(job)] = targets
    return out
