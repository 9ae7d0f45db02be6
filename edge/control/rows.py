"""What the store holds, as plain rows: the same shapes whichever database keeps them."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..release import release
from .errors import ControlError

MAIN_PID_ENV = "EDGE_MAIN_PID"  # set by `edge serve`'s main process for its workers (server/parent_watch.py)


def main_pid() -> int:
    """The node process this worker belongs to: its main process, or itself if it is the only one.
    Workers Granian respawns share it; a node started again (after `kill -9`) has a new one."""
    value = os.environ.get(MAIN_PID_ENV, "")
    return int(value) if value.isdigit() else os.getpid()


class NothingToWrite(Exception):
    """Raised inside a store's write block that found its work already done (another node did
    it first): the transaction rolls back, no new revision, and the block ends quietly (other
    nodes are not woken to sync for nothing)."""


LOW_SPACE = 1 << 20  # bytes free under which a failing write is put down to the disk being full


def out_of_space(exc: BaseException, directory: str | os.PathLike[str] | None = None) -> bool:
    """Whether `exc` is a write that failed for want of disk space (or quota): an operating
    condition for the operator, said in one line, not a bug with a traceback. SQLite says
    SQLITE_FULL for a database it could not grow, but only `disk I/O error` (SQLITE_IOERR) where
    it could not extend its journal or WAL: that counts when the file system of `directory` is
    (nearly) full, of bytes or of inodes."""
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None  # Python gives SQLite's extended code
    if primary == sqlite3.SQLITE_FULL:
        return True
    if primary != sqlite3.SQLITE_IOERR or directory is None:
        return False
    try:
        fs = os.statvfs(directory)
    except OSError:
        return False
    return fs.f_bavail * fs.f_frsize < LOW_SPACE or (fs.f_files > 0 and fs.f_favail == 0)


def one_line(message: object) -> str:
    """A message as one log line: a database's error spans lines (PostgreSQL's DETAIL, HINT,
    and `LINE 1: ...` with a caret under a position on the next; libpq's hints), which a log
    collector reads as separate entries. Each line is kept, stripped, joined by ' | '; a line
    that only points at a position (`^`) is dropped, as it means nothing on one line."""
    text = " | ".join(line.strip() for line in str(message).splitlines() if line.strip(" \t^"))
    return text or (type(message).__name__ if isinstance(message, BaseException) else text)


class StoreError(RuntimeError):
    """The store cannot be opened or used (a message naming the store and the reason)."""


class StoreUnavailable(StoreError):
    """The store's database cannot be reached now (the node keeps serving what it has)."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message  # why, without the store's name


class StoreBusy(StoreUnavailable):
    """The database answers, but no pooled connection came in time (every one in use): this
    call failed and may be retried; the store is not down."""


class StoreOutcomeUnknown(ControlError, StoreUnavailable):
    """The database stopped answering while a write's COMMIT was on its way: the change may or
    may not be applied (it will be if the database received the COMMIT and resumes). Unlike every
    other StoreUnavailable, the admin API cannot say "nothing was changed": it answers with this
    error's own 503 store_unavailable, whose message tells the operator to look before retrying."""

    def __init__(self, message: str, reason: str) -> None:
        ControlError.__init__(self, 503, "store_unavailable", message, {"Retry-After": "5"})
        self.reason = reason


class StoreRefused(StoreError):
    """The database refused a value of the request itself (a NUL in a text, a number out of a
    column's range): nothing was changed, and sending it again cannot succeed (the admin API's 400)."""


@dataclass(frozen=True, slots=True)
class VersionRow:
    function: str
    version: int
    sha256: str
    size: int
    abi: str
    settings: str
    description: str
    origin: str
    created: float

    @property
    def settings_dict(self) -> dict[str, Any]:
        return json.loads(self.settings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "function": self.function, "version": self.version, "sha256": self.sha256, "size": self.size,
            "abi": self.abi, "settings": _sendable(self.settings_dict), "description": self.description,
            "origin": self.origin, "created": self.created,
        }


def _sendable(value: Any) -> Any:
    """`value` with every integer outside 64 bits as a string: an earlier release stored such
    settings (refused now), and the API's JSON encoder cannot send them as numbers."""
    if isinstance(value, dict):
        return {key: _sendable(item) for key, item in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return str(value)
    return value


@dataclass(frozen=True, slots=True)
class AliasRow:
    function: str
    name: str
    version: int
    canary_version: int | None
    canary_weight: float | None
    updated: float

    @property
    def versions(self) -> tuple[int, ...]:
        return (self.version,) if self.canary_version is None else (self.version, self.canary_version)

    def to_dict(self) -> dict[str, Any]:
        canary = None
        if self.canary_version is not None:
            canary = {"version": self.canary_version, "weight": self.canary_weight}
        return {"function": self.function, "name": self.name, "version": self.version, "canary": canary,
                "updated": self.updated}


@dataclass(frozen=True, slots=True)
class RoutingRow:
    document: dict[str, Any]
    origin: str
    manifest_digest: str | None
    updated: float


@dataclass
class Snapshot:
    """Everything the store holds at one revision (read in one transaction)."""

    revision: int
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, dict[int, VersionRow]] = field(default_factory=dict)
    aliases: dict[str, dict[str, AliasRow]] = field(default_factory=dict)
    routing: RoutingRow | None = None

    def latest(self, name: str) -> int | None:
        versions = self.versions.get(name)
        return max(versions) if versions else None


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """Who this worker process is, as the node registry shows it."""

    name: str
    host: str
    pid: int
    address: str
    admin_address: str | None = None
    release: str = field(default_factory=release)  # `edge --version` of this process
    main_pid: int = field(default_factory=main_pid)  # its node process (registry: which workers are siblings)


def version_row(row: Mapping[str, Any]) -> VersionRow:
    return VersionRow(row["function"], row["version"], row["sha256"], row["size"], row["abi"], row["settings"],
                      row["description"], row["origin"], row["created"])


def alias_row(row: Mapping[str, Any]) -> AliasRow:
    return AliasRow(row["function"], row["name"], row["version"], row["canary_version"], row["canary_weight"],
                    row["updated"])
