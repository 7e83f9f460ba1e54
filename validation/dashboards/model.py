"""The parts of a Grafana dashboard that stackcheck checks: panels, their targets, variables.

The model is deliberately a subset of Grafana's: what a query needs to run (datasource, expression,
interval, max data points) and what a reviewer compares (unit, thresholds, links). Everything else
in the JSON is kept in ``raw`` for checks that want it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Target:
    """One query of a panel (Grafana's ``targets[]`` entry).

    ``range`` / ``instant`` follow Grafana 10's Prometheus editor: a target with neither flag set is a
    range query (as dashboards from before the flags existed behave).
    """

    ref_id: str
    expr: str
    instant: bool = False
    range: bool = True
    interval: str = ""
    legend_format: str = ""
    interval_factor: int = 1
    hide: bool = False
    datasource: Any = None


@dataclass(frozen=True)
class Threshold:
    """One threshold step; ``value`` is None for the base step. ``mode`` is absolute or percentage."""

    value: float | None
    color: str = ""
    mode: str = "absolute"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass
class Panel:
    """A panel (rows included, with ``type == "row"``); ``row`` names the row a panel sits in."""

    id: int | None
    title: str
    type: str
    datasource: Any = None
    targets: list[Target] = field(default_factory=list)
    unit: str = ""
    thresholds: list[Threshold] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    max_data_points: int | None = None
    interval: str = ""
    row: str = ""
    collapsed: bool = False
    repeat: str = ""
    library_panel: str = ""
    grid_width: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_row(self) -> bool:
        return self.type == "row"


@dataclass
class Variable:
    """A templating variable (``templating.list[]``), normalised across Grafana versions.

    ``current`` holds the selected values as a list (``["$__all"]`` for All); ``options`` the static
    options stored in the JSON (custom / interval / constant variables recompute them).
    """

    name: str
    type: str
    query: Any = ""
    definition: str = ""
    datasource: Any = None
    multi: bool = False
    include_all: bool = False
    all_value: str | None = None
    regex: str = ""
    sort: int = 0
    current: list[str] = field(default_factory=list)
    current_text: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    hide: int = 0
    auto: bool = False
    auto_count: int = 30
    auto_min: str = "10s"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Problem:
    """Something the loader saw that stackcheck cannot check or that Grafana would silently change.

    ``kind`` is one of ``library-panel`` (a reference to a library panel, not resolvable from the file),
    ``duplicate-id`` (two panels share an id: Grafana renumbers one, breaking links to it),
    ``no-targets`` (a panel type that should query but has no targets).
    """

    kind: str
    panel: str
    message: str


@dataclass
class Dashboard:
    """A loaded dashboard; ``problems`` lists what the loader saw but cannot check (library panels)."""

    uid: str
    title: str
    schema_version: int
    panels: list[Panel]
    variables: list[Variable]
    time_from: str = "now-6h"
    time_to: str = "now"
    source: str = ""
    problems: list[Problem] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def query_panels(self) -> list[Panel]:
        """Panels that can carry queries: every panel but rows, nested ones included."""
        return [p for p in self.panels if not p.is_row]

    def panel(self, title: str) -> Panel:
        for panel in self.panels:
            if panel.title == title:
                return panel
        raise KeyError(f"{self.uid or self.source}: no panel titled {title!r}")

    def variable(self, name: str) -> Variable:
        for variable in self.variables:
            if variable.name == name:
                return variable
        raise KeyError(f"{self.uid or self.source}: no variable named {name!r}")
