"""The job runner: jobs run at once, each on its own stack; a job may add a late job; a config
that breaks a stack's start is a failed check, anything else ends the run."""

import threading

import pytest

from validation.core.errors import ConfigError, HarnessError
from validation.runner.jobs import Job, JobRunner
from validation.stack.stack import StackOptions

pytestmark = pytest.mark.unit


class FakeStack:
    taken_once = False

    def __init__(self, project, options):
        self.options = options
        self.state = None
        self.stopped = False

    def __enter__(self):
        if self.options.time_scale == 7 and not FakeStack.taken_once:
            FakeStack.taken_once = True
            raise HarnessError("synthetic target: cannot listen on 127.9.0.13:8080: Address already in use")
        if self.options.time_scale == 8:
            raise HarnessError("pushgateway: port 9091 is already taken")
        if self.options.time_scale == 13:
            raise ConfigError("prometheus.yml: bad config", place="stack/prometheus/prometheus.yml")
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stopped = True

    def instances(self):
        return []

    def environment(self):
        return {"backend": "fake", "time_scale": self.options.time_scale}


def _runner():
    return JobRunner(project=None, stack_factory=FakeStack)  # type: ignore[arg-type]


def test_jobs_run_at_once_each_on_its_own_stack():
    barrier = threading.Barrier(3, timeout=5)
    stacks = []

    def body(stack, report):
        stacks.append(stack)
        barrier.wait()  # only passes when all three run at the same time
        report.passed(f"job/{stack.options.time_scale:g}", "alert")

    runner = _runner()
    for k in (60, 120, 600):
        runner.add(Job(f"k{k}", StackOptions(time_scale=k), body))
    results = runner.wait()
    assert sorted(r.report.checks[0].id for r in results) == ["job/120", "job/60", "job/600"]
    assert {r.report.checks[0].details["job"] for r in results} == {"k60", "k120", "k600"}
    assert len({id(s) for s in stacks}) == 3 and all(s.stopped for s in stacks)


def test_a_job_can_add_a_late_job_and_the_runner_waits_for_it():
    runner = _runner()

    def late(stack, report):
        report.passed("late/ran", "alert")

    def first(stack, report):
        runner.add(Job("late", StackOptions(time_scale=60), late))

    runner.add(Job("first", StackOptions(time_scale=60), first))
    results = runner.wait()
    assert [c.id for r in results for c in r.report.checks] == ["late/ran"]


def test_a_broken_config_is_a_failed_check_and_a_harness_error_ends_the_run():
    runner = _runner()
    runner.add(Job("broken", StackOptions(time_scale=13), lambda s, r: None))
    (result,) = runner.wait()
    assert [(c.id, c.status) for c in result.report.checks] == [("stack/start", "failed")]

    def fails(stack, report):
        raise HarnessError("the synthetic target was never scraped", hint="see the log")

    runner = _runner()
    runner.add(Job("harness", StackOptions(time_scale=60), fails))
    with pytest.raises(HarnessError):
        runner.wait()


def test_stop_all_stops_every_stack_from_the_main_thread():
    release = threading.Event()
    seen = []

    def body(stack, report):
        seen.append(stack)
        release.wait(5)

    runner = _runner()
    runner.add(Job("a", StackOptions(time_scale=60), body))
    runner.add(Job("b", StackOptions(time_scale=120), body))
    while len(seen) < 2:
        threading.Event().wait(0.01)
    stopped_while_running = []

    def check_then_release():
        stopped_while_running.extend(s.stopped for s in seen)
        release.set()

    threading.Timer(0.3, check_then_release).start()
    runner.stop_all()  # what SIGTERM / Ctrl-C in the main thread calls, while the jobs still run
    assert stopped_while_running == [True, True]


def test_an_address_taken_by_another_run_is_retried_once_on_a_fresh_block():
    runner = _runner()
    runner.add(Job("taken-once", StackOptions(time_scale=7), lambda s, r: r.passed("ran", "alert")))
    (result,) = runner.wait()
    assert [c.id for c in result.report.checks] == ["ran"]
    assert result.report.measurements["start_retries"] == 1

    runner = _runner()
    runner.add(Job("taken-always", StackOptions(time_scale=8), lambda s, r: None))
    with pytest.raises(HarnessError, match="already taken"):
        runner.wait()
