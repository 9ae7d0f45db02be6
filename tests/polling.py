"""Waiting for something another thread does (the native preparer, a worker), bounded in time."""

from __future__ import annotations

import time
from collections.abc import Callable

FIRST_PAUSE = 0.001  # a state reached at once is seen at once
LONGEST_PAUSE = 0.02  # many predicates ask a server (an HTTP request each): a long wait (an optimized
# compile, 3-30 s) polled every millisecond kept a core busy with them, beside the work waited for


def eventually(predicate: Callable[[], object], timeout: float = 5.0) -> bool:
    """Poll until `predicate()` is true; False if it is not within `timeout` seconds. The pause
    between tries grows from 1 ms to 20 ms (what is waited for is seen at most ~20 ms late)."""
    deadline = time.monotonic() + timeout
    pause = FIRST_PAUSE
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 1.5, LONGEST_PAUSE)
    return True
