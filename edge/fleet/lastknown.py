"""A fleet node's last known state, kept on its own disk so that it can start while
PostgreSQL cannot be reached (a reboot, a deploy of the server, a crash — during an outage of
the database or of the network to it) and serve what it served before.

Every worker process that applies a new revision from the store writes the snapshot it
applied — functions, versions, aliases, behaviors/origins, and the last invalidation it
applied — to `<state-dir>/cache/last-known.json`, beside the module bytes (`cache/modules/`,
pgblobs.py): temporary file, fsync, rename, so a reader finds the previous state or the new
one, never a mix. The file names the store it belongs to (its URL without the password), and
is used for no other.

At start, PgStore opens *detached* when the database cannot be reached and this file exists:
`serve_saved` loads that state into the control plane; the node reports itself degraded,
refuses changes (503) and attaches to the database as soon as it answers (docs/fleet.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..control.blobs import fsync_dir
from ..control.rows import AliasRow, RoutingRow, Snapshot, StoreError, VersionRow
from ..files import write_atomic

if TYPE_CHECKING:
    from ..control.plane import ControlPlane

log = logging.getLogger("edge.fleet")

FILE_NAME = "last-known.json"
FORMAT = 1  # bumped when the layout changes; another format is read as "nothing saved"


@dataclass(frozen=True)
class Saved:
    """A state saved by an earlier run: what a node serves while it cannot reach the database."""

    snapshot: Snapshot
    invalidated_through: int  # the last invalidation applied with it: later ones are applied on attaching
    saved_at: float  # time.time() when it was written
    path: Path

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.saved_at)

    def to_dict(self) -> dict[str, Any]:
        """As the store's health shows it (/readyz, /v1/status)."""
        return {"revision": self.snapshot.revision, "saved_at": self.saved_at}


class LastKnown:
    """The file one node keeps for one store: `save` after each revision applied, `load` at a start
    without the database."""

    def __init__(self, directory: Path, store: str, identity: str) -> None:
        self.path = directory / FILE_NAME
        self.store = store  # as it may be shown: no password
        self.identity = identity  # which store (dsn.identity): a file of another store is never served
        self._kept: str | None = None  # digest of the state last written or read: unchanged, not rewritten

    def save(self, snap: Snapshot, invalidated_through: int) -> None:
        """Keep `snap` as this node's last known state. Never raises: a node that cannot write its
        disk keeps serving (it only loses the ability to start without the database)."""
        try:
            state = encode(snap, invalidated_through)
            digest = _digest(state)
            if digest == self._kept:
                return
            document = {"format": FORMAT, "store": self.store, "identity": self.identity, "saved_at": time.time(),
                        "state": state}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(document, sort_keys=True).encode())
            fsync_dir(self.path.parent)  # the rename itself survives a power cut
            self._kept = digest
        except Exception as exc:  # noqa: BLE001 (a full or broken disk must not stop serving)
            log.error("cannot save the last known state (revision %d) to %s: %s", snap.revision, self.path, exc)

    def load(self) -> Saved:
        """The saved state of this store. Raises StoreError saying why there is none to serve."""
        try:
            document = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            raise StoreError(f"this node has no saved state to serve ({self.path} does not exist: a node "
                             "writes it once it has applied a revision from the database)") from None
        except (OSError, ValueError) as exc:
            raise StoreError(f"the saved state {self.path} cannot be read: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise StoreError(f"the saved state {self.path} was written by another version of edge")
        if document.get("identity") != self.identity:
            raise StoreError(f"the saved state {self.path} is of another store ({document.get('store')}), "
                             f"not {self.store}")
        try:
            snap, invalidated_through = decode(document["state"])
            saved = Saved(snap, invalidated_through, float(document["saved_at"]), self.path)
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"the saved state {self.path} is damaged: {type(exc).__name__}: {exc}") from None
        self._kept = _digest(document["state"])
        return saved


def encode(snap: Snapshot, invalidated_through: int) -> dict[str, Any]:
    """A snapshot as plain JSON values (rows as objects, version numbers as list entries)."""
    return {
        "revision": snap.revision,
        "invalidated_through": invalidated_through,
        "functions": snap.functions,
        "versions": [dataclasses.asdict(row) for rows in snap.versions.values() for row in rows.values()],
        "aliases": [dataclasses.asdict(row) for rows in snap.aliases.values() for row in rows.values()],
        "routing": dataclasses.asdict(snap.routing) if snap.routing else None,
    }


def decode(state: dict[str, Any]) -> tuple[Snapshot, int]:
    """The snapshot `encode` was given, and the last invalidation applied with it."""
    snap = Snapshot(int(state["revision"]))
    for name, row in state["functions"].items():  # as the store fills it: every function has both maps
        snap.functions[name] = dict(row)
        snap.versions[name] = {}
        snap.aliases[name] = {}
    for row in state["versions"]:
        version = VersionRow(**row)
        snap.versions[version.function][version.version] = version
    for row in state["aliases"]:
        alias = AliasRow(**row)
        snap.aliases[alias.function][alias.name] = alias
    snap.routing = RoutingRow(**state["routing"]) if state["routing"] else None
    return snap, int(state["invalidated_through"])


def _digest(state: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def ago(seconds: float) -> str:
    """`3 s`, `4 min`, `2 h 5 min`, `3 d 4 h`: an age for a log line."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes} min"
    if days == 0:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


def serve_saved(plane: ControlPlane, saved: Saved) -> None:
    """Start `plane` on the state saved by an earlier run, because the store cannot be reached.
    One warning says so; the watcher attaches the store once it answers and syncs over this
    state. A version whose module bytes are not cached here cannot be loaded until then (the
    plane logs it and serves the rest)."""
    store = plane.store
    log.warning(
        "the store %s cannot be reached (%s): serving the last known state, revision %d, saved %s ago (%s). "
        "Changes are refused (503) until the database answers; then this node catches up by itself.",
        store.describe(), store.health.error, saved.snapshot.revision, ago(saved.age), saved.path,
    )
    plane.invalidated_through = saved.invalidated_through
    plane.sync(saved.snapshot)
    plane.collect_pending = True  # leftover collection needs the database's list of versions
