"""The dashboards' data fixture (fixtures/dashboards/data.yaml): series the stack does not produce.

The reference stack has real node_exporters and the monitoring components' own metrics, but no GPU
(DCGM) exporter and no firing alert; the fixture lists input series in the scenarios' notation
(promtool's expanding values, production ``interval``) that the harness serves from its synthetic
scrape target before the dashboards run, and ``ready_when`` expressions that must return data first
(e.g. an alert fired from those series)::

    why: GPU panels need DCGM series; alert panels need a firing alert
    interval: 15s
    input_series:
      - series: DCGM_FI_DEV_GPU_TEMP{job="dcgm", instance="gpu-node-1:9400", node="gpu-node-1", gpu="0"}
        values: "60+0.1x100"   # quoted: YAML would read 0x100 as a hex number
    ready_when:
      - ALERTS{alertname="GPUTemperatureCritical", alertstate="firing"}

Unknown keys are errors with file:line. A missing fixture file means "no fixture" (not an error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.core.durations import parse_duration_seconds
from validation.core.errors import ScenarioError
from validation.core.yamlload import line_of, load_yaml
from validation.synthetic.notation import Sample, parse_series, parse_values

SCENARIO = "dashboards"
_TOP_KEYS = {"why", "interval", "input_series", "ready_when"}
_SERIES_KEYS = {"series", "values"}


@dataclass(frozen=True)
class FixtureSeries:
    name: str
    labels: dict[str, str]
    values: list[Sample]
    place: str = ""


@dataclass
class DataFixture:
    interval: float = 15.0
    series: list[FixtureSeries] = field(default_factory=list)
    ready_when: list[str] = field(default_factory=list)
    why: str = ""

    @property
    def metric_names(self) -> list[str]:
        return sorted({s.name for s in self.series})


def load_fixture(path: Path) -> DataFixture:
    if not path.exists():
        return DataFixture()
    data = load_yaml(path, error=ScenarioError)
    if not isinstance(data, dict):
        raise ScenarioError("expected a mapping", place=f"{path}:1", hint="see docs/monitoring/dashboards.md")
    _no_unknown(data, _TOP_KEYS, path)
    interval = parse_duration_seconds(
        str(data.get("interval", "15s")), place=f"{path}:{line_of(data, 'interval')}"
    )
    series: list[FixtureSeries] = []
    for item in data.get("input_series") or []:
        place = f"{path}:{line_of(item)}"
        if not isinstance(item, dict) or "series" not in item or "values" not in item:
            raise ScenarioError("an input series needs 'series' and 'values'", place=place,
                                hint='series: name{label="value"}  values: 1+1x10')  # fmt: skip
        _no_unknown(item, _SERIES_KEYS, path)
        if not isinstance(item["values"], str):
            raise ScenarioError(
                f"values must be a string, got the {type(item['values']).__name__} {item['values']!r}",
                place=place,
                hint='quote it: YAML reads 0x100 as the hex number 256, not "0 repeated 100 times"',
            )
        name, labels = parse_series(str(item["series"]), place=place)
        series.append(FixtureSeries(name, labels, parse_values(item["values"], place=place), place))
    ready = [str(expr) for expr in data.get("ready_when") or []]
    return DataFixture(interval, series, ready, str(data.get("why", "")))


def inject(fixture: DataFixture, target: Any, scale: float) -> None:
    """Serve every fixture series from ``target`` (a ``SyntheticTarget``), replacing an earlier
    injection of this fixture."""
    target.remove_scenario(SCENARIO)
    for series in fixture.series:
        target.add_timeline((series.name, series.labels), list(series.values), fixture.interval / scale,
                            scenario=SCENARIO)  # fmt: skip


def readiness_query(fixture: DataFixture) -> str:
    """One instant query that returns data only when every series name and every ``ready_when``
    expression has data."""
    parts = [f'count({{__name__="{name}"}})' for name in fixture.metric_names]
    parts += [f"count({expr})" for expr in fixture.ready_when]
    return " and on () ".join(f"({p})" for p in parts)


def _no_unknown(data: dict[str, Any], allowed: set[str], path: Path) -> None:
    for key in data:
        if key not in allowed:
            raise ScenarioError(f"unknown key {key!r}", place=f"{path}:{line_of(data, key)}",
                                hint=f"allowed: {', '.join(sorted(allowed))}")  # fmt: skip
