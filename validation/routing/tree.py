"""The Alertmanager routing tree and its evaluation (``dispatch/route.go`` of Alertmanager 0.25).

``Route.match`` is Alertmanager's ``Route.Match``: a node whose matchers fail yields nothing; otherwise
its children are tried in order, depth first, collecting their matches and stopping after the first
child that matched unless that child has ``continue: true``; a node none of whose children matched
is itself the match. The root has no matchers, so it always matches.

Options are inherited as in ``NewRoute``: receiver, group_by (an explicit list replaces the parent's
and clears ``...``), group_wait, group_interval, repeat_interval. ``mute_time_intervals`` and
``active_time_intervals`` are not inherited (Alertmanager 0.25 reads them from the node itself).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from validation.routing.matchers import Matcher, matches_all

DEFAULT_GROUP_WAIT = 30.0
DEFAULT_GROUP_INTERVAL = 300.0
DEFAULT_REPEAT_INTERVAL = 4 * 3600.0


@dataclass(frozen=True)
class RouteOpts:
    """The effective (inherited) options of a route; durations in seconds."""

    receiver: str
    group_by: frozenset[str] = frozenset()
    group_by_all: bool = False
    group_wait: float = DEFAULT_GROUP_WAIT
    group_interval: float = DEFAULT_GROUP_INTERVAL
    repeat_interval: float = DEFAULT_REPEAT_INTERVAL
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()


@dataclass(eq=False)
class Route:
    """One node of the tree. ``path`` names it (``route.routes[2].routes[0]``), ``line`` is its config line."""

    opts: RouteOpts
    matchers: tuple[Matcher, ...] = ()
    continue_: bool = False
    routes: list[Route] = field(default_factory=list)
    path: str = "route"
    line: int = 0

    @property
    def receiver(self) -> str:
        return self.opts.receiver

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """The routes an alert with ``labels`` is delivered through, in Alertmanager's order."""
        if not matches_all(self.matchers, labels):
            return []
        found: list[Route] = []
        for child in self.routes:
            matched = child.match(labels)
            found.extend(matched)
            if matched and not child.continue_:
                break
        return found or [self]

    def receivers_for(self, labels: Mapping[str, str]) -> list[str]:
        """Receiver names in delivery order, duplicates kept (as ``amtool config routes test`` prints)."""
        return [route.receiver for route in self.match(labels)]

    def walk(self) -> Iterator[Route]:
        """This node and all its descendants, depth first."""
        yield self
        for child in self.routes:
            yield from child.walk()

    def describe(self) -> str:
        matchers = ", ".join(str(m) for m in self.matchers)
        return f"{self.path} {{{matchers}}} -> {self.receiver}"
