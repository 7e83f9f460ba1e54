"""The synthetic scrape target, the text format it serves, and Pushgateway injection."""

from __future__ import annotations

import base64
import math
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from validation.core.errors import HarnessError
from validation.synthetic import pushgateway
from validation.synthetic.exposition import SyntheticTarget, Timeline
from validation.synthetic.notation import STALE, parse_values
from validation.synthetic.textformat import Point, escape_label_value, format_value, render_exposition

pytestmark = pytest.mark.unit


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _timeline(values: str, hold_last: bool = True) -> Timeline:
    return Timeline(
        "s", "x", (), tuple(parse_values(values)), interval=10.0, start=100.0, hold_last=hold_last
    )


VALUE_AT = [
    ("before start: absent", "1 2 3", True, 99.9, None),
    ("at start: first sample", "1 2 3", True, 100.0, 1.0),
    ("inside the first interval: first sample", "1 2 3", True, 109.999, 1.0),
    ("next interval: next sample", "1 2 3", True, 110.0, 2.0),
    ("missing sample: absent", "1 _ 3", True, 115.0, None),
    ("stale sample: absent", "1 stale 3", True, 115.0, None),
    ("after the end, hold_last: last sample", "1 2 3", True, 10_000.0, 3.0),
    ("after the end, no hold: absent", "1 2 3", False, 130.0, None),
    ("last sample of a no-hold series still served", "1 2 3", False, 129.0, 3.0),
    ("after the end, last is stale: absent", "1 2 stale", True, 10_000.0, None),
    ("after the end, last is missing: absent", "1 2 _", True, 10_000.0, None),
    ("infinite values are served", "Inf", True, 100.0, math.inf),
]


@pytest.mark.parametrize(
    ("case", "values", "hold", "now", "expected"), VALUE_AT, ids=[case for case, *_ in VALUE_AT]
)
def test_timeline_value_at(case: str, values: str, hold: bool, now: float, expected: float | None) -> None:
    assert _timeline(values, hold).value_at(now) == expected


def test_timeline_end_is_when_the_last_sample_starts() -> None:
    assert _timeline("1x3").end == 130.0


# --- text format -------------------------------------------------------------------------------

ESCAPES = [
    ("backslash", "a\\b", "a\\\\b"),
    ("quote", 'a"b', 'a\\"b'),
    ("newline", "a\nb", "a\\nb"),
    ("all at once", '\\"\n', '\\\\\\"\\n'),
    ("plain", "gpu-node-7:9100", "gpu-node-7:9100"),
]


@pytest.mark.parametrize(("case", "raw", "escaped"), ESCAPES, ids=[case for case, *_ in ESCAPES])
def test_label_values_are_escaped_for_the_text_format(case: str, raw: str, escaped: str) -> None:
    assert escape_label_value(raw) == escaped


@given(st.text(max_size=30))
def test_label_value_escaping_is_reversible(raw: str) -> None:
    escaped = escape_label_value(raw)
    assert "\n" not in escaped
    unescaped = re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], escaped)
    assert unescaped == raw


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1.0"), (1e9, "1000000000.0"), (math.inf, "+Inf"), (-math.inf, "-Inf"), (0.1, "0.1")],
)
def test_values_are_formatted_as_prometheus_parses_them(value: float, text: str) -> None:
    assert format_value(value) == text


def test_nan_is_formatted_as_nan() -> None:
    assert format_value(math.nan) == "NaN"


TYPES = [
    ("plain metric is a gauge", ["node_load1"], {}, {"node_load1": "gauge"}),
    ("_total is a counter", ["jobs_total"], {}, {"jobs_total": "counter"}),
    (
        "bucket with le makes a histogram family",
        ["lat_bucket{le}", "lat_sum", "lat_count"],
        {},
        {"lat": "histogram"},
    ),
    ("_sum alone stays a gauge", ["lat_sum"], {}, {"lat_sum": "gauge"}),
    ("_bucket without le stays a gauge", ["disk_bucket"], {}, {"disk_bucket": "gauge"}),
    ("quantile makes a summary", ["rpc{quantile}", "rpc_sum", "rpc_count"], {}, {"rpc": "summary"}),
    ("explicit type wins", ["jobs_total"], {"jobs_total": "gauge"}, {"jobs_total": "gauge"}),
    ("explicit histogram groups", ["h_bucket", "h_count"], {"h": "histogram"}, {"h": "histogram"}),
]


def _points(specs: list[str]) -> list[Point]:
    points = []
    for spec in specs:
        name, _, label = spec.partition("{")
        labels = {label.rstrip("}"): "0.5"} if label else {}
        points.append(Point.of(name, labels, 1.0))
    return points


