"""Previews are drawn in a child process (its own GIL), and here when no child can do it."""

import pytest

from validation.dashboards import preview_process
from validation.dashboards.session import DashboardSession

pytestmark = pytest.mark.unit


def test_an_empty_session_comes_back_from_the_child(tmp_path):
    errors: list[str] = []
    assert preview_process.render_session_elsewhere(DashboardSession([], []), tmp_path, errors) == []
    assert errors == []


def test_when_the_child_cannot_draw_the_previews_are_drawn_here(tmp_path, monkeypatch):
    drawn = []

    def draw_here(session, out_dir, errors):
        drawn.append(out_dir)
        return []

    monkeypatch.setattr(preview_process, "TIMEOUT_S", 0.0)  # the child never answers in time
    monkeypatch.setattr("validation.dashboards.preview.render_session", draw_here)
    preview_process.render_session_elsewhere(DashboardSession([], []), tmp_path, [])
    assert drawn == [tmp_path]
