"""A worker outlives its main process only to drain: then it stops; a booting worker just exits.

`edge serve --workers N` is a main process and N worker processes (Granian's, or ours in
supervisor.py), all started by `multiprocessing`. When the main process dies without stopping
them (`kill -9`, the OOM killer), the workers were re-parented and went on serving and holding
the ports, so the next start said "port in use" and the orphans served until someone found
them. Now the main process names itself to the workers it spawns (`MAIN_PID_ENV`), and each
worker, from the start of its app's lifespan, waits on `multiprocessing`'s handle of its parent
(readable once the parent is gone: no polling; the parent pid is then checked to have changed,
so a handle closed by a live parent is not taken for its death). Then:

- a worker still **booting** (loading and compiling its functions) has nothing in flight: it
  exits at once (`exit_now`: the registered cleanups, bounded to CLEANUP_SECONDS; every process
  it started, a JavaScript build, killed; `os._exit`). It used to learn of its parent's death
  only once booted, and then stop through its server's stop signal, which could be lost: under
  Granian on uvloop a SIGTERM arriving while the event loop is not running (between the
  lifespan's start and the server's own loop) is never handled, and the worker waited in
  Granian's `_main()`, or its lifespan shutdown, for good (py-spy: granian/server/mp.py
  `_spawn_asgi_lifespan_worker`; 1 in 6 under load);
- a worker that **serves** stops as on SIGTERM (the drain finishes requests in flight within
  the grace period, edge/server/drain.py). The signal is sent again every RESEND_SECONDS until
  the drain has begun (a lost one, as above), and a worker still alive STOP_MARGIN seconds past
  the grace period exits anyway (`exit_now`): nobody is left to kill it.

A process that was not spawned by an edge main process (a single-process server, an app in
a test, a grandchild that inherited the variable) watches nothing.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from pathlib import Path
from typing import NoReturn

log = logging.getLogger("edge.server")

MAIN_PID_ENV = "EDGE_MAIN_PID"
CLEANUP_SECONDS = 2.0  # what a worker that exits at once may spend on its cleanups
RESEND_SECONDS = 0.5  # a stop signal the worker has not acted on within this is sent again
STOP_MARGIN = 15.0  # seconds past the grace period a stopping orphan may take (as supervisor.KILL_MARGIN)

_lock = threading.Lock()
_watching: list[threading.Thread] = []
_cleanups: list[Callable[[], None]] = []
_phase = {"serving": False, "grace": 10.0}


def name_main_process() -> None:
    """In the main process, before it spawns workers: they learn whose children they are."""
    os.environ[MAIN_PID_ENV] = str(os.getpid())


def watch_parent(grace: float = 10.0) -> None:
    """In a worker, at the start of its app's lifespan (before it boots): exit at once if its main
    process dies while it boots, drain and stop (within `grace` seconds, plus STOP_MARGIN) if it
    dies once `serving()` was called. Idempotent."""
    expected = os.environ.get(MAIN_PID_ENV, "")
    parent = multiprocessing.parent_process()
    with _lock:
        _phase["grace"] = grace
        if _watching or parent is None or not expected.isdigit() or parent.pid != int(expected):
            return
        thread = threading.Thread(target=_watch, args=(parent,), name="edge-parent-watch", daemon=True)
        _watching.append(thread)
    thread.start()


def serving() -> None:
    """The worker booted: from now on its main process's death drains it instead of ending it."""
    with _lock:
        _phase["serving"] = True


def at_exit_now(cleanup: Callable[[], None]) -> None:
    """`cleanup` runs (with the others, at most CLEANUP_SECONDS in all) before `exit_now` exits."""
    with _lock:
        if cleanup not in _cleanups:
            _cleanups.append(cleanup)


def _watch(parent: multiprocessing.process.BaseProcess) -> None:
    wait([parent.sentinel])  # returns when the parent has exited (at once if it already had)
    _until_reparented(parent.pid)
    with _lock:
        booting = not _phase["serving"]
    if booting:
        log.warning("edge: the main process (pid %d) is gone; worker pid %d was still starting: it exits",
                    parent.pid, os.getpid())
        exit_now(0)
    log.warning("edge: the main process (pid %d) is gone; worker pid %d stops", parent.pid, os.getpid())
    _stop(float(_phase["grace"]) + STOP_MARGIN)


def _until_reparented(parent_pid: int) -> None:
    """Until this process's parent is no longer `parent_pid` (a dying process closes its files a
    moment before its children are handed on; a live parent that closed the handle is waited out)."""
    pause = 0.01
    while os.getppid() == parent_pid:
        time.sleep(pause)
        pause = min(1.0, pause * 2)


def _stop(bound: float) -> None:
    """SIGTERM to this process (as a stop signal: drain, then exit), again until the drain has
    begun; past `bound` seconds, exit regardless."""
    from .drain import process_drain

    deadline = time.monotonic() + bound
    sent = False
    while True:
        drain = process_drain()
        if not sent or (drain is not None and not drain.stopping):
            os.kill(os.getpid(), signal.SIGTERM)
            sent = True
        left = deadline - time.monotonic()
        if left <= 0:
            break
        time.sleep(min(RESEND_SECONDS, left))
    log.error("edge: worker pid %d did not stop within %.0f s of its main process going away; it exits now",
              os.getpid(), bound)
    exit_now(1)


def exit_now(status: int) -> NoReturn:
    """End this worker at once: every process it started (a JavaScript build and its Wizer,
    which would run on as orphans), killed; its cleanups and a flush of its output, given at
    most CLEANUP_SECONDS (either may wait on a lock the rest of the process holds); then
    `os._exit(status)`. The store needs no goodbye: SQLite and PostgreSQL both survive a process
    that just ends."""
    kill_descendants()
    with _lock:
        cleanups = list(_cleanups)

    def run() -> None:
        for cleanup in cleanups:
            try:
                cleanup()
            except Exception:  # exiting anyway
                log.debug("a cleanup before exiting failed", exc_info=True)
        for handler in logging.getLogger().handlers + log.handlers:
            with contextlib.suppress(Exception):
                handler.flush()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()

    runner = threading.Thread(target=run, name="edge-exit-cleanup", daemon=True)
    runner.start()
    runner.join(CLEANUP_SECONDS)
    os._exit(status)


def kill_descendants(pid: int | None = None) -> list[int]:
    """SIGKILL every process descended from `pid` (this one by default), each stopped first as it
    is found so it starts no more; returns their pids. Linux (/proc); elsewhere none are found."""
    found: list[int] = []
    queue = [os.getpid() if pid is None else pid]
    while queue:
        for child in _children(queue.pop()):
            if child in found:
                continue
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGSTOP)
            found.append(child)
            queue.append(child)
    for child in found:
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
    return found


def _children(pid: int) -> list[int]:
    """The children of `pid`, whichever of its threads started them."""
    children: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return children
    for task in tasks:
        try:
            children.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return children
