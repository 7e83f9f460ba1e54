"""Performance baselines: measure the running stack, sweep cardinality, compare, plot.

``stackcheck baseline record|compare`` is ``commands/baseline.py``; the measuring lives in
``measure``, the noise-aware decision in ``compare`` (pure functions), capacity planning in
``sweep`` + ``capacity``, pictures in ``plots``.
"""
