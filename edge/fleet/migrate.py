"""Schema migrations: plain SQL files (`migrations/NNNN_name.sql`), applied in order, each in
its own transaction, under an advisory lock so that nodes starting together apply each
file once. `edge_schema` records what was applied; a database migrated by a newer server
than this one is refused rather than misread. Columns an earlier release can ignore are added
without a new version (edge/control/additions.py), so its nodes keep working."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import sql

from ..control.additions import ADDITIONS
from ..control.rows import StoreError

LEDGER = """CREATE TABLE IF NOT EXISTS edge_schema (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied timestamptz NOT NULL DEFAULT now()
)"""
FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The migrations shipped with this server, in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = FILE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text()))
    found.sort(key=lambda m: m.version)
    numbers = [m.version for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise StoreError(f"the shipped migrations are not numbered 1..n: {numbers}")
    return found


def lock_key(conn: psycopg.Connection) -> int:
    """One advisory lock per schema: a schema holds one fleet's tables."""
    row = conn.execute("SELECT hashtext(current_schema() || '/edge-migrations')").fetchone()
    return int(row[0])  # type: ignore[index]


def migrate(conn: psycopg.Connection) -> int:
    """Bring the schema up to date (autocommit connection). Returns the schema version."""
    known = migrations()
    key = lock_key(conn)
    conn.execute("SELECT pg_advisory_lock(%s)", (key,))
    try:
        conn.execute(LEDGER)
        applied = {row[0] for row in conn.execute("SELECT version FROM edge_schema")}
        newest = max(applied, default=0)
        if newest > len(known):
            raise StoreError(
                f"the database has schema version {newest}, newer than this server's {len(known)}: upgrade edge"
            )
        for migration in known:
            if migration.version in applied:
                continue
            with conn.transaction():
                conn.execute(migration.sql.encode())  # several statements: the simple query protocol
                conn.execute("INSERT INTO edge_schema (version, name) VALUES (%s, %s)",
                             (migration.version, migration.name))
        add_pg_columns(conn)  # no new schema version: nodes of an earlier release keep working
        return len(known)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def add_pg_columns(conn: psycopg.Connection) -> None:
    """Under the migrations' advisory lock (autocommit). Checked first, so a schema that has the
    columns is not locked (ALTER TABLE would wait for, and then hold up, every heartbeat)."""
    for table, column, kind in ADDITIONS:
        present = conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = %s AND column_name = %s", (table, column)).fetchone()
        if present is None:
            conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} " + kind).format(
                sql.Identifier(table), sql.Identifier(column)))
