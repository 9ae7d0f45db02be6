"""A worker outlives its main process only to drain: then it stops.

`edge serve --workers N` is a main process and N worker processes (Granian's, or ours in
supervisor.py). When the main process dies without stopping them (`kill -9`, the OOM killer),
the workers were re-parented and went on serving and holding the ports, so the next start
said "port in use" and the orphans served until someone found them. Now the main process
names itself to the workers it spawns (`MAIN_PID_ENV`), and each worker checks once a second
that it is still its parent's child; when not, it stops as on SIGTERM (the drain finishes
requests in flight within the grace period, edge/server/drain.py).

A process that was not spawned by an edge main process (a single-process server, an app in
a test, a grandchild that inherited the variable) watches nothing.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

log = logging.getLogger("edge.server")

MAIN_PID_ENV = "EDGE_MAIN_PID"
CHECK_SECONDS = 1.0

_watching: list[threading.Thread] = []


def name_main_process() -> None:
    """In the main process, before it spawns workers: they learn whose children they are."""
    os.environ[MAIN_PID_ENV] = str(os.getpid())


def watch_parent() -> None:
    """In a worker: stop (SIGTERM to itself) once its main process is gone. Idempotent."""
    expected = os.environ.get(MAIN_PID_ENV, "")
    if _watching or not expected.isdigit():
        return
    main_pid = int(expected)
    if os.getppid() != main_pid:
        if not _exists(main_pid):  # the main process died while this worker was booting
            _stop(main_pid)
        return  # else a grandchild that inherited the variable: not a worker of it
    thread = threading.Thread(target=_watch, args=(main_pid,), name="edge-parent-watch", daemon=True)
    _watching.append(thread)
    thread.start()


def _watch(main_pid: int) -> None:
    stopped = threading.Event()
    while not stopped.wait(CHECK_SECONDS):
        if os.getppid() != main_pid:
            _stop(main_pid)
            return


def _stop(main_pid: int) -> None:
    log.warning("edge: the main process (pid %d) is gone; worker pid %d stops", main_pid, os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)  # as a stop signal: drain, then exit


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True