@pytest.mark.parametrize(("case", "specs", "types", "expected"), TYPES, ids=[case for case, *_ in TYPES])
def test_metric_types_are_inferred(
    case: str, specs: list[str], types: dict[str, str], expected: dict[str, str]
) -> None:
    text = render_exposition(_points(specs), types=types)
    got = {line.split()[2]: line.split()[3] for line in text.splitlines() if line.startswith("# TYPE")}
    assert got == expected


def test_histogram_family_is_ordered_buckets_by_le_then_sum_then_count() -> None:
    points = [
        Point.of("lat_count", {"job": "a"}, 3),
        Point.of("lat_bucket", {"job": "a", "le": "+Inf"}, 3),
        Point.of("lat_sum", {"job": "a"}, 1.5),
        Point.of("lat_bucket", {"job": "a", "le": "10"}, 2),
        Point.of("lat_bucket", {"job": "a", "le": "0.5"}, 1),
    ]
    samples = [line for line in render_exposition(points).splitlines() if not line.startswith("#")]
    assert samples == [
        'lat_bucket{job="a",le="0.5"} 1.0',
        'lat_bucket{job="a",le="10"} 2.0',
        'lat_bucket{job="a",le="+Inf"} 3.0',
        'lat_sum{job="a"} 1.5',
        'lat_count{job="a"} 3.0',
    ]


def test_each_family_has_one_help_and_one_type_line_and_the_body_ends_with_newline() -> None:
    points = [Point.of("b", {"i": str(n)}, n) for n in range(3)] + [Point.of("a", {}, 1)]
    text = render_exposition(points, helps={"a": "line one\nline \\ two"})
    lines = text.splitlines()
    assert lines[:3] == ["# HELP a line one\\nline \\\\ two", "# TYPE a gauge", "a 1.0"]
    assert sum(line.startswith("# TYPE b ") for line in lines) == 1
    assert text.endswith("\n")


@given(st.permutations([Point.of("m", {"i": str(n)}, n) for n in range(6)] + [Point.of("a_total", {}, 1)]))
def test_rendering_does_not_depend_on_registration_order(points: list[Point]) -> None:
    assert render_exposition(points) == render_exposition(sorted(points, key=lambda p: (p.name, p.labels)))


# --- the HTTP target ---------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def target(clock: FakeClock) -> Iterator[SyntheticTarget]:
    with SyntheticTarget("127.0.0.1", 0, clock=clock) as running:
        yield running


