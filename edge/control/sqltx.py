"""One store transaction's reads and writes, in SQL that SQLite and PostgreSQL both accept.

The control plane only talks to a transaction through these methods, so it never knows
which database it runs on. A backend supplies `_execute` (its placeholder style and row
shape: rows must read like mappings) and `_insert_id`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from .rows import AliasRow, RoutingRow, VersionRow, alias_row, version_row

Row = Mapping[str, Any]

# Every read names its columns, never `SELECT *`: a column a later release adds
# (edge/control/additions.py) then changes no statement's result type here, which PostgreSQL
# refuses for a statement psycopg has prepared ("cached plan must not change result type").
FUNCTION_COLUMNS = "name, next_version, manifest_digest, created"
VERSION_COLUMNS = "function, version, sha256, size, abi, settings, description, origin, created"
ALIAS_COLUMNS = "function, name, version, canary_version, canary_weight, updated"
ROUTING_COLUMNS = "document, origin, manifest_digest, updated"


class SqlTx:
    """One transaction (read or write). Constraint errors propagate as the driver raises them."""

    def __init__(self, db: Any) -> None:
        self.db = db  # the driver's connection (SQLite's is used directly by a few tests)

    # -- what a backend supplies --------------------------------------------------------

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """Run one statement with `?` placeholders; returns a cursor (fetchone/fetchall)."""
        return self.db.execute(sql, params)

    def _insert_id(self, sql: str, params: tuple[Any, ...]) -> int:
        """Run an INSERT into a table with an integer `id` key; the new row's id."""
        return int(self._execute(sql, params).lastrowid)

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        return list(self._execute(sql, params).fetchall())

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Row | None:
        return self._execute(sql, params).fetchone()  # type: ignore[no-any-return]

    # -- functions and versions ---------------------------------------------------------

    def function(self, name: str) -> dict[str, Any] | None:
        row = self._one(f"SELECT {FUNCTION_COLUMNS} FROM functions WHERE name = ?", (name,))
        return dict(row) if row else None

    def function_names(self) -> set[str]:
        return {row["name"] for row in self._all("SELECT name FROM functions")}

    def ensure_function(self, name: str) -> dict[str, Any]:
        self._execute(
            "INSERT INTO functions (name, next_version, created) VALUES (?, 1, ?) ON CONFLICT (name) DO NOTHING",
            (name, time.time()),
        )
        return self.function(name)  # type: ignore[return-value]

    def versions(self, name: str) -> list[VersionRow]:
        return [version_row(r) for r in self._all(f"SELECT {VERSION_COLUMNS} FROM versions WHERE function = ? ORDER BY version", (name,))]

    def version(self, name: str, number: int) -> VersionRow | None:
        row = self._one(f"SELECT {VERSION_COLUMNS} FROM versions WHERE function = ? AND version = ?", (name, number))
        return version_row(row) if row else None

    def latest(self, name: str) -> VersionRow | None:
        row = self._one(f"SELECT {VERSION_COLUMNS} FROM versions WHERE function = ? ORDER BY version DESC LIMIT 1", (name,))
        return version_row(row) if row else None

    def version_numbers(self) -> dict[str, set[int]]:
        out: dict[str, set[int]] = {}
        for row in self._all("SELECT function, version FROM versions"):
            out.setdefault(row["function"], set()).add(row["version"])
        return out

    def referenced_blobs(self) -> set[str]:
        """Every module digest a stored version refers to (what leftover collection keeps)."""
        return {row["sha256"] for row in self._all("SELECT DISTINCT sha256 FROM versions")}

    def blob_referenced(self, sha256: str) -> bool:
        """Whether a stored version refers to these module bytes."""
        return self._one("SELECT 1 AS used FROM versions WHERE sha256 = ? LIMIT 1", (sha256,)) is not None

    def insert_version(
        self, name: str, sha256: str, size: int, abi: str, settings: str, description: str, origin: str
    ) -> VersionRow:
        number = self.ensure_function(name)["next_version"]
        now = time.time()
        self._execute(
            "INSERT INTO versions (function, version, sha256, size, abi, settings, description, origin, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, number, sha256, size, abi, settings, description, origin, now),
        )
        self._execute("UPDATE functions SET next_version = ? WHERE name = ?", (number + 1, name))
        return VersionRow(name, number, sha256, size, abi, settings, description, origin, now)

    def set_manifest_digest(self, name: str, digest: str) -> None:
        self._execute("UPDATE functions SET manifest_digest = ? WHERE name = ?", (digest, name))

    def delete_version(self, name: str, number: int) -> None:
        self._execute("DELETE FROM alias_history WHERE function = ? AND (version = ? OR canary_version = ?)",
                      (name, number, number))
        self._execute("DELETE FROM versions WHERE function = ? AND version = ?", (name, number))

    def delete_function(self, name: str) -> None:
        for table in ("alias_history", "aliases", "versions"):
            self._execute(f"DELETE FROM {table} WHERE function = ?", (name,))
        self._execute("DELETE FROM functions WHERE name = ?", (name,))

    # -- aliases ------------------------------------------------------------------------

    def alias(self, name: str, alias: str) -> AliasRow | None:
        row = self._one(f"SELECT {ALIAS_COLUMNS} FROM aliases WHERE function = ? AND name = ?", (name, alias))
        return alias_row(row) if row else None

    def aliases(self, name: str) -> list[AliasRow]:
        return [alias_row(r) for r in self._all(f"SELECT {ALIAS_COLUMNS} FROM aliases WHERE function = ? ORDER BY name", (name,))]

    def alias_names(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for row in self._all("SELECT function, name FROM aliases"):
            out.setdefault(row["function"], set()).add(row["name"])
        return out

    def set_alias(
        self, name: str, alias: str, version: int, canary: tuple[int, float] | None, *, history: bool = True
    ) -> AliasRow:
        now = time.time()
        cv, cw = canary if canary else (None, None)
        self._execute(
            "INSERT INTO aliases (function, name, version, canary_version, canary_weight, updated)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (function, name) DO UPDATE SET"
            " version = excluded.version, canary_version = excluded.canary_version,"
            " canary_weight = excluded.canary_weight, updated = excluded.updated",
            (name, alias, version, cv, cw, now),
        )
        if history:
            self._execute(
                "INSERT INTO alias_history (function, name, version, canary_version, canary_weight, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (name, alias, version, cv, cw, now),
            )
        return AliasRow(name, alias, version, cv, cw, now)

    def history(self, name: str, alias: str) -> list[tuple[int, int, int | None, float | None]]:
        """(id, version, canary_version, canary_weight), newest first."""
        rows = self._all(
            "SELECT id, version, canary_version, canary_weight FROM alias_history"
            " WHERE function = ? AND name = ? ORDER BY id DESC",
            (name, alias),
        )
        return [(r["id"], r["version"], r["canary_version"], r["canary_weight"]) for r in rows]

    def drop_history(self, ids: list[int]) -> None:
        for entry in ids:
            self._execute("DELETE FROM alias_history WHERE id = ?", (entry,))

    def delete_alias(self, name: str, alias: str) -> None:
        self._execute("DELETE FROM aliases WHERE function = ? AND name = ?", (name, alias))
        self._execute("DELETE FROM alias_history WHERE function = ? AND name = ?", (name, alias))

    # -- invalidations --------------------------------------------------------------------

    def add_invalidation(self, paths: list[str]) -> int:
        return self._insert_id("INSERT INTO invalidations (paths, created) VALUES (?, ?)",
                               (json.dumps(paths), time.time()))

    def invalidations_after(self, last_id: int) -> list[tuple[int, list[str]]]:
        rows = self._all("SELECT id, paths FROM invalidations WHERE id > ? ORDER BY id", (last_id,))
        return [(int(row["id"]), json.loads(row["paths"])) for row in rows]

    def last_invalidation(self) -> int:
        row = self._one("SELECT MAX(id) AS last FROM invalidations")
        return int(row["last"] or 0) if row else 0

    # -- routing ------------------------------------------------------------------------

    def routing(self) -> RoutingRow | None:
        row = self._one(f"SELECT {ROUTING_COLUMNS} FROM routing WHERE id = 1")
        if row is None:
            return None
        return RoutingRow(json.loads(row["document"]), row["origin"], row["manifest_digest"], row["updated"])

    def set_routing(self, document: dict[str, Any], origin: str, manifest_digest: str | None) -> None:
        self._execute(
            "INSERT INTO routing (id, document, origin, manifest_digest, updated) VALUES (1, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET document = excluded.document, origin = excluded.origin,"
            " manifest_digest = excluded.manifest_digest, updated = excluded.updated",
            (json.dumps(document, sort_keys=True), origin, manifest_digest, time.time()),
        )

    # -- whole-store reads ----------------------------------------------------------------

    def snapshot_into(self, snap: Any) -> None:
        """Fill a Snapshot from this (read) transaction."""
        for row in self._all(f"SELECT {FUNCTION_COLUMNS} FROM functions"):
            snap.functions[row["name"]] = dict(row)
            snap.versions[row["name"]] = {}
            snap.aliases[row["name"]] = {}
        for row in self._all(f"SELECT {VERSION_COLUMNS} FROM versions"):
            snap.versions[row["function"]][row["version"]] = version_row(row)
        for row in self._all(f"SELECT {ALIAS_COLUMNS} FROM aliases"):
            snap.aliases[row["function"]][row["name"]] = alias_row(row)
        snap.routing = self.routing()


def roll_back(db: Any) -> None:
    """Undo a failed SQLite write, if SQLite has not already: after some errors (a full disk:
    SQLITE_FULL) it rolls the transaction back itself, and a second ROLLBACK would raise in
    place of the error that says what happened."""
    if db.in_transaction:
        db.execute("ROLLBACK")
