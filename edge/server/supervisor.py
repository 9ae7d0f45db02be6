"""Worker processes for `--workers N` under Hypercorn and uvicorn (Granian has its own).

The parent binds the listening sockets, starts N workers (spawned: a fresh interpreter each)
that serve them, and on SIGTERM or SIGINT — sent to it alone (`docker stop`) or to the whole
process group (systemd, Ctrl-C) — passes SIGTERM on to every worker, which then drains
(edge/server/drain.py) and exits. The workers keep their listeners open while they drain,
so new connections are answered (503, `Connection: close`) instead of queueing in a socket
nobody reads; the parent gives up its own copies of the sockets at the signal. A worker
that dies on its own is replaced, or the node stops when it cannot start (respawn.py says
which, and when). Workers still alive well past the grace period are killed. SIGHUP is passed on
(each worker reopens its access log).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

from . import parent_watch
from .respawn import Respawn

log = logging.getLogger("edge.server")

KILL_MARGIN = 15.0  # seconds past the grace period before remaining workers are killed
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def supervise(target: Callable[..., None], args: tuple[Any, ...], workers: int, grace: float,
              close_sockets: Callable[[], None]) -> int:
    """Run `target(*args)` in `workers` spawned processes until stopped; the exit status."""
    context = multiprocessing.get_context("spawn")
    parent_watch.name_main_process()  # a worker stops if this process dies without stopping it
    processes: dict[int, tuple[Any, float]] = {}  # slot -> (process, started)
    pending: dict[int, float] = {}  # slot -> when its replacement starts (a worker that keeps dying)
    respawn = Respawn()
    state = {"stopping": False, "interrupts": 0, "status": 0}

    def start(slot: int) -> None:
        process = context.Process(target=target, args=args, name=f"edge-worker-{slot + 1}")
        process.start()
        processes[slot] = (process, time.monotonic())

    def stop(sig: int = signal.SIGTERM) -> None:
        if not state["stopping"]:
            state["stopping"] = True
            pending.clear()
            close_sockets()
        for process, _ in processes.values():
            if process.is_alive() and process.pid is not None:
                try:
                    signal_process(process.pid, sig)
                except ProcessLookupError:
                    pass

    def on_signal(signum: int, frame: Any) -> None:
        if signum == signal.SIGINT:
            state["interrupts"] += 1
        # a second Ctrl-C forces the workers out; anything else asks them to drain
        stop(signal.SIGINT if state["interrupts"] > 1 else signal.SIGTERM)

    # Handlers first: spawned workers start with the default dispositions (a worker stopped
    # while it boots simply ends), and a signal during the start is not lost.
    def on_hangup(signum: int, frame: Any) -> None:  # log rotation: every worker reopens its access log
        for process, _ in processes.values():
            if process.is_alive() and process.pid is not None:
                try:
                    signal_process(process.pid, signal.SIGHUP)
                except ProcessLookupError:
                    pass

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, on_hangup)
    for slot in range(workers):
        if not state["stopping"]:
            start(slot)
    deadline: float | None = None
    try:
        while processes or pending:
            if state["stopping"] and deadline is None:
                deadline = time.monotonic() + grace + KILL_MARGIN
            timeout = 0.5 if deadline is None else max(0.05, min(0.5, deadline - time.monotonic()))
            if pending:
                timeout = max(0.0, min([timeout, *(due - time.monotonic() for due in pending.values())]))
            wait([p.sentinel for p, _ in processes.values()], timeout)
            for slot, due in list(pending.items()):
                if time.monotonic() >= due and not state["stopping"]:
                    del pending[slot]
                    start(slot)
            for slot, (process, started) in list(processes.items()):
                if process.is_alive():
                    continue
                process.join()
                del processes[slot]
                code = process.exitcode
                if process.pid is not None:  # gone: its live gauges stop counting (killed, it could not say so)
                    from ..ops import metrics  # (here: the supervisor serves no metrics itself)

                    metrics.worker_died(process.pid)
                if state["stopping"]:
                    continue
                if code in (-signal.SIGTERM, -signal.SIGINT, 0):  # stopped from outside, or on purpose
                    stop()
                    continue
                delay = respawn.after_death(slot, process.pid, started, code)
                if delay is None:
                    state["status"] = 1
                    stop()
                elif delay:
                    pending[slot] = time.monotonic() + delay
                else:
                    start(slot)
            if deadline is not None and time.monotonic() > deadline:
                for process, _ in processes.values():
                    log.error("worker pid %s did not stop within the grace period; killing it", process.pid)
                    process.kill()
                deadline = time.monotonic() + 5.0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return state["status"]


def signal_process(pid: int, sig: int) -> None:
    os.kill(pid, sig)
