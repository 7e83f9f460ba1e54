"""``wait_until``: a raising probe means "not yet", a verdict ends the wait at once."""

from __future__ import annotations

import pytest

from validation.core.errors import ConfigError, HarnessError
from validation.core.wait import WaitTimeout, wait_until

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "verdict", [ConfigError("prometheus exited: error loading config"), HarnessError("gone")]
)
def test_a_verdict_raised_while_waiting_ends_the_wait(verdict: Exception) -> None:
    """The Stack raises ConfigError for a component that died on its config: exit 1 at once,
    not a timeout (exit 2) a minute later."""

    def check() -> bool:
        raise verdict

    with pytest.raises(type(verdict)) as info:
        wait_until(check, timeout=60, what="readiness")
    assert info.value is verdict


def test_other_exceptions_are_not_yet_and_the_timeout_names_the_last_one() -> None:
    now = [0.0]

    def check() -> bool:
        raise ConnectionError("refused")

    with pytest.raises(WaitTimeout, match="last seen: ConnectionError: refused"):
        wait_until(
            check,
            timeout=1,
            what="x",
            clock=lambda: now[0],
            sleep=lambda s: now.__setitem__(0, now[0] + s),
        )
