"""Time compression: run the stack K times faster than production with every value unchanged.

``--time-scale K`` (K ≥ 1, a float; 1 is real time) divides every duration that defines what an
expression or a notification means by K, and rewrites what would otherwise change value:

- ``durations``: ``TimeScale`` (÷K in whole ms; parsing and printing are validation.core.durations);
- ``promql``: ranges, offsets, subquery range/step ÷K; ``rate``/``irate``/``deriv`` → ``(… / K)``;
  ``predict_linear`` horizon ÷K; ``uncompressible_reasons`` for what no rewrite can fix;
- ``rules``: group interval, ``for``, ``keep_firing_for``, expr;
- ``prometheus_config``: global/job scrape and evaluation intervals, time flags (lookback delta,
  resend delay, for-grace-period, for-outage-tolerance), always written explicitly;
- ``alertmanager_config``: group_wait / group_interval / repeat_interval, resolve_timeout;
- ``oracle``: proves it with ``promtool test rules`` (original vs compressed, same values);
- ``sampling``: proves with promtool that a coarser sampling (scrape / evaluation intervals kept at
  a floor while K grows: ``min_interval_ms`` in ``prometheus_config`` and ``rules``) keeps every
  alert verdict of a set of series; the run's scenario groups (pipeline/grouping.py) rely on it.

Exact (proved by tests/static/test_timescale_equivalence.py with promtool as oracle, up to float
rounding, relative 1e-9): every range/offset/subquery/``@ start()``/``@ end()`` expression, the
per-second functions (rate, irate, deriv ÷K), predict_linear, increase/delta/idelta/changes/
resets/holt_winters/*_over_time (value-preserving as they are), recording rules, alert ``for`` and
``keep_firing_for`` — provided every scaled duration is a whole number of milliseconds.

Approximate, and said so:
- millisecond granularity: a duration that does not divide by K is rounded to the nearest ms, and
  a non-zero one never below 1ms; each rounding is a note on ``TimeScale.notes`` (a rounded
  ``scrape_timeout`` only bounds a scrape, it changes no value). With the reference stack
  (15s intervals) K = 2, 4, 5, 8, 10, 20, 25, 40, 50, 100 … are exact everywhere; K = 3, 6, 7.5,
  12, 15, 30, 60 round only the 10s scrape timeout; K = 16, 48, 80, 240 round the 15s intervals.
- real-time costs do not compress: HTTP latency, Prometheus' 5s service-discovery update
  throttle, process start-up. At K=60 a 15s interval is 250ms; below ~100ms those costs stop
  being small against an interval, so K of 60 to 100 is the practical range for a 15s stack.
- not scaled on purpose: HTTP/remote-write timeouts, SD refresh intervals (they bound I/O).
- neither Prometheus (scrape/evaluation interval, lookback) nor Alertmanager 0.25 (group_wait,
  group_interval, repeat_interval) enforces a minimum; Alertmanager only rejects zero, and the
  scaling never produces zero.

Not compressible, reported instead of faked: ``time()``, ``timestamp()``, date functions
without an argument, ``@ <absolute timestamp>``, ``ALERTS_FOR_STATE`` values (timestamps),
Alertmanager time intervals (wall-clock calendars). Annotation templates are not rewritten
(a ``query "…"`` inside one keeps production ranges).
"""
