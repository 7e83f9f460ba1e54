"""Deadlines of a compressed run, derived from the run's own rendered intervals.

Everything a scenario states is production time; ``real(x) = x / scale``. Deadlines add a
wall-clock ``slack`` because a shared 2-core machine is noisy; the expectations themselves
are never loosened (an alert that must not fire is watched for the whole window).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    scale: float
    scrape_interval: float  # production seconds
    evaluation_interval: float
    group_wait: float
    group_interval: float
    slack: float = 3.0  # wall seconds

    def real(self, production_seconds: float) -> float:
        return production_seconds / self.scale

    @property
    def settle(self) -> float:
        """Production time after the data for a consequence to show: scrape, evaluation, group_wait."""
        return self.scrape_interval + 2 * self.evaluation_interval + self.group_wait

    def floor(self, for_seconds: float, group_wait: float) -> float:
        """What the config itself costs from an alert's ``activeAt`` to its delivery, in real
        seconds: its ``for``, the delivering route's ``group_wait``, and up to one evaluation
        interval until the evaluation that finds ``for`` over."""
        return self.real(for_seconds + group_wait + self.evaluation_interval)