def _scrape(target: SyntheticTarget) -> str:
    response = requests.get(target.url, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.text


def test_target_serves_the_sample_of_the_current_interval(target: SyntheticTarget, clock: FakeClock) -> None:
    target.add_timeline('node_load1{instance="gpu-node-7:9100"}', "1 2 _ 4", 15, clock.now, scenario="a")
    seen = []
    for offset in (0, 15, 30, 45, 600):
        clock.now = 1000.0 + offset
        body = _scrape(target)
        line = next((line for line in body.splitlines() if line.startswith("node_load1{")), None)
        seen.append(line.rsplit(" ", 1)[1] if line else None)
    assert seen == ["1.0", "2.0", None, "4.0", "4.0"]


def test_target_omits_stale_series_and_serves_others(target: SyntheticTarget, clock: FakeClock) -> None:
    target.add_timeline("gone", [1.0, STALE], 10, clock.now)
    target.add_timeline("kept", "5x3", 10, clock.now)
    clock.now += 10
    body = _scrape(target)
    assert "kept 5.0" in body
    assert "gone" not in body


def test_target_answers_404_outside_metrics(target: SyntheticTarget) -> None:
    response = requests.get(target.url.replace("/metrics", "/other"), timeout=5)
    assert response.status_code == 404


def test_target_counts_scrapes_and_wait_for_scrapes_returns(target: SyntheticTarget) -> None:
    assert target.scrapes == 0
    assert not target.wait_for_scrapes(1, timeout=0.05)
    _scrape(target)
    _scrape(target)
    assert target.wait_for_scrapes(2, timeout=1)
    assert target.scrapes == 2


def test_target_wakes_a_waiter_when_a_scrape_arrives(target: SyntheticTarget) -> None:
    result: list[bool] = []
    waiter = threading.Thread(target=lambda: result.append(target.wait_for_scrapes(1, timeout=10)))
    waiter.start()
    _scrape(target)
    waiter.join(timeout=10)
    assert result == [True]


def test_the_same_series_twice_is_refused(target: SyntheticTarget, clock: FakeClock) -> None:
    target.add_timeline('up{instance="a"}', "1", 15, scenario="first")
    with pytest.raises(HarnessError, match=r"already served for scenario 'first'.*Hint: .*isolate"):
        target.add_timeline('up{instance="a"}', "1", 15, scenario="second")


def test_remove_scenario_drops_only_its_series(target: SyntheticTarget, clock: FakeClock) -> None:
    target.add_timeline('up{instance="a"}', "1", 15, scenario="first")
    target.add_timeline('up{instance="b"}', "1", 15, scenario="second")
    assert target.remove_scenario("first") == 1
    body = _scrape(target)
    assert 'instance="b"' in body and 'instance="a"' not in body
    target.clear()
    assert [line for line in _scrape(target).splitlines() if line] == []


def test_start_defaults_to_the_clock_and_hold_last_can_be_turned_off(clock: FakeClock) -> None:
    target = SyntheticTarget(clock=clock, hold_last=False)
    timeline = target.add_timeline("x", "1 2", 10)
    assert timeline.start == clock.now and not timeline.hold_last
    assert target.render(clock.now + 25) == ""
    assert "x 2.0" in target.render(clock.now + 15)


@pytest.mark.parametrize("host", ["10.0.0.1", "0.0.0.0", "example.org", "192.168.1.5"])
def test_non_loopback_addresses_are_refused(host: str) -> None:
    with pytest.raises(HarnessError, match="not a loopback address"):
        SyntheticTarget(host)


def test_targets_at_several_loopback_addresses_serve_their_own_series(clock: FakeClock) -> None:
    with (
        SyntheticTarget("127.0.0.1", clock=clock) as first,
        SyntheticTarget("127.0.0.2", clock=clock) as second,
    ):
        first.add_timeline('node_load1{instance="gpu-node-1:9100"}', "1", 15)
        second.add_timeline('node_load1{instance="gpu-node-2:9100"}', "2", 15)
        assert "gpu-node-1" in _scrape(first) and "gpu-node-2" not in _scrape(first)
        assert "gpu-node-2" in _scrape(second)
        assert first.url.startswith("http://127.0.0.1:") and second.url.startswith("http://127.0.0.2:")


def test_a_taken_port_is_a_harness_error_with_a_hint(target: SyntheticTarget) -> None:
    with pytest.raises(HarnessError, match=r"cannot listen on 127\.0\.0\.1.*Hint: "):
        SyntheticTarget("127.0.0.1", target.port).start()


def test_invalid_input_is_refused() -> None:
    target = SyntheticTarget()
    with pytest.raises(HarnessError, match="interval must be positive"):
        target.add_timeline("x", "1", 0)
    with pytest.raises(HarnessError, match="unknown metric type"):
        target.set_type("x", "gauges")


def test_stop_is_idempotent_and_frees_the_port(clock: FakeClock) -> None:
    target = SyntheticTarget(clock=clock).start()
    port = target.port
    target.stop()
    target.stop()
    with SyntheticTarget("127.0.0.1", port, clock=clock) as again:
        assert again.port == port


# --- Pushgateway -------------------------------------------------------------------------------

PATHS = [
    ("job only", "batch", {}, "/metrics/job/batch"),
    (
        "grouping labels in order",
        "batch",
        {"instance": "n1", "stage": "x"},
        "/metrics/job/batch/instance/n1/stage/x",
    ),
    (
        "slash in a value uses base64",
        "batch",
        {"path": "/var/x"},
        "/metrics/job/batch/path@base64/" + base64.urlsafe_b64encode(b"/var/x").decode(),
    ),
    ("empty value is base64 '='", "batch", {"instance": ""}, "/metrics/job/batch/instance@base64/="),
    (
        "slash in the job uses base64",
        "a/b",
        {},
        "/metrics/job@base64/" + base64.urlsafe_b64encode(b"a/b").decode(),
    ),
    (
        "other characters are percent-encoded",
        "batch",
        {"instance": "a b%"},
        "/metrics/job/batch/instance/a%20b%25",
    ),
]


@pytest.mark.parametrize(("case", "job", "grouping", "path"), PATHS, ids=[case for case, *_ in PATHS])
def test_group_path(case: str, job: str, grouping: dict[str, str], path: str) -> None:
    assert pushgateway.group_path(job, grouping) == path


@pytest.mark.parametrize(
    ("job", "grouping", "fragment"),
    [
        ("", {}, "job name is empty"),
        ("j", {"job": "x"}, "invalid grouping label"),
        ("j", {"1a": "x"}, "invalid"),
    ],
)
def test_group_path_rejects_bad_groups(job: str, grouping: dict[str, str], fragment: str) -> None:
    with pytest.raises(HarnessError, match=fragment):
        pushgateway.group_path(job, grouping)


class _Recorder:
    """A loopback HTTP server that records requests and answers with a configurable status."""

    def __init__(self, status: int = 200, body: bytes = b"") -> None:
        self.requests: list[dict[str, Any]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorder.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "body": self.rfile.read(length).decode(),
                        "auth": self.headers.get("Authorization"),
                    }
                )
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_PUT = do_POST = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    server = _Recorder()
    yield server
    server.close()


