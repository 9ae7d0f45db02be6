"""A worker outlives its main process only to drain: then it stops.

`edge serve --workers N` is a main process and N worker processes (Granian's, or ours in
supervisor.py), all started by `multiprocessing`. When the main process dies without stopping
them (`kill -9`, the OOM killer), the workers were re-parented and went on serving and holding
the ports, so the next start said "port in use" and the orphans served until someone found
them. Now the main process names itself to the workers it spawns (`MAIN_PID_ENV`), and each
worker waits on `multiprocessing`'s handle of its parent (readable once the parent is gone:
no polling, and no mistaking a zombie or a reused pid for a live parent); then it stops as on
SIGTERM (the drain finishes requests in flight within the grace period, edge/server/drain.py).

A process that was not spawned by an edge main process (a single-process server, an app in
a test, a grandchild that inherited the variable) watches nothing.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import wait

log = logging.getLogger("edge.server")

MAIN_PID_ENV = "EDGE_MAIN_PID"

_watching: list[threading.Thread] = []


def name_main_process() -> None:
    """In the main process, before it spawns workers: they learn whose children they are."""
    os.environ[MAIN_PID_ENV] = str(os.getpid())


def watch_parent() -> None:
    """In a worker: stop (SIGTERM to itself) once its main process is gone. Idempotent."""
    expected = os.environ.get(MAIN_PID_ENV, "")
    parent = multiprocessing.parent_process()
    if _watching or parent is None or not expected.isdigit() or parent.pid != int(expected):
        return
    thread = threading.Thread(target=_watch, args=(parent,), name="edge-parent-watch", daemon=True)
    _watching.append(thread)
    thread.start()


def _watch(parent: multiprocessing.process.BaseProcess) -> None:
    wait([parent.sentinel])  # returns when the parent has exited (at once if it already had)
    log.warning("edge: the main process (pid %d) is gone; worker pid %d stops", parent.pid, os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)  # as a stop signal: drain, then exit
