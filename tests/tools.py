"""The components' command-line tools a test tier needs: missing is a skip locally, a failure in CI."""

from __future__ import annotations

import os
import shutil

import pytest

PACKAGES = {"promtool": "prometheus", "amtool": "prometheus-alertmanager"}


def required_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = (
            f"{name} not found on PATH: run `stackcheck provision` (Debian package "
            f"{PACKAGES.get(name, name)})"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must provide it", pytrace=False)
        pytest.skip(reason)
    return path
