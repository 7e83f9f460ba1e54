"""What a run is doing, while it does it: progress per check group, then a summary table.

The runner and the pipeline report events (``group_started``, ``item_done``, ``group_finished``,
``warning``) to a ``Progress``; ``NullProgress`` ignores them (library use, tests). The console
display draws them:

- on a terminal, a live line per group with rich (scenarios or checks done / total, production
  time covered, elapsed, ETA);
- without one (CI logs, pipes), plain lines, at most one per ``interval`` seconds, no escape
  codes;
- ``quiet``: nothing while running; ``verbose``: every check as it finishes, too.

Events may come from several threads (static checks overlap the stack's start-up).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal

from rich.console import Console
from rich.progress import BarColumn, ProgressColumn, Task, TextColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from validation.core.results import CheckResult, Report

Verbosity = Literal["quiet", "normal", "verbose"]
PLAIN_INTERVAL_S = 10.0


class Progress:
    """The event API; this base class ignores every event (``NullProgress``)."""

    def group_started(self, group: str, total: int, production_s: float = 0.0, scale: float = 1.0) -> None:
        """``total`` items (scenarios, or check modules) covering ``production_s`` of production
        time at ``scale`` production seconds per wall second."""

    def item_done(self, group: str, item: str, results: Sequence[CheckResult] = ()) -> None:
        """One item finished, with the checks it produced."""

    def group_finished(self, group: str) -> None:
        pass

    def warning(self, message: str) -> None:
        pass

    def close(self) -> None:
        pass

    # a job (a check group or a scenario group on a stack of its own) as one group of one item
    def job_started(self, name: str) -> None:
        self.group_started(name, 1)

    def job_finished(self, name: str, report: Report, wall_s: float) -> None:
        self.item_done(name, name, report.checks)
        self.group_finished(name)


NullProgress = Progress
NULL_PROGRESS = Progress()


@dataclass
class _Group:
    name: str
    total: int
    production_s: float
    scale: float
    started: float
    done: int = 0
    finished: float | None = None

    def covered(self, now: float) -> float:
        """Production seconds covered so far (the scenarios of a group run side by side)."""
        if not self.production_s:
            return 0.0
        if self.finished is not None:
            return self.production_s
        return min(self.production_s, (now - self.started) * self.scale)

    def eta(self, now: float) -> float | None:
        end = self.finished if self.finished is not None else now
        if self.finished is not None:
            return 0.0
        if self.production_s:
            return max(0.0, self.production_s / self.scale - (end - self.started))
        if self.done:
            return (end - self.started) / self.done * (self.total - self.done)
        return None

    def line(self, now: float) -> str:
        end = self.finished if self.finished is not None else now
        parts = [f"{self.name} {self.done}/{self.total}"]
        if self.production_s:
            parts.append(f"{duration(self.covered(now))} of {duration(self.production_s)} production")
        parts.append(f"elapsed {duration(end - self.started)}")
        eta = self.eta(now)
        if self.finished is not None:
            parts.append("done")
        elif eta is not None:
            parts.append(f"ETA {duration(eta)}")
        return ", ".join(parts)


class ConsoleProgress(Progress):
    """Progress on ``stream`` (stderr by default): live on a terminal, throttled plain lines
    otherwise. ``clock`` is injectable; ``ticker=False`` leaves the periodic plain line to
    explicit ``tick()`` calls (tests)."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        verbosity: Verbosity = "normal",
        clock: Callable[[], float] = time.monotonic,
        interval: float = PLAIN_INTERVAL_S,
        live: bool | None = None,
        ticker: bool = True,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.verbosity = verbosity
        self.clock = clock
        self.interval = interval
        self.live = _is_terminal(self.stream) if live is None else live
        self.groups: dict[str, _Group] = {}
        self._lock = threading.RLock()
        self._last_line: float | None = None
        self._rich: RichProgress | None = None
        self._tasks: dict[str, Any] = {}
        self._job_lines: set[str] = set()  # a job's line no group of the same name has taken over
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if verbosity == "quiet":
            return
        if self.live:
            console = Console(file=self.stream, force_terminal=True)
            self._rich = RichProgress(
                TextColumn("[bold]{task.description:<13}"),
                BarColumn(bar_width=20),
                _Counts(),
                _Production(self),
                _Elapsed(self),
                _Eta(self),
                console=console,
                get_time=clock,
                refresh_per_second=4,
            )
            self._rich.start()
        elif ticker:
            self._thread = threading.Thread(target=self._tick_loop, name="progress", daemon=True)
            self._thread.start()

    # ---------------------------------------------------------------- events
    def group_started(self, group: str, total: int, production_s: float = 0.0, scale: float = 1.0) -> None:
        with self._lock:
            self._job_lines.discard(group)
            self.groups[group] = _Group(group, total, production_s, max(scale, 1e-9), self.clock())
            if self._rich is not None:
                if group in self._tasks:  # a job's line, now its scenario group's: one line
                    self._rich.reset(self._tasks[group], total=max(total, 1), completed=0)
                else:
                    self._tasks[group] = self._rich.add_task(group, total=max(total, 1), group=group)
            else:
                self.tick()

    def job_started(self, name: str) -> None:
        """A job's line (its stack starting); a check or scenario group of the same name, once
        it starts, takes the line over with its own counts."""
        with self._lock:
            self.group_started(name, 1)
            self._job_lines.add(name)

    def job_finished(self, name: str, report: Report, wall_s: float) -> None:
        with self._lock:
            if name in self._job_lines:
                self.item_done(name, name, report.checks)
            self.group_finished(name)

    def item_done(self, group: str, item: str, results: Sequence[CheckResult] = ()) -> None:
        with self._lock:
            state = self.groups.get(group)
            if state is not None:
                state.done += 1
                if self._rich is not None:
                    self._rich.update(self._tasks[group], completed=state.done)
            if self.verbosity == "verbose":
                for result in results:
                    self._print(_check_line(result))
            if self._rich is None:
                self.tick()

    def group_finished(self, group: str) -> None:
        with self._lock:
            state = self.groups.get(group)
            if state is None:
                return
            state.finished = self.clock()
            if self._rich is not None:
                self._rich.update(self._tasks[group], completed=max(state.total, 1))

    def warning(self, message: str) -> None:
        if self.verbosity != "quiet":
            with self._lock:
                self._print(f"WARNING {message}")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            if self._rich is not None:
                self._rich.stop()
                self._rich = None

    # ---------------------------------------------------------------- plain lines
    def tick(self) -> None:
        """Write the plain status line if ``interval`` passed since the last one."""
        if self.verbosity == "quiet" or self.live:
            return
        with self._lock:
            now = self.clock()
            running = [g for g in self.groups.values() if g.finished is None]
            if not running:
                return
            if self._last_line is not None and now - self._last_line < self.interval:
                return
            self._last_line = now
            self.stream.write(f"[{duration(now - min(g.started for g in running))}] ")
            self.stream.write("; ".join(g.line(now) for g in running) + "\n")
            self.stream.flush()

    def _tick_loop(self) -> None:
        while not self._stop.wait(1.0):
            self.tick()

    def _print(self, line: str) -> None:
        if self._rich is not None:
            self._rich.console.print(line, markup=False, highlight=False)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()


