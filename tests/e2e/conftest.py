from __future__ import annotations

import os
import shutil

import pytest

BINARIES = ("prometheus", "promtool", "amtool")
ANY_OF = (("prometheus-alertmanager", "alertmanager"), ("prometheus-pushgateway", "pushgateway"),
          ("prometheus-node-exporter", "node_exporter"))


@pytest.fixture(autouse=True)
def _components_present():
    missing = [b for b in BINARIES if shutil.which(b) is None]
    missing += ["/".join(names) for names in ANY_OF if not any(shutil.which(n) for n in names)]
    if missing:
        reason = f"components missing: {', '.join(missing)} (run `stackcheck provision`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _no_orphans():
    """Every e2e test leaves no process behind: whatever it started mentioning a run directory
    is gone within 10 s of the test's end."""
    from tests.orphans import processes_mentioning
    from validation.core.wait import WaitTimeout, wait_until

    before = set(processes_mentioning("stackcheck-run-"))
    yield
    try:
        wait_until(lambda: not (set(processes_mentioning("stackcheck-run-")) - before), timeout=10,
                   what="the test's processes to exit")
    except WaitTimeout:
        left = sorted(set(processes_mentioning("stackcheck-run-")) - before)
        pytest.fail(f"orphan processes after the test: {left}", pytrace=False)
