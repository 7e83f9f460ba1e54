"""``Sinks``: start a set of sinks together and guarantee they all stop.

``with Sinks(inbox, [SmtpSink(...), SlackSink(...), WebhookSink(...)]) as sinks:`` starts each
sink in order; if one cannot start (its address is taken), the ones already started are stopped
before the error propagates. Leaving the block — normally or by an exception — stops every sink
and joins its threads; a sink that fails to stop does not keep the others running.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import TypeVar

from validation.core.errors import HarnessError
from validation.sinks.base import Sink
from validation.sinks.inbox import Inbox

S = TypeVar("S", bound=Sink)


class Sinks:
    def __init__(self, inbox: Inbox, sinks: Iterable[Sink]) -> None:
        self.inbox = inbox
        self.sinks = list(sinks)
        strangers = [s for s in self.sinks if s.inbox is not inbox]
        if strangers:
            raise HarnessError(
                f"{len(strangers)} sink(s) record into another inbox: {strangers!r}",
                place="sinks",
                hint="build every sink with the inbox given to Sinks",
            )

    def start(self) -> None:
        started: list[Sink] = []
        for sink in self.sinks:
            try:
                sink.start()
            except OSError as err:
                self._stop_all(started)
                raise HarnessError(
                    f"cannot listen on {sink.host}:{sink.port} for the {sink.kind} sink: {err}",
                    place="sinks",
                    hint="another process (or a previous run) holds that address; pick another "
                    "loopback block",
                ) from err
            except BaseException:
                self._stop_all(started)
                raise
            started.append(sink)

    def stop(self) -> None:
        self._stop_all(self.sinks)

    @staticmethod
    def _stop_all(sinks: list[Sink]) -> None:
        errors: list[BaseException] = []
        for sink in reversed(sinks):
            try:
                sink.stop()
            except Exception as err:  # keep stopping the others; report the first failure
                errors.append(err)
        if errors:
            raise errors[0]

    def recover_all(self) -> None:
        for sink in self.sinks:
            sink.recover()

    def of_kind(self, kind: type[S]) -> list[S]:
        return [s for s in self.sinks if isinstance(s, kind)]

    @property
    def attempts(self) -> int:
        return sum(s.attempts for s in self.sinks)

    def __iter__(self) -> Iterator[Sink]:
        return iter(self.sinks)

    def __enter__(self) -> Sinks:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
