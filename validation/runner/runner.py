"""The library behind `stackcheck check` and `stackcheck run`, by module:

- ``options``: ``RunOptions``, the ``--time-scale`` cap;
- ``static``: the static gate (``check``, ``run_static``, ``finalize``: places and waivers);
- ``jobs``: independent jobs, each on its own stack, run concurrently (the extension point);
- ``service_job``: health, scrape, dashboards; ``scenario_jobs`` / ``scenario_factory``: one job
  per scenario group (``validation.pipeline.grouping``), coverage merged; ``faults_job``: the
  faults group, which starts its own stack;
- ``live``: ``run`` — static beside every job, one report.
"""

from __future__ import annotations

from validation.checks import ALL_GROUPS
from validation.runner.live import choose_backend, resolve_backend, run
from validation.runner.options import DEFAULT_TIME_SCALE_CAP, RunOptions
from validation.runner.static import check, finalize, run_static

__all__ = [
    "ALL_GROUPS",
    "DEFAULT_TIME_SCALE_CAP",
    "RunOptions",
    "check",
    "choose_backend",
    "finalize",
    "resolve_backend",
    "run",
    "run_static",
]
