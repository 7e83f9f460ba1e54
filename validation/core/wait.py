"""Waiting is a strategy: poll a condition until it holds or a deadline passes — never a bare sleep.

``wait_until(check, timeout=…, what=…, hint=…)`` calls ``check()`` until it returns a value
that is not None/False, sleeping ``interval`` between polls (the only sleeps in the harness,
always bounded by the deadline). On timeout it raises ``WaitTimeout`` saying what was
awaited, the last thing seen, and the hint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from validation.core.errors import HarnessError, StackcheckError

T = TypeVar("T")


class WaitTimeout(HarnessError):
    pass


def wait_until(
    check: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    hint: str = "",
    interval: float = 0.05,
    describe_last: Callable[[], str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    deadline = clock() + timeout
    last_error = ""
    while True:
        try:
            result = check()
        except StackcheckError:  # a verdict (a config error, the harness giving up), not "not yet"
            raise
        except Exception as exc:  # a probe that raises is "not yet"; remember why
            result = None
            last_error = f"{exc.__class__.__name__}: {exc}"
        if result is not None and result is not False:
            return result
        now = clock()
        if now >= deadline:
            seen = describe_last() if describe_last else last_error
            raise WaitTimeout(
                f"timed out after {timeout:g}s waiting for {what}" + (f"; last seen: {seen}" if seen else ""),
                hint=hint,
            )
        sleep(min(interval, max(0.0, deadline - now)))
        interval = min(interval * 1.5, 0.5)
