"""A thread per worker process that keeps it in step with the store.

Each tick it applies changes made elsewhere (`ControlPlane.maintain`), unloads retired
versions, reports the worker in the node registry and retries leftover collection. A store
that can notify (PostgreSQL's LISTEN/NOTIFY) wakes it at once; otherwise, and as the
safety net for notifications lost while a connection was down, it reads the revision
every `interval` seconds. A store that cannot be reached is reported (the store's health,
/readyz, metrics) and retried every tick; the worker keeps serving what it has.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .rows import NodeInfo, StoreBusy, StoreError, StoreUnavailable, one_line, out_of_space
from .storeapi import HEARTBEAT_INTERVAL

if TYPE_CHECKING:
    from .plane import ControlPlane

log = logging.getLogger("edge.control")

MIN_WAKE_GAP = 0.01  # seconds between ticks at least, however often the watcher is woken
STOP_GRACE = 0.5  # seconds a stop lets a tick's database call finish before ending its wait


class Watcher:
    def __init__(
        self,
        plane: "ControlPlane",
        interval: float = 0.1,
        node: NodeInfo | None = None,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        when_reachable: Callable[[], None] | None = None,
    ) -> None:
        self.plane = plane
        self.interval = interval
        self.node = node
        self.heartbeat_interval = heartbeat_interval
        # work that needs the store, done once after it first answers: a node started from its
        # last known state publishes its manifest then (raising StoreUnavailable: next tick)
        self.when_reachable = when_reachable
        self._stop = threading.Event()
        self._beat_at = 0.0  # time.monotonic() of the last heartbeat
        self._ticked = 0.0  # time.monotonic() of the last tick
        self._beat_reported: tuple[int, str | None] = (-1, None)  # the applied revision last reported, its note
        self._outage_logged = not plane.store.health.up  # a start without the store said so already
        self._failing: str | None = None  # the error the last tick ended with, logged once
        self._thread = threading.Thread(target=self._run, name="edge-store-watcher", daemon=True)

    def start(self) -> "Watcher":
        self._thread.start()
        return self

    def _run(self) -> None:
        # the first tick at once: its heartbeat tells this node's other workers, which wait for
        # a change to be applied by every live one (convergence.py), that this one serves now
        self.tick()
        while not self._stop.is_set():
            wake = self.plane.store.wake
            if wake is None:
                self._stop.wait(self.interval)
            else:
                wake.wait(self.interval)
                wake.clear()
                # a flood of wake-ups (nudges anyone on this host may send) ticks at most every
                # MIN_WAKE_GAP, not once per datagram
                self._stop.wait(max(0.0, self._ticked + MIN_WAKE_GAP - time.monotonic()))
            if self._stop.is_set():
                return
            self.tick()

    def tick(self) -> None:
        self._ticked = time.monotonic()
        store = self.plane.store
        try:
            self.plane.maintain()
            if self.when_reachable is not None:
                self.when_reachable()
                self.when_reachable = None
            self._heartbeat()
            if self._outage_logged:
                log.warning("the store %s answers again: revision %d applied", store.describe(), self.plane.revision)
                self._outage_logged = False
            if self._failing is not None:
                log.warning("store watcher: works again (after %s)", self._failing)
                self._failing = None
        except StoreBusy as exc:  # the database answers; this tick waited too long: the next one tries again
            log.debug("store watcher: %s", exc)
        except StoreUnavailable as exc:
            if not self._outage_logged:  # once per outage, not once per tick
                log.error("the store is unavailable, serving the last known state (revision %d): %s",
                          self.plane.revision, one_line(exc))
                self._outage_logged = True
        except Exception as exc:  # a bad tick must not end propagation for good
            # one line: a database's error spans several (PostgreSQL's LINE 1:, DETAIL, HINT)
            failure = one_line(f"{type(exc).__name__}: {exc}")
            if failure != self._failing:  # once while it lasts (a full disk fails every tick, 10 a second)
                if out_of_space(exc, getattr(store, "directory", None)):  # the operator's to fix, not a bug
                    log.error("store watcher: the disk is full (%s): free space where the store is (--state-dir); "
                              "serving goes on, the store is retried every tick", one_line(exc))
                elif isinstance(exc, StoreError):  # the database refused: its words say why, not our frames
                    log.error("store watcher: %s (retried every tick; logged again only if it changes)", failure)
                    log.debug("store watcher: where the store error was raised", exc_info=True)
                else:
                    log.exception("store watcher (retried every tick; logged again only if it changes)")
                self._failing = failure

    def _heartbeat(self, *, stopped: bool = False) -> None:
        if self.node is None:
            return
        now = time.monotonic()
        # the last revision applied in full, and why a later one is not (plane.not_applied)
        reported = (self.plane.applied_revision, self.plane.not_applied)
        if stopped or reported != self._beat_reported or now - self._beat_at >= self.heartbeat_interval:
            store = self.plane.store
            if getattr(store, "keeps_notes", False):  # PostgreSQL: `edge nodes` on any node shows why
                beat = store.heartbeat(self.node, reported[0], stopped=stopped, note=reported[1])  # type: ignore[call-arg]
            else:
                beat = store.heartbeat(self.node, reported[0], stopped=stopped)
            if beat:
                self._beat_at, self._beat_reported = now, reported

    def stop(self) -> None:
        self._stop.set()
        wake = self.plane.store.wake
        if wake is not None:
            wake.set()
        self._thread.join(STOP_GRACE)
        if self._thread.is_alive() and self.plane.store.abandon_waits():
            # waiting on a database that does not answer (within its bound, but a stop waits no
            # longer): that wait ends now, and no goodbye heartbeat is tried (the registry shows the
            # node down after its last one)
            self._thread.join(5)
            return
        self._thread.join(5)  # a tick that is not waiting on the database (compiling a new version)
        if self.node is not None and self.plane.store.health.up:
            try:
                self._heartbeat(stopped=True)
            except Exception as exc:  # best effort: the registry shows it down soon anyway
                log.debug("last heartbeat failed: %s", exc)