def test_push_puts_the_text_with_a_trailing_newline_and_basic_auth(recorder: _Recorder) -> None:
    pushgateway.push(recorder.url, "backup", {"instance": "n1"}, "x 1", auth=("pusher", "secret"))
    [request] = recorder.requests
    assert request["method"] == "PUT"
    assert request["path"] == "/metrics/job/backup/instance/n1"
    assert request["body"] == "x 1\n"
    assert request["auth"] == "Basic " + base64.b64encode(b"pusher:secret").decode()


def test_push_without_replace_posts_and_delete_deletes(recorder: _Recorder) -> None:
    pushgateway.push(recorder.url + "/", "backup", None, "x 1\n", replace=False)
    pushgateway.delete(recorder.url, "backup", {"instance": "n1"})
    assert [(r["method"], r["path"]) for r in recorder.requests] == [
        ("POST", "/metrics/job/backup"),
        ("DELETE", "/metrics/job/backup/instance/n1"),
    ]


@pytest.mark.parametrize(
    ("status", "fragment"),
    [(400, "answered 400: bad line.*offending line"), (401, "answered 401.*credentials")],
)
def test_push_failures_are_harness_errors_with_the_answer(status: int, fragment: str) -> None:
    server = _Recorder(status, b"bad line")
    try:
        with pytest.raises(HarnessError, match=fragment):
            pushgateway.push(server.url, "j", {}, "x 1")
    finally:
        server.close()


def test_push_to_a_closed_port_is_a_harness_error() -> None:
    server = _Recorder()
    url = server.url
    server.close()
    with pytest.raises(HarnessError, match=r"PUT failed.*Hint: is the Pushgateway running"):
        pushgateway.push(url, "j", {}, "x 1", timeout=2)


# scrape slots ------------------------------------------------------------------------------------


def test_the_phase_is_the_least_delayed_arrival_of_the_cluster_not_a_late_outlier():
    target = SyntheticTarget(clock=FakeClock())
    # scheduled every 0.25 s at phase 0.1; delays 0–20 ms, one request 0.15 s late
    for n, delay in enumerate([0.02, 0.005, 0.01, 0.15, 0.012, 0.0, 0.018]):
        target._arrived(0.1 + n * 0.25 + delay)
    phase = target.scrape_phase(0.25)
    assert phase is not None and (phase - 0.1) % 0.25 == pytest.approx(0.0, abs=1e-9)


def test_a_late_request_is_rendered_at_its_scheduled_slot_once_following_scrapes():
    clock = FakeClock(0.0)
    target = SyntheticTarget(clock=clock)
    for n in range(8):
        target._arrived(0.1 + n * 0.25)
    assert target.slot_of(2.23) == 2.23  # not following yet: the arrival itself
    target.follow_scrapes(0.25)
    assert target.slot_of(2.1 + 0.2) == pytest.approx(2.1)  # 200 ms late: still the 2.1 slot
    assert target.slot_of(2.1 - 0.01) == pytest.approx(2.1)  # slightly early: the phase is an estimate


@given(
    st.floats(min_value=0, max_value=1000),
    st.floats(min_value=-5, max_value=5),
    st.floats(min_value=0.05, max_value=2),
    st.integers(min_value=1, max_value=4),
)
def test_aligned_start_puts_every_scrape_half_a_step_from_a_boundary(earliest, phase_offset, step, ratio):
    from validation.pipeline.inject import aligned_start

    phase = earliest + phase_offset
    start = aligned_start(earliest, phase, step)
    assert earliest <= start < earliest + step + 1e-9
    # scrapes every `ratio` steps from the phase: each one half a step into a sample
    for n in range(-3, 4):
        into = ((phase + n * ratio * step) - start) % step
        assert into == pytest.approx(step / 2, abs=1e-6) or step - into == pytest.approx(step / 2, abs=1e-6)


def test_without_a_phase_the_start_is_the_earliest():
    from validation.pipeline.inject import aligned_start

    assert aligned_start(12.0, None, 0.25) == 12.0
