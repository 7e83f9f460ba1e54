"""Draw the dashboard previews in a child process.

matplotlib holds the GIL for seconds while it draws; the run's other jobs (scenario groups on
their own stacks, in this process) serve scrapes and receive notifications that must be answered
within a scrape interval (250 ms). A child process has its own GIL. The child dies with the
harness (``PR_SET_PDEATHSIG``); if it cannot be started or fails, the previews are drawn here.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path

from validation.dashboards.session import DashboardSession

TIMEOUT_S = 300.0


def _draw(session: DashboardSession, out_dir: Path, conn: Connection) -> None:
    from validation.backends.process import _die_with_parent

    _die_with_parent()
    from validation.dashboards.preview import render_session

    errors: list[str] = []
    written = render_session(session, out_dir, errors)
    conn.send(([str(p) for p in written], errors))
    conn.close()


def render_session_elsewhere(session: DashboardSession, out_dir: Path, errors: list[str]) -> list[Path]:
    """``preview.render_session`` in a spawned child; in this process if the child cannot do it."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_draw, args=(session, out_dir, sender), name="stackcheck-previews", daemon=True
    )
    try:
        child.start()
        sender.close()
        if receiver.poll(TIMEOUT_S):
            written, child_errors = receiver.recv()
            errors.extend(child_errors)
            return [Path(p) for p in written]
    except (OSError, EOFError, ValueError, TypeError, AttributeError):
        pass  # not picklable, no child, or it died: draw here
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join(timeout=10)
    from validation.dashboards.preview import render_session

    return render_session(session, out_dir, errors)
