"""Independent jobs, each on a stack of its own, run concurrently.

A ``Job`` is a name, the options of its stack and a body that runs checks against that stack
into the job's own ``Report``. ``JobRunner`` starts every job on a worker thread (each ``Stack``
gets its own 127.B loopback block, so stacks never collide), lets a running job add more jobs,
and merges nothing: the live run (``live.py``) merges the reports.

Adding a kind of job is a registration: a factory in ``JOB_FACTORIES`` receives the run's
``JobPlanContext`` and returns the jobs it wants (possibly none):

    def faults_jobs(ctx: JobPlanContext) -> list[Job]:
        return [Job("faults", ctx.stack_options(ctx.exact_k), run_faults)] if ... else []

    register_job_factory(faults_jobs)

Cleanup: SIGINT / SIGTERM reach the main thread, which stops every stack (processes,
containers, servers) and then waits briefly for the workers; a worker that fails to start its
stack reports a ``ConfigError`` as ``stack/start`` failed, anything else ends the run.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from validation.core.errors import ConfigError, HarnessError
from validation.core.project import Project
from validation.core.results import Report
from validation.stack.stack import Stack, StackOptions


class JobProgress(Protocol):
    """What a progress display hears about jobs (every method may be called from any thread)."""

    def job_started(self, name: str) -> None: ...

    def job_finished(self, name: str, report: Report, wall_s: float) -> None: ...


class _NoProgress:
    def job_started(self, name: str) -> None:
        pass

    def job_finished(self, name: str, report: Report, wall_s: float) -> None:
        pass


@dataclass
class Job:
    name: str
    stack_options: StackOptions
    body: Callable[[Stack | None, Report], None]
    describe: dict[str, Any] = field(default_factory=dict)  # recorded in results.json
    # False: the body starts its own stacks (and lists them in ``stacks`` for ``stop_all``)
    own_stack: bool = True
    stacks: list[Stack] = field(default_factory=list)


@dataclass
class JobResult:
    job: Job
    report: Report = field(default_factory=Report)
    environment: dict[str, Any] = field(default_factory=dict)
    startup_s: float = 0.0
    wall_s: float = 0.0
    error: BaseException | None = None


@dataclass
class JobPlanContext:
    """What a job factory may use to build its jobs."""

    project: Project
    options: Any  # RunOptions (runner.options); Any avoids an import cycle
    backend: str
    work_dir: Path
    exact_k: float  # the largest K that keeps production's sampling
    report: Report  # the run's report: a factory may record skips here before anything starts
    # called once every job ended, with the run's report and every job's result
    finishers: list[Callable[[Report, list[JobResult]], None]] = field(default_factory=list)

    def stack_options(self, k: float, min_interval: float = 0.0) -> StackOptions:
        return StackOptions(
            backend=self.backend,
            time_scale=k,
            min_interval=min_interval,
            keep_run_dir=self.options.keep_run_dir,
        )


def _address_taken(exc: HarnessError) -> bool:
    text = str(exc)
    return "already in use" in text or "already taken" in text


JobFactory = Callable[[JobPlanContext, "JobRunner"], list[Job]]
JOB_FACTORIES: list[JobFactory] = []


def register_job_factory(factory: JobFactory) -> JobFactory:
    if factory not in JOB_FACTORIES:
        JOB_FACTORIES.append(factory)
    return factory


class JobRunner:
    """Runs jobs on worker threads; ``add`` may be called while others run (late jobs)."""

    def __init__(
        self,
        project: Project,
        progress: JobProgress | None = None,
        stack_factory: Callable[[Project, StackOptions], Stack] = Stack,
    ) -> None:
        self.project = project
        self.stack_factory = stack_factory
        self.progress: JobProgress = progress or _NoProgress()
        self.results: list[JobResult] = []
        self._threads: list[threading.Thread] = []
        self._stacks: list[Stack] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def add(self, job: Job) -> JobResult:
        result = JobResult(job)
        thread = threading.Thread(target=self._run, args=(result,), name=f"job-{job.name}", daemon=True)
        with self._lock:
            if self._stopping.is_set():
                return result
            self.results.append(result)
            self._threads.append(thread)
        thread.start()
        return result

    def _run(self, result: JobResult) -> None:
        job = result.job
        if not job.own_stack:
            self._run_stackless(result)
            return
        self.progress.job_started(job.name)
        started = time.monotonic()
        try:
            stack = self._start(job, result)
            try:
                result.startup_s = time.monotonic() - started
                result.report.measurements["startup_s"] = round(result.startup_s, 3)
                result.report.measurements["component_startup_s"] = {
                    i.name: round(i.startup_seconds, 3) for i in stack.instances()
                }
                job.body(stack, result.report)
                result.environment = stack.environment()
                if stack.state and stack.state.ctx.warnings:
                    result.environment["render_warnings"] = list(stack.state.ctx.warnings)
            finally:
                stack.__exit__(None, None, None)
        except ConfigError as exc:
            result.report.failed("stack/start", "health", exc.render())
        except BaseException as exc:  # handed to the main thread by wait()
            result.error = exc
        finally:
            for check in result.report.checks:  # which stack judged it: the per-group summary
                check.details.setdefault("job", job.name)
            result.wall_s = time.monotonic() - started
            self.progress.job_finished(job.name, result.report, result.wall_s)

    def _start(self, job: Job, result: JobResult) -> Stack:
        """A started stack. A run of another checkout that keeps its block locks elsewhere may take
        one of our addresses between allocation and bind: then the start is retried once on a
        fresh block (a port taken on every address fails again: exit 2, as it should)."""
        for attempt in (1, 2):
            stack = self.stack_factory(self.project, job.stack_options)
            with self._lock:
                self._stacks.append(stack)
            try:
                stack.__enter__()  # stops what it started when it raises
                return stack
            except ConfigError:
                result.environment = stack.environment()
                raise
            except HarnessError as exc:
                if attempt == 2 or not _address_taken(exc):
                    raise
                result.report.measurements["start_retries"] = 1
        raise AssertionError("unreachable")

    def _run_stackless(self, result: JobResult) -> None:
        job = result.job
        self.progress.job_started(job.name)
        started = time.monotonic()
        try:
            job.body(None, result.report)
            result.environment = dict(result.report.environment)
        except BaseException as exc:  # handed to the main thread by wait()
            result.error = exc
        finally:
            for check in result.report.checks:
                check.details.setdefault("job", job.name)
            result.wall_s = time.monotonic() - started
            self.progress.job_finished(job.name, result.report, result.wall_s)

    def wait(self) -> list[JobResult]:
        """Block until every job (also those added meanwhile) ended; SIGTERM/SIGINT stop them all."""
        old = None
        if threading.current_thread() is threading.main_thread():
            old = signal.getsignal(signal.SIGTERM)

            def on_sigterm(signum: int, frame: FrameType | None) -> None:
                raise SystemExit(128 + signum)

            signal.signal(signal.SIGTERM, on_sigterm)
        try:
            while True:
                with self._lock:
                    alive = [t for t in self._threads if t.is_alive()]
                if not alive:
                    break
                alive[0].join(timeout=0.2)
        except BaseException:
            self.stop_all()
            raise
        finally:
            if old is not None:
                signal.signal(signal.SIGTERM, old)
        for result in self.results:
            if result.error is not None:
                raise result.error
        return list(self.results)

    def stop_all(self) -> None:
        """Stop every stack now (from the main thread), then give the workers a moment to end."""
        self._stopping.set()
        with self._lock:
            stacks, threads = list(self._stacks), list(self._threads)
            stacks += [s for r in self.results for s in r.job.stacks]
        for stack in stacks:
            stack.stop()
        deadline = time.monotonic() + 10
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
