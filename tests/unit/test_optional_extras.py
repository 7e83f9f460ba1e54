"""The core runs without the optional extras; what needs one is skipped with the extra to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from validation.checks.base import CheckContext
from validation.checks.dashboards.previews import DashboardPreviewsCheck
from validation.core.errors import HarnessError
from validation.core.project import Project
from validation.core.results import Report

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def _without(monkeypatch: pytest.MonkeyPatch, package: str, *importers: str) -> None:
    """Make ``import package`` fail as on a machine without it (and forget modules that imported it)."""
    for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, package, None)
    for name in importers:
        monkeypatch.delitem(sys.modules, name, raising=False)


def test_without_matplotlib_previews_are_skipped_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _without(monkeypatch, "matplotlib", "validation.dashboards.preview")
    report = Report()
    DashboardPreviewsCheck().run(CheckContext(Project.load(REPO), tmp_path, report_dir=tmp_path), report)
    [result] = report.checks
    assert (result.id, result.status) == ("dashboards/previews", "skipped")
    assert "pip install 'stackcheck[previews]'" in result.message
    assert not (tmp_path / "dashboards").exists()


def test_without_cryptography_starttls_is_a_harness_error_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _without(monkeypatch, "cryptography")
    from validation.sinks.tls import self_signed_tls

    with pytest.raises(HarnessError, match=r"stackcheck\[tls\]"):
        self_signed_tls(["127.0.0.1"], tmp_path)
