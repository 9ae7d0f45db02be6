"""Stop signals for a main process whose main thread waits in a lock: acted on at once.

The kernel hands a signal sent to a process (or its group) to any of its threads that does not
block it. Python's C-level handler only notes it; the Python handler runs in the main thread,
and only once the main thread runs again. Granian's main thread waits for its workers in a
`threading.Event`: when another thread (a worker's watcher, one of Granian's own) takes the
signal, that wait is not interrupted, and the handler ran only after something else woke the
main thread — found as a worker, killed by the same SIGINT or SIGTERM to the group while it
booted, reported as a crash ("Unexpected exit", status 1) three seconds later. The C-level
handler also writes the signal's number to a wakeup pipe whichever thread takes it; a thread
reading that pipe does the stop's work at once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

STOPS = frozenset({signal.SIGINT, signal.SIGTERM})


def relay_signals(on_stop: Callable[[], None], on_reload: Callable[[], None] | None = None,
                  on_each: Callable[[int], None] | None = None) -> bool:
    """Call `on_stop` (SIGINT, SIGTERM) or `on_reload` (SIGHUP) from a thread of its own as soon
    as the signal arrives, besides the Python handlers, and `on_each` with every stop signal's
    number (each delivery once: the Python handler runs for it too, so count here). Only from
    the main thread; False where it could not be set up (another thread, or no pipes here)."""
    try:
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
    except (AttributeError, OSError):
        return False
    os.set_blocking(write_end, False)
    try:
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    except ValueError:  # not the main thread
        os.close(read_end)
        os.close(write_end)
        return False
    # A process forked from this one must not report its own signals into this pipe.
    os.register_at_fork(after_in_child=_forget_wakeup_fd)

    def relay() -> None:
        while True:
            try:
                data = os.read(read_end, 64)
            except OSError:
                return
            if not data:
                return
            for signum in data:
                if signum in STOPS:
                    on_stop()
                    if on_each is not None:
                        on_each(signum)
                elif signum == signal.SIGHUP and on_reload is not None:
                    on_reload()

    threading.Thread(target=relay, name="edge-signal-relay", daemon=True).start()
    return True


def _forget_wakeup_fd() -> None:
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:  # forked from a thread other than the main one: its signals go nowhere
        pass
