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
