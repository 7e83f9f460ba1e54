"""pytest plugin (pytest11 entry point): thin fixtures over the library.

- ``stackcheck_project`` (session): the repository under test (``--stackcheck-dir``, default cwd);
- ``stack`` (session): one running stack for the whole session (``--stackcheck-backend``,
  ``--stackcheck-time-scale``); components that cannot be had make the tests that need them
  skip with the reason locally and FAIL when CI=true;
- ``inbox``, ``synthetic``, ``silences`` (per test): the stack's notification inbox emptied,
  the series a test injected removed, the silences it created expired.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from validation.core.errors import ComponentUnavailable
from validation.core.project import Project
from validation.core.settings import BACKENDS, DEFAULT_BACKEND, DEFAULT_TIME_SCALE, Settings
from validation.sinks import Inbox
from validation.stack.stack import Stack, StackOptions
from validation.synthetic.exposition import SyntheticTarget


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stackcheck")
    group.addoption("--stackcheck-dir", default=".", help="repository with stack/, rules/, fixtures/")
    group.addoption(
        "--stackcheck-backend", default=DEFAULT_BACKEND, choices=[b for b in BACKENDS if b != "auto"]
    )
    group.addoption("--stackcheck-time-scale", type=float, default=DEFAULT_TIME_SCALE)


def settings(config: pytest.Config) -> Settings:
    """The run's ``Settings``, from the plugin's options (their defaults are the shared ones)."""
    return Settings(
        backend=config.getoption("--stackcheck-backend"),
        time_scale=config.getoption("--stackcheck-time-scale"),
    )


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where a missing required component is a failure."""
    if in_ci():
        pytest.fail(f"required component unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def stackcheck_project(pytestconfig: pytest.Config) -> Project:
    return Project.load(Path(pytestconfig.getoption("--stackcheck-dir")))


@pytest.fixture(scope="session")
def stack(pytestconfig: pytest.Config, stackcheck_project: Project) -> Iterator[Stack]:
    chosen = settings(pytestconfig)
    options = StackOptions(backend=chosen.backend, time_scale=chosen.time_scale)
    try:
        running = Stack(stackcheck_project, options)
        running.__enter__()
    except ComponentUnavailable as exc:
        unavailable(exc.render())
        raise
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def inbox(stack: Stack) -> Iterator[Inbox]:
    """The stack's notification inbox, emptied before each test."""
    stack.inbox.clear()
    yield stack.inbox


@pytest.fixture
def synthetic(stack: Stack) -> Iterator[SyntheticTarget]:
    """The synthetic scrape target; every series a test added is removed after it."""
    target = stack.synthetic
    if target is None:
        pytest.skip("the stack runs without a synthetic target")
        raise AssertionError("unreachable")  # pytest.skip raises
    before = {t.key for t in target.timelines()}
    yield target
    for timeline in target.timelines():
        if timeline.key not in before:
            target.remove_scenario(timeline.scenario)


@pytest.fixture
def silences(stack: Stack) -> Iterator[list[str]]:
    """Append silence ids here; they are expired after the test."""
    created: list[str] = []
    yield created
    client = stack.alertmanager()
    for silence_id in created:
        client.expire_silence(silence_id)
