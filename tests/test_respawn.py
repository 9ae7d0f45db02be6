"""The rule for workers that die on their own (edge/server/respawn.py), with real worker reports:
a process that booted tells a ReadyWatch so (READY=1 and its pid), as a worker's app does."""

from __future__ import annotations

import subprocess
import sys
import time

from edge.server import readiness
from edge.server.respawn import MAX_BOOT_FAILURES, MAX_DELAY, Respawn


def test_a_worker_that_keeps_dying_after_booting_waits_longer_each_time_and_is_never_given_up() -> None:
    respawn = Respawn()  # no ReadyWatch here: a worker older than the start window booted
    long_ago = time.monotonic() - 100
    delays = [respawn.after_death(0, None, long_ago, -9) for _ in range(9)]
    assert delays == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, MAX_DELAY, MAX_DELAY, MAX_DELAY]
    assert respawn.after_death(1, None, long_ago, -9) == 0.0  # another slot has its own count


def test_a_slot_that_never_booted_stops_the_node_and_replacements_that_cannot_boot_stop_it_at_last() -> None:
    respawn = Respawn()
    assert respawn.after_death(0, None, time.monotonic(), 1) is None  # never booted: cannot start
    assert respawn.after_death(1, None, time.monotonic() - 100, -9) == 0.0  # booted, then killed
    results = [respawn.after_death(1, None, time.monotonic(), -9) for _ in range(MAX_BOOT_FAILURES)]
    assert results[:-1] == [1.0, 2.0, 4.0, 8.0] and results[-1] is None
    assert respawn.after_death(2, None, time.monotonic(), -1) is not None  # SIGHUP while booting: log rotation


def booted_worker() -> int:
    """The pid of a process that reported READY=1 to the ReadyWatch listening here, as a worker does."""
    reporter = subprocess.run(
        [sys.executable, "-c", "import os; from edge.server import readiness; readiness.notify_ready(); print(os.getpid())"],
        capture_output=True, text=True, check=True, timeout=30)
    return int(reporter.stdout)


def test_a_workers_ready_report_names_its_pid(tmp_path) -> None:
    watch = readiness.ReadyWatch(lambda: None).start()
    try:
        pid = booted_worker()
        assert readiness.worker_booted(pid, wait=5) is True
        assert readiness.worker_booted(pid + 1_000_000, wait=0.05) is False  # never reported
        respawn = Respawn()  # a report counts, however young the worker
        assert respawn.after_death(0, pid, time.monotonic(), -9) == 0.0
        assert respawn.after_death(1, pid + 1_000_000, time.monotonic() - 100, -9) is None  # however old
    finally:
        watch.close()
    assert readiness.worker_booted(pid) is None  # nobody listens any more


def test_a_dead_workers_report_is_forgotten_so_a_reused_pid_starts_unbooted() -> None:
    watch = readiness.ReadyWatch(lambda: None).start()
    try:
        pid = booted_worker()
        assert readiness.worker_booted(pid, wait=5) is True
        Respawn().after_death(0, pid, time.monotonic(), -9)  # read once, at its death
        assert readiness.worker_booted(pid, wait=0.05) is False
    finally:
        watch.close()
