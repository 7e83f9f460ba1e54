"""dashboards/provisioning/<file>: Grafana's provisioning files are valid and consistent.

Catches, for ``provisioning/dashboards/*.yml``: a provider whose ``options.path`` has no dashboards
folder behind it (Grafana logs an error and the folder stays empty), two providers for the same
folder or path (dashboards fight over the folder, uids collide), a provider without name or path.
For ``provisioning/datasources/*.yml``: duplicate uids or names, a default datasource duplicated
(errors), and — as a warning of its own, ``…/datasources/<file>/uid`` — a datasource without an
explicit ``uid``: Grafana then makes a random one per instance, which breaks only the dashboards
that reference it by uid (those fail ``dashboards/<uid>/datasources``); by name they keep working.

Paths in providers are paths inside Grafana (``/var/lib/grafana/dashboards/Nodes``); they map onto
the repository's dashboards folder by the part after the last ``dashboards/``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from validation.checks.base import Check, CheckContext
from validation.checks.dashboards.session import grafana_paths
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.core.yamlload import line_of, load_yaml


class DashboardProvisioningCheck(Check):
    id = "dashboards/provisioning"
    kind = "dashboard"

    def run(self, ctx: CheckContext, report: Report) -> None:
        dashboards, provisioning = grafana_paths(ctx.project)
        self.evaluate(dashboards, provisioning, report)

    def evaluate(self, dashboards: Path, provisioning: Path, report: Report) -> None:
        if not provisioning.is_dir():
            report.skipped(self.id, self.kind, f"no provisioning folder at {provisioning}")
            return
        providers = _files(provisioning / "dashboards")
        seen_folders: Counter[str] = Counter()
        seen_paths: Counter[str] = Counter()
        loaded: list[tuple[Path, list[str], list[dict[str, Any]]]] = []
        for path in providers:
            problems: list[str] = []
            items = _items(path, "providers", problems)
            for item in items:
                seen_folders[str(item.get("folder", ""))] += 1
                seen_paths[str(_dict(item.get("options")).get("path", ""))] += 1
            loaded.append((path, problems, items))
        for path, problems, items in loaded:
            first_line = line_of(items[0]) if items else None
            for item in items:
                place = f"{path.name}:{line_of(item)}"
                name = item.get("name")
                target = str(_dict(item.get("options")).get("path", ""))
                if not name:
                    problems.append(f"{place}: provider without a name")
                if not target:
                    problems.append(f"{place}: provider {name!r} has no options.path")
                elif not _maps_to_folder(target, dashboards):
                    problems.append(
                        f"{place}: provider {name!r} path {target!r} has no folder "
                        f"{dashboards / _after_dashboards(target)}"
                    )
                folder = str(item.get("folder", ""))
                if seen_folders[folder] > 1:
                    problems.append(
                        f"{place}: folder {folder!r} has {seen_folders[folder]} providers (want one)"
                    )
                if target and seen_paths[target] > 1:
                    problems.append(f"{place}: path {target!r} is provided {seen_paths[target]} times")
            self._report(f"{self.id}/dashboards/{path.name}", problems, report, path, first_line)
        for path in _files(provisioning / "datasources"):
            problems, without_uid = _datasource_problems(path)
            self._report(f"{self.id}/datasources/{path.name}", problems, report, path)
            if without_uid:
                report.failed(
                    f"{self.id}/datasources/{path.name}/uid",
                    self.kind,
                    "; ".join(
                        f"{path.name}:{line}: datasource {name!r} has no uid" for line, name in without_uid
                    )
                    + ": Grafana generates a random one per instance, so a dashboard can reference it only "
                    "by name. Hint: set a fixed uid (and reference that) to survive renames",
                    severity="warning",
                    file=str(path),
                    line=without_uid[0][0] or None,
                )

    def _report(
        self, check_id: str, problems: list[str], report: Report, path: Path, line: int | None = None
    ) -> None:
        if problems:
            report.failed(
                check_id,
                self.kind,
                "; ".join(problems) + ". Hint: see docs/monitoring/dashboards.md",
                file=str(path),
                line=line or None,
            )
        else:
            report.passed(check_id, self.kind)


def _datasource_problems(path: Path) -> tuple[list[str], list[tuple[int, str]]]:
    """(problems, (line, name) of each datasource without a uid)."""
    problems: list[str] = []
    without_uid: list[tuple[int, str]] = []
    items = _items(path, "datasources", problems)
    uids = Counter(str(i.get("uid")) for i in items if i.get("uid"))
    names = Counter(str(i.get("name")) for i in items)
    for item in items:
        place = f"{path.name}:{line_of(item)}"
        if not item.get("uid"):
            without_uid.append((line_of(item), str(item.get("name"))))
        elif uids[str(item["uid"])] > 1:
            problems.append(f"{place}: uid {item['uid']!r} is used {uids[str(item['uid'])]} times")
        if names[str(item.get("name"))] > 1:
            problems.append(f"{place}: name {item.get('name')!r} is used more than once")
    defaults = [i for i in items if i.get("isDefault")]
    if len(defaults) > 1:
        problems.append(f"{len(defaults)} datasources are marked isDefault (want one)")
    return problems, without_uid


def _items(path: Path, key: str, problems: list[str]) -> list[dict[str, Any]]:
    try:
        data = load_yaml(path)
    except StackcheckError as exc:
        problems.append(exc.render())
        return []
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        problems.append(f"{path.name}: expected a mapping with a list {key!r}")
        return []
    return [item for item in data[key] if isinstance(item, dict)]


def _files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []


def _after_dashboards(target: str) -> str:
    parts = Path(target).parts
    if "dashboards" in parts:
        index = len(parts) - 1 - parts[::-1].index("dashboards")
        return str(Path(*parts[index + 1 :])) if index + 1 < len(parts) else "."
    return Path(target).name


def _maps_to_folder(target: str, dashboards: Path) -> bool:
    return (dashboards / _after_dashboards(target)).is_dir() or Path(target).is_dir()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
