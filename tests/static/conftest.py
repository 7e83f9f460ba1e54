"""The static tier runs promtool and amtool: every test needs them (a failure in CI when missing)."""

from __future__ import annotations

import pytest

from tests.tools import required_tool


@pytest.fixture(autouse=True, scope="session")  # session: hypothesis tests take no per-test fixture
def _static_tools() -> None:
    required_tool("promtool")
    required_tool("amtool")
