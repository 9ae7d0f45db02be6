"""What happens when a worker process dies on its own: start another, wait, or stop the node.

One rule for every server's workers (supervisor.py for Hypercorn and uvicorn, serverhooks.py
for Granian's own supervisor):

- A worker that dies before it finished booting, in a slot where no worker ever booted, means
  the node cannot start (a broken state directory, a port, a library): the node stops with
  exit status 1, for its own supervisor (systemd, Docker) to report.
- A worker that dies after it booted (the OOM killer, a crash in native code) is replaced at
  once; another death in the same slot within CRASH_WINDOW of the last waits before its
  replacement starts, twice as long each time (1 s, 2 s, 4 s ... up to MAX_DELAY), so a worker
  that keeps dying costs little while the other workers serve, and the node keeps trying.
- A slot whose replacements die before booting MAX_BOOT_FAILURES times in a row stops the node:
  a worker that once booted cannot boot any more.

Whether a worker booted comes from its READY=1 report (readiness.py); where nobody listens for
reports (a supervisor used outside `edge serve`), a worker that dies within STARTUP_WINDOW of its
start counts as one that did not boot.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import readiness

log = logging.getLogger("edge.server")

STARTUP_WINDOW = 10.0  # without boot reports: a worker that fails this soon after starting did not boot
CRASH_WINDOW = 60.0  # deaths of one slot closer together than this back off
MAX_DELAY = 30.0
MAX_BOOT_FAILURES = 5


@dataclass
class _Slot:
    booted_once: bool = False
    last_death: float | None = None
    quick_deaths: int = 0  # deaths in a row, each within CRASH_WINDOW of the one before
    boot_failures: int = 0  # replacements in a row that died before booting


@dataclass
class Respawn:
    """Deaths so far, per worker slot; `after_death` decides about each new one."""

    slots: dict[int, _Slot] = field(default_factory=dict)

    def after_death(self, slot: int, pid: int | None, started: float, code: int | None) -> float | None:
        """Seconds to wait before starting worker `slot + 1` again, or None: stop the node.
        Logs what it decided. `started`: the dead worker's time.monotonic() at its start;
        `code`: its exit status (negative: the signal that ended it)."""
        now = time.monotonic()
        state = self.slots.setdefault(slot, _Slot())
        how = describe_exit(code)
        booted = readiness.worker_booted(pid) if pid is not None else None
        if pid is not None:
            readiness.forget_worker(pid)  # the pid may come back as another worker's
        if booted is None:
            booted = now - started >= STARTUP_WINDOW
        if not booted and code == -signal.SIGHUP:  # log rotation met a worker before it ignores SIGHUP
            booted = True
        name = f"worker-{slot + 1}" + (f" (pid {pid})" if pid is not None else "")
        if booted:
            state.booted_once = True
            state.boot_failures = 0
        elif not state.booted_once:
            log.error("edge: %s died (%s) before it finished starting; the server stops (%s)", name, how,
                      _why(code))
            return None
        else:
            state.boot_failures += 1
            if state.boot_failures >= MAX_BOOT_FAILURES:
                log.error("edge: %s died (%s) before it finished starting, %d replacements in a row; the "
                          "server stops", name, how, state.boot_failures)
                return None
        recent = state.last_death is not None and now - state.last_death < CRASH_WINDOW
        state.quick_deaths = state.quick_deaths + 1 if recent else 0
        state.last_death = now
        delay = 0.0 if state.quick_deaths == 0 else min(MAX_DELAY, 2.0 ** (state.quick_deaths - 1))
        when = "a new one starts" if not delay else (
            f"a new one starts in {delay:g} s ({state.quick_deaths + 1} deaths, each within {CRASH_WINDOW:g} s "
            "of the one before)")
        log.warning("edge: %s died (%s)%s; %s", name, how, "" if booted else " while starting", when)
        return delay


def _why(code: int | None) -> str:
    """Where the reason a worker could not start is found: its own error, printed above this line
    (a worker that raises says why before it exits), or, for a signal, whoever sent it."""
    if code is not None and code < 0:
        return "a signal ended it: the system log says who sent it (the OOM killer: dmesg)"
    return "why: the worker's own error, logged above"


def describe_exit(code: int | None) -> str:
    """`signal 9` or `status 1`, for the log lines above."""
    return f"signal {-code}" if code is not None and code < 0 else f"status {code}"


def sleep_unless(delay: float, stopping: Callable[[], bool]) -> bool:
    """Sleep `delay` seconds in small steps; False as soon as `stopping()` says the node stops."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        if stopping():
            return False
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
    return not stopping()
