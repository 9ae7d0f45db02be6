"""What the control plane needs from a store, whichever database keeps it.

Two implementations: `edge/control/sqlite_store.py` (one machine, the default) and
`edge/fleet/pgstore.py` (PostgreSQL, shared by a fleet of nodes). `edge/control/store.py`
opens the right one from a path or a URL. Both give the same guarantees: one change = one
transaction; concurrent writers get consecutive revisions and version numbers; nothing
partial is ever visible; a version's module bytes are committed before or with it.
"""

from __future__ import annotations

import abc
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .blobs import BlobStore
from .manifest_memory import ManifestMemory
from .rows import NodeInfo, Snapshot
from .sqltx import SqlTx

if TYPE_CHECKING:
    from ..fleet.lastknown import Saved

# A node whose newest heartbeat is older than this is reported `down`.
DOWN_AFTER = 15.0
HEARTBEAT_INTERVAL = 2.0
# What the stores read of the registry, named rather than `SELECT *`: a column a later release
# adds (edge/control/additions.py) then cannot change these statements' result type, which
# PostgreSQL refuses for a statement psycopg has prepared ("cached plan must not change result type").
NODE_COLUMNS = ("name, host, pid, address, admin_address, applied_revision, started, heartbeat, stopped, release,"
                " main_pid")


@dataclass
class StoreHealth:
    """Whether the store's database answered the last time it was asked (thread-safe enough:
    single assignments, read for /readyz and metrics)."""

    up: bool = True
    since: float = 0.0  # time.time() of the last change of `up`
    error: str | None = None  # why it is down (never contains a password)
    # the saved state served since a start without the database (edge/fleet/lastknown.py)
    last_known: dict[str, Any] | None = None

    def mark_up(self) -> None:
        if not self.up:
            self.up, self.since, self.error, self.last_known = True, time.time(), None, None

    def mark_down(self, error: str) -> None:
        if self.up:
            self.up, self.since = False, time.time()
        self.error = error

    def to_dict(self) -> dict[str, Any]:
        return {"up": self.up, "since": self.since or None, "error": self.error, "last_known": self.last_known}


class ControlStore(abc.ABC):
    """Metadata + module blobs, with a revision that goes up by one per committed change."""

    kind: str  # "sqlite" | "postgresql"
    blobs: BlobStore  # local files: the store's own (SQLite) or a cache of the shared ones
    poll_interval: float = 0.1  # seconds between revision reads when nothing wakes the watcher
    wake: threading.Event | None = None  # set when another node announces a change (if supported)
    # the state saved by an earlier run, served because the database could not be reached at
    # start (a fleet node, edge/fleet/lastknown.py); None: the store answered
    offline_start: Saved | None = None

    def __init__(self) -> None:
        self.health = StoreHealth()

    def remember(self, snap: Snapshot, invalidated_through: int) -> None:
        """Told each revision this process applies: a shared store keeps it on this node's disk
        for a start without the database. A local store is always there: nothing to do."""

    def manifest_memory(self) -> ManifestMemory | None:
        """What this node's manifest last published into a shared store (manifest_memory.py),
        read now; None for a node's own store, where the store's record is the node's."""
        return None

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the store is, safe to log and show (a URL's password is masked)."""

    @abc.abstractmethod
    def revision(self) -> int: ...

    @abc.abstractmethod
    def write(self, blobs: dict[str, bytes] | None = None) -> contextlib.AbstractContextManager[SqlTx]:
        """One write transaction. `blobs` (sha256 -> bytes) are stored before the transaction's
        rows can refer to them, durably. The revision goes up when it commits; nothing happens
        if the block raises (and a `NothingToWrite` it raises ends it quietly)."""

    @abc.abstractmethod
    def read(self) -> contextlib.AbstractContextManager[SqlTx]:
        """A consistent read-only view."""

    def function_names(self) -> set[str]:
        with self.read() as tx:
            return tx.function_names()

    def referenced_blobs(self) -> set[str]:
        with self.read() as tx:
            return tx.referenced_blobs()

    @abc.abstractmethod
    def snapshot(self) -> Snapshot: ...

    @abc.abstractmethod
    def heartbeat(self, node: NodeInfo, applied_revision: int, *, stopped: bool = False) -> bool:
        """Record that this worker is alive and which revision it serves (False: skipped, busy)."""

    @abc.abstractmethod
    def nodes(self) -> list[dict[str, Any]]:
        """One entry per worker process that has sent a heartbeat, with `age` in seconds."""

    def forget_node(self, name: str, live_within: float) -> tuple[list[dict[str, Any]], int]:
        """Remove node `name`'s rows unless one is live (not stopped, a heartbeat within
        `live_within` seconds), in one transaction: (its rows as read, with `age`; how many were
        removed — 0 when there were none or one is live)."""
        raise NotImplementedError

    def collect_blobs(self, referenced: set[str]) -> int:
        """Remove shared blobs no version refers to (beyond the local directory); the count."""
        return 0

    def abandon_waits(self) -> int:
        """Stopping: end every wait for the database in flight now (they raise StoreUnavailable),
        so that a stop is not held up by a database that does not answer. How many were ended."""
        return 0

    @abc.abstractmethod
    def close(self) -> None: ...


@contextlib.contextmanager
def nothing() -> Iterator[None]:
    yield
