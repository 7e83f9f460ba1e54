"""The scenario model: synthetic input plus expectations through the whole pipeline.

Everything here is already validated by ``validation.scenarios.loader``; durations are seconds.
Optional expectations are ``None`` when the scenario does not state them (the runner then uses
its defaults, e.g. ``pending`` follows whether the rule has ``for``). See
fixtures/scenarios/README.md for the user-facing format.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from validation.core.errors import HarnessError
from validation.scenarios import isolation
from validation.synthetic.notation import Sample
from validation.synthetic.textformat import escape_label_value


@dataclass(frozen=True)
class InputSeries:
    """One series scraped from the synthetic target, one sample per ``Scenario.interval``."""

    name: str
    labels: dict[str, str]
    values: tuple[Sample, ...]
    values_text: str
    line: int = 0

    @property
    def selector(self) -> str:
        pairs = ", ".join(
            f'{key}="{escape_label_value(value)}"' for key, value in sorted(self.labels.items())
        )
        return f"{self.name}{{{pairs}}}"


@dataclass(frozen=True)
class PushSeries(InputSeries):
    """One series pushed to the Pushgateway group ``job`` + ``grouping`` at every interval."""

    job: str = ""
    grouping: dict[str, str] = field(default_factory=dict)
    type: str = ""  # pushed as "# TYPE <name> <type>" when set


@dataclass(frozen=True)
class ExpAlert:
    """An alert that must fire (or, with ``absent``, must never fire) with these labels."""

    alertname: str
    exp_labels: dict[str, str] = field(default_factory=dict)
    exp_annotations: dict[str, str] = field(default_factory=dict)
    exp_annotations_contain: dict[str, str] = field(default_factory=dict)
    fires_within: float | None = None
    pending: bool | None = None
    resolves: bool | None = None
    resolves_within: float | None = None
    absent: bool = False
    line: int = 0


@dataclass(frozen=True)
class ExpNotification:
    """A notification the receiver must get (or, with ``absent``, must not get)."""

    receiver: str
    alertname: str = ""  # only notifications carrying this alert count (e.g. "NodeDown inhibits TargetDown")
    contains: tuple[str, ...] = ()
    absent: bool = False
    count: int | None = None
    resolved: bool = False
    within: float | None = None
    to: tuple[str, ...] = ()  # every email at the receiver is addressed to these (lower case)
    channel: str = ""  # every Slack message at the receiver is posted to this channel
    # every alert of every structured (webhook) notification carries these labels, e.g. the
    # external_labels Prometheus adds on the way
    labels: dict[str, str] = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True)
class ExpPanel:
    """A dashboard panel whose queries must return data (within ``min`` / ``max``)."""

    dashboard: str
    panel: str
    min: float | None = None
    max: float | None = None
    has_data: bool = True
    line: int = 0


@dataclass(frozen=True)
class Matcher:
    name: str
    op: Literal["=", "!=", "=~", "!~"]
    value: str

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{escape_label_value(self.value)}"'


@dataclass(frozen=True)
class Silence:
    """A silence created ``after`` seconds into the scenario, lasting ``duration`` seconds."""

    matchers: tuple[Matcher, ...]
    duration: float
    after: float = 0.0
    line: int = 0


@dataclass(frozen=True)
class PostAlert:
    """An alert from another source (another Prometheus, a script, amtool) posted straight to
    Alertmanager's API for ``active_for`` seconds: it exercises routes no local rule reaches."""

    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    active_for: float = 300.0
    line: int = 0


@dataclass(frozen=True)
class Scenario:
    name: str
    why: str
    source: str
    line: int = 0
    interval: float = 15.0
    input_series: tuple[InputSeries, ...] = ()
    push_series: tuple[PushSeries, ...] = ()
    post_alerts: tuple[PostAlert, ...] = ()
    exp_alerts: tuple[ExpAlert, ...] = ()
    exp_notifications: tuple[ExpNotification, ...] = ()
    exp_panels: tuple[ExpPanel, ...] = ()
    silences: tuple[Silence, ...] = ()
    scale: Literal["auto", 1] = "auto"
    isolation_suffix: str = ""
    generated: bool = False  # the file says `generated: true`: derived from the rules, awaiting review

    def place(self, line: int | None = None) -> str:
        """``file:line`` of the scenario, or of a line inside it."""
        return f"{self.source}:{line if line is not None else self.line}"

    @property
    def expected_alerts(self) -> set[str]:
        """Alerts the scenario expects to fire (``absent`` ones excluded)."""
        return {a.alertname for a in self.exp_alerts if not a.absent}

    @property
    def named_alerts(self) -> set[str]:
        """Every alert the scenario names, in ``exp_alerts`` or ``exp_notifications``."""
        return {a.alertname for a in self.exp_alerts} | {
            n.alertname for n in self.exp_notifications if n.alertname
        }

    @property
    def samples(self) -> int:
        """Length of the longest series, in samples."""
        return max((len(series.values) for series in (*self.input_series, *self.push_series)), default=0)

    @property
    def duration(self) -> float:
        """Production seconds from the first to the last sample of the longest series."""
        series = max(self.samples - 1, 0) * self.interval
        return max([series, *(p.active_for for p in self.post_alerts)])

    def isolate(self, index: int) -> Scenario:
        """A copy whose instance/node label values carry the suffix ``-s<index>``.

        Applied to input and push series, grouping labels, expected labels, annotations,
        ``contains`` strings and silence matchers, as fixtures/scenarios/README.md describes.
        """
        if self.isolation_suffix:
            raise HarnessError(
                f"scenario {self.name!r} is already isolated ({self.isolation_suffix})",
                place=self.place(),
                hint="isolate the scenario as loaded, once",
            )
        if index < 0:
            raise HarnessError(f"isolation index must be >= 0, got {index}", hint="number scenarios from 0")
        rewrite = isolation.Rewrite.for_series(
            f"-s{index}",
            [series.labels for series in (*self.input_series, *self.push_series)]
            + [series.grouping for series in self.push_series]
            + [alert.labels for alert in self.post_alerts],
        )
        return dataclasses.replace(
            self,
            isolation_suffix=rewrite.suffix,
            input_series=tuple(
                dataclasses.replace(series, labels=rewrite.labels(series.labels))
                for series in self.input_series
            ),
            push_series=tuple(
                dataclasses.replace(
                    series, labels=rewrite.labels(series.labels), grouping=rewrite.labels(series.grouping)
                )
                for series in self.push_series
            ),
            post_alerts=tuple(
                dataclasses.replace(
                    alert, labels=rewrite.labels(alert.labels), annotations=rewrite.texts(alert.annotations)
                )
                for alert in self.post_alerts
            ),
            exp_alerts=tuple(
                dataclasses.replace(
                    alert,
                    exp_labels=rewrite.labels(alert.exp_labels),
                    exp_annotations=rewrite.texts(alert.exp_annotations),
                    exp_annotations_contain=rewrite.texts(alert.exp_annotations_contain),
                )
                for alert in self.exp_alerts
            ),
            exp_notifications=tuple(
                dataclasses.replace(note, contains=tuple(rewrite.text(text) for text in note.contains))
                for note in self.exp_notifications
            ),
            silences=tuple(
                dataclasses.replace(
                    silence,
                    matchers=tuple(
                        Matcher(m.name, m.op, rewrite.matcher_value(m.name, m.op, m.value))
                        for m in silence.matchers
                    ),
                )
                for silence in self.silences
            ),
        )
