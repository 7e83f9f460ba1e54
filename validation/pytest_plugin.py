"""pytest plugin (pytest11 entry point): thin fixtures over the library.

- ``stackcheck_project`` (session): the repository under test (``--stackcheck-dir``, default cwd);
- ``stack`` (session): one running stack for the whole session (``--stackcheck-backend``,
  ``--stackcheck-time-scale``); components that cannot be had make the tests that need them
  skip with the reason locally and FAIL when CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from validation.errors import ComponentUnavailable
from validation.project import Project
from validation.stack import Stack, StackOptions


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stackcheck")
    group.addoption("--stackcheck-dir", default=".", help="repository with stack/, rules/, fixtures/")
    group.addoption("--stackcheck-backend", default="process", choices=("process", "containers"))
    group.addoption("--stackcheck-time-scale", type=float, default=1.0)


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
    options = StackOptions(
        backend=pytestconfig.getoption("--stackcheck-backend"),
        time_scale=pytestconfig.getoption("--stackcheck-time-scale"),
    )
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
