"""Maintenance scripts for the monitoring stack: backup, restore, health check, clean-up, retention.

Each module has a ``main(argv) -> int`` and runs as ``python3 scripts/maintenance/<name>.py --help``.
They need only the standard library so that they can be copied to a production host as they are
(keep the ``scripts/maintenance/`` folder structure: the scripts import each other through it).
"""
