"""``Sinks`` starts a set of sinks together and always stops them all."""

from __future__ import annotations

import socket
import threading

import pytest

from validation.core.errors import HarnessError
from validation.sinks import Inbox, Sink, Sinks, SlackSink, SmtpSink, WebhookSink

pytestmark = pytest.mark.unit


def refuses(address: tuple[str, int]) -> bool:
    try:
        socket.create_connection(address, timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def three(inbox: Inbox) -> list[Sink]:
    return [
        SmtpSink("127.0.0.1", 0, inbox),
        SlackSink("127.0.0.1", 0, inbox),
        WebhookSink("127.0.0.1", 0, inbox),
    ]


def test_all_sinks_serve_inside_the_block_and_none_after_it() -> None:
    threads_before = threading.active_count()
    inbox = Inbox()
    with Sinks(inbox, three(inbox)) as sinks:
        assert all(s.running for s in sinks) and not any(refuses(s.address) for s in sinks)
        addresses = [s.address for s in sinks]
    assert all(refuses(a) for a in addresses)
    assert threading.active_count() <= threads_before


def test_an_exception_in_the_block_still_stops_every_sink() -> None:
    inbox = Inbox()
    endpoints = three(inbox)
    with pytest.raises(RuntimeError, match="test body failed"), Sinks(inbox, endpoints):
        raise RuntimeError("test body failed")
    assert not any(s.running for s in endpoints)
    assert all(refuses(s.address) for s in endpoints)


def test_a_sink_that_cannot_bind_stops_the_ones_already_started_and_says_which_address() -> None:
    inbox = Inbox()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        first, second = SlackSink("127.0.0.1", 0, inbox), WebhookSink("127.0.0.1", port, inbox)
        with pytest.raises(HarnessError, match=rf"127\.0\.0\.1:{port} for the webhook sink.*Hint"):
            Sinks(inbox, [first, second]).start()
    assert not first.running and refuses(first.address)


def test_sinks_recording_into_another_inbox_are_refused() -> None:
    inbox = Inbox()
    with pytest.raises(HarnessError, match="another inbox"):
        Sinks(inbox, [SlackSink("127.0.0.1", 0, Inbox())])


def test_of_kind_recover_all_and_attempts() -> None:
    inbox = Inbox()
    with Sinks(inbox, three(inbox)) as sinks:
        (slack,) = sinks.of_kind(SlackSink)
        slack.close()
        sinks.recover_all()
        assert slack.running and sinks.attempts == 0


def test_stopping_twice_is_harmless() -> None:
    inbox = Inbox()
    sinks = Sinks(inbox, three(inbox))
    sinks.start()
    sinks.stop()
    sinks.stop()
    assert not any(s.running for s in sinks)
