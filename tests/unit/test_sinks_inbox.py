"""Inbox waits and the matchers tests assert notifications with."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.sinks import (
    Inbox,
    Notification,
    NotificationTimeout,
    UnexpectedNotification,
    anything,
    by_alertname,
    by_kind,
    by_receiver,
    contains,
    firing,
    resolved,
    with_labels,
)
from validation.sinks.inbox import SinkKind

pytestmark = pytest.mark.unit


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def note(
    receiver: str = "oncall",
    *,
    kind: SinkKind = "webhook",
    at: float = 0.0,
    status: str = "firing",
    alerts: tuple[dict[str, str], ...] = ({"alertname": "HostDown", "node": "gpu-node-7"},),
    structured: bool = True,
    subject: str = "",
    text: str = "",
) -> Notification:
    return Notification(
        kind=kind,
        receiver=receiver,
        received_at=at,
        status=status,  # type: ignore[arg-type]
        subject=subject,
        text=text,
        raw=b"",
        alerts=alerts if structured else (),
        structured=structured,
    )


def test_wait_for_returns_a_notification_already_received() -> None:
    inbox = Inbox()
    inbox.record(note("a"))
    inbox.record(note("b"))
    assert inbox.wait_for(by_receiver("b"), timeout=0).receiver == "b"


def test_wait_for_wakes_up_when_a_notification_arrives_from_another_thread() -> None:
    inbox = Inbox()
    started = threading.Event()

    def deliver() -> None:
        started.wait()
        inbox.record(note("late"))

    sender = threading.Thread(target=deliver)
    sender.start()
    started.set()
    try:
        assert inbox.wait_for(by_receiver("late"), timeout=5).receiver == "late"
    finally:
        sender.join()


def test_timeout_lists_expected_and_every_notification_received() -> None:
    inbox = Inbox()
    inbox.record(note("ops", subject="[FIRING:1] HostDown"))
    inbox.record(note("slack-x", kind="slack", structured=False, status="resolved"))
    with pytest.raises(NotificationTimeout) as caught:
        inbox.wait_for(by_receiver("oncall") & firing(), timeout=0.01)
    message = str(caught.value)
    assert "exp: receiver='oncall' & status=firing" in message
    assert "got: 2 notification(s)" in message
    assert "receiver='ops'" in message and "receiver='slack-x'" in message
    assert "[FIRING:1] HostDown" in message
    assert caught.value.got and caught.value.expected.startswith("receiver=")


def test_timeout_on_an_empty_inbox_says_nothing_arrived_and_hints_at_routing() -> None:
    with pytest.raises(
        NotificationTimeout, match=r"got: nothing at all[\s\S]*Hint: nothing reached any sink"
    ):
        Inbox().wait_for(anything(), timeout=0)


def test_since_ignores_notifications_received_before_it() -> None:
    clock = FakeClock()
    inbox = Inbox(clock=clock)
    inbox.record(note("old", at=50.0))
    with pytest.raises(NotificationTimeout):
        inbox.wait_for(by_receiver("old"), timeout=0, since=60.0)
    inbox.record(note("old", at=70.0))
    assert inbox.wait_for(by_receiver("old"), timeout=0, since=60.0).received_at == 70.0


def test_wait_for_count_waits_for_enough_matches_and_reports_how_many_were_seen() -> None:
    inbox = Inbox()
    inbox.record(note("a"))
    with pytest.raises(NotificationTimeout, match=r"at least 2 x .*saw 1"):
        inbox.wait_for_count(by_receiver("a"), 2, timeout=0)
    inbox.record(note("a"))
    assert len(inbox.wait_for_count(by_receiver("a"), 2, timeout=0)) == 2


def test_expect_none_passes_quietly_when_nothing_matches_in_time() -> None:
    inbox = Inbox()
    inbox.record(note("webhook-archive"))
    inbox.expect_none(by_receiver("oncall"), within=0.01)


def test_expect_none_fails_at_once_when_a_matching_notification_arrives() -> None:
    inbox = Inbox()
    sender = threading.Thread(target=lambda: inbox.record(note("oncall", subject="[FIRING:1] Info")))
    sender.start()
    try:
        with pytest.raises(
            UnexpectedNotification, match=r"must not: receiver='oncall'[\s\S]*\[FIRING:1\] Info"
        ):
            inbox.expect_none(by_receiver("oncall"), within=30)
    finally:
        sender.join()


def test_expect_none_ignores_what_arrived_before_since() -> None:
    inbox = Inbox(clock=FakeClock())
    inbox.record(note("oncall", at=10.0))
    inbox.expect_none(by_receiver("oncall"), within=0, since=50.0)


def test_all_count_and_clear() -> None:
    inbox = Inbox()
    for receiver in ("a", "b", "a"):
        inbox.record(note(receiver))
    assert [n.receiver for n in inbox.all()] == ["a", "b", "a"]
    assert inbox.count(by_receiver("a")) == 2 and len(inbox) == 3
    inbox.clear()
    assert inbox.all() == [] and inbox.count() == 0


STRUCTURED = note(
    alerts=({"alertname": "HostDown", "node": "gpu-node-7"}, {"alertname": "GpuHot", "gpu": "3"})
)
RENDERED = note(kind="slack", structured=False, subject="[FIRING:1] HostDown", text="node gpu-node-7 is down")


@pytest.mark.parametrize(
    ("matcher", "notification", "expected"),
    [
        pytest.param(by_alertname("GpuHot"), STRUCTURED, True, id="alertname of any alert matches"),
        pytest.param(by_alertname("Host"), STRUCTURED, False, id="alertname is exact, not a prefix"),
        pytest.param(
            by_alertname("HostDown"), RENDERED, True, id="unstructured: alertname as a word in text"
        ),
        pytest.param(by_alertname("Host"), RENDERED, False, id="unstructured: a word, not a substring"),
        pytest.param(
            with_labels(node="gpu-node-7", alertname="HostDown"), STRUCTURED, True, id="labels one alert"
        ),
        pytest.param(
            with_labels(node="gpu-node-7", alertname="GpuHot"), STRUCTURED, False, id="labels across alerts"
        ),
        pytest.param(
            with_labels(node="gpu-node-7"), RENDERED, True, id="unstructured labels: values in text"
        ),
        pytest.param(
            with_labels(node="gpu-node-1"), RENDERED, False, id="unstructured labels: value missing"
        ),
        pytest.param(contains(["HostDown", "gpu-node-7"]), RENDERED, True, id="contains all texts"),
        pytest.param(contains("gpu-node-8"), RENDERED, False, id="contains a missing text"),
        pytest.param(firing() | resolved(), RENDERED, True, id="or"),
        pytest.param(~by_kind("slack"), RENDERED, False, id="not"),
        pytest.param(by_kind("slack") & by_receiver("oncall"), RENDERED, True, id="and"),
    ],
)
def test_matchers(matcher: object, notification: Notification, expected: bool) -> None:
    assert callable(matcher)
    assert matcher(notification) is expected


def test_combined_matchers_describe_themselves() -> None:
    matcher = (by_receiver("a") & ~firing()) | contains("x")
    assert matcher.description == "(receiver='a' & not (status=firing)) | (contains ['x'])"


def test_a_plain_function_works_as_a_predicate_and_is_named_in_the_timeout() -> None:
    def has_two_alerts(n: Notification) -> bool:
        return len(n.alerts) == 2

    inbox = Inbox()
    inbox.record(STRUCTURED)
    assert inbox.wait_for(has_two_alerts, timeout=0) is STRUCTURED
    inbox.clear()
    with pytest.raises(NotificationTimeout, match="exp: has_two_alerts"):
        inbox.wait_for(has_two_alerts, timeout=0)


label_values = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=20)


@given(labels=st.dictionaries(st.text("abcxyz_019", min_size=1, max_size=10), label_values, max_size=5))
def test_with_labels_matches_any_subset_of_a_structured_alert(labels: dict[str, str]) -> None:
    alert = {"alertname": "X", **labels}
    notification = note(alerts=(alert,))
    assert with_labels(**labels)(notification)
    for key in labels:
        assert not with_labels(**{key: labels[key] + "!"})(notification)