class _Counts(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{int(task.completed)}/{int(task.total or 0)}")


class _GroupColumn(ProgressColumn):
    def __init__(self, owner: ConsoleProgress) -> None:
        super().__init__()
        self.owner = owner

    def group(self, task: Task) -> _Group | None:
        return self.owner.groups.get(str(task.fields.get("group", "")))


class _Production(_GroupColumn):
    def render(self, task: Task) -> Text:
        group = self.group(task)
        if group is None or not group.production_s:
            return Text("")
        return Text(
            f"{duration(group.covered(self.owner.clock()))}/{duration(group.production_s)} production"
        )


class _Elapsed(_GroupColumn):
    def render(self, task: Task) -> Text:
        group = self.group(task)
        if group is None:
            return Text("")
        end = group.finished if group.finished is not None else self.owner.clock()
        return Text(f"elapsed {duration(end - group.started)}")


class _Eta(_GroupColumn):
    def render(self, task: Task) -> Text:
        group = self.group(task)
        if group is None:
            return Text("")
        if group.finished is not None:
            return Text("done")
        eta = group.eta(self.owner.clock())
        return Text(f"ETA {duration(eta)}" if eta is not None else "ETA ?")


# ---------------------------------------------------------------- the closing summary
def group_of(check_id: str) -> str:
    return check_id.partition("/")[0]


COLUMNS = ("passed", "failed", "skipped", "warnings", "untrusted", "waived")


def summary_rows(
    checks: Iterable[CheckResult], key: Callable[[CheckResult], str] | None = None
) -> list[tuple[str, dict[str, int]]]:
    """(group, counts per column) in the order groups first appear; a failed warning counts as a
    warning only, an untrusted verdict as ``untrusted`` (the run's ``untrusted`` says why).
    ``key``: what a row is (default: the check group, the id's first part)."""
    rows: dict[str, dict[str, int]] = {}
    for check in checks:
        row = rows.setdefault((key or (lambda c: group_of(c.id)))(check), dict.fromkeys(COLUMNS, 0))
        if check.warned:
            row["warnings"] += 1
        elif check.failed and check.untrusted:
            row["untrusted"] += 1
        else:
            row[check.status if check.status in row else "failed"] += 1
    return list(rows.items())


def _table(title: str, rows: list[tuple[str, dict[str, int]]]) -> Table:
    optional = ("waived", "untrusted")
    columns = [c for c in COLUMNS if c not in optional or any(r[c] for _, r in rows)]
    table = Table(show_edge=False)
    table.add_column(title)
    for column in columns:
        table.add_column(column, justify="right")
    for group, counts in rows:
        table.add_row(group, *(str(counts[c]) for c in columns))
    return table


def print_summary(report: Report, stream: IO[str] | None = None, slowest: int = 5) -> None:
    """The table of groups and the slowest scenarios (rich; plain text when ``stream`` is no
    terminal). The findings themselves follow as FAIL / WARN lines (commands/summary.py)."""
    stream = stream if stream is not None else sys.stdout
    terminal = _is_terminal(stream)
    console = Console(file=stream, force_terminal=terminal, highlight=False, width=None if terminal else 120)
    console.print(_table("checks", summary_rows(report.checks)))
    if any("job" in c.details for c in report.checks):  # `run`: which stack judged what
        by_job = summary_rows(report.checks, key=lambda c: str(c.details.get("job", "static")))
        console.print(_table("job", by_job))
    seconds = dict(report.measurements.get("scenario_seconds") or {})
    for figures in (report.measurements.get("jobs") or {}).values():
        seconds.update(figures.get("scenario_seconds") or {})
    if seconds:
        top = sorted(seconds.items(), key=lambda kv: kv[1], reverse=True)[:slowest]
        console.print(
            "slowest scenarios: " + ", ".join(f"{name} {s:.1f}s" for name, s in top),
            markup=False,
        )


def duration(seconds: float) -> str:
    """``75`` → ``1m15s``; ``14400`` → ``4h``; ``3.2`` → ``3s``."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    return f"{secs}s"


def _check_line(result: CheckResult) -> str:
    status = (
        "WARN" if result.warned else {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[result.status]
    )
    message = f": {result.message}" if result.message else ""
    return f"{status} {result.id}{message}"


def _is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
