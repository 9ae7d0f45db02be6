"""Schema migrations: plain SQL files (`migrations/NNNN_name.sql`), applied in order under an
advisory lock so that nodes starting together apply each file once, all of them in one
transaction with the ledger: a failure leaves the schema as it was, never half-migrated.
`edge_schema` records what was applied; a database migrated by a newer server than this one is
refused rather than misread, and so is a schema that holds another project's tables (a fleet's
tables go into a database or schema of their own: mixed in, a table of the same name clashes,
and edge's would be left among the other project's). Columns an earlier release can ignore are
added without a new version (edge/control/additions.py), so its nodes keep working."""

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


def check_schema(conn: psycopg.Connection) -> str:
    """The schema edge's tables go to (the first of the search_path that exists), else StoreError."""
    schema, path = conn.execute("SELECT current_schema(), current_setting('search_path')").fetchone()  # type: ignore[misc]
    if schema is None:
        raise StoreError(f"no schema of the search_path ({path}) exists in this database: create it "
                         "(CREATE SCHEMA name), or name one that exists in the store URL's "
                         "options=-csearch_path%3Dname")
    return str(schema)


def applied_versions(conn: psycopg.Connection, schema: str) -> set[int]:
    """The migrations recorded in the schema's `edge_schema` (none: no such table, or an empty
    one). Named with its schema: a later schema of the search_path may have one of its own."""
    ledger = sql.Identifier(schema, "edge_schema")
    if conn.execute("SELECT to_regclass(%s)", (ledger.as_string(conn),)).fetchone()[0] is None:  # type: ignore[index]
        return set()
    return {row[0] for row in conn.execute(sql.SQL("SELECT version FROM {}").format(ledger))}


def others_tables(conn: psycopg.Connection, schema: str) -> list[str]:
    """Tables and views of the schema edge did not make (on a schema edge has not migrated)."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname <> 'edge_schema'"
        " ORDER BY c.relname", (schema,)).fetchall()
    return [row[0] for row in rows]


def refuse_foreign(schema: str, tables: list[str]) -> StoreError:
    shown = ", ".join(tables[:8]) + (f" and {len(tables) - 8} more" if len(tables) > 8 else "")
    return StoreError(
        f"the schema {schema!r} already holds tables that are not edge's ({shown}): a fleet's tables need a "
        "database or a schema of their own. Use an empty database, or a schema of its own: create it "
        "(CREATE SCHEMA fleet) and name it in the store URL's options, e.g. "
        "postgresql://edge@db/name?options=-csearch_path%3Dfleet (docs/fleet.md). Nothing was written")


def migrate(conn: psycopg.Connection) -> int:
    """Bring the schema up to date (autocommit connection). Returns the schema version."""
    known = migrations()
    schema = check_schema(conn)
    key = lock_key(conn)
    conn.execute("SELECT pg_advisory_lock(%s)", (key,))
    try:
        applied = applied_versions(conn, schema)
        newest = max(applied, default=0)
        if newest > len(known):
            raise StoreError(
                f"the database has schema version {newest}, newer than this server's {len(known)}: upgrade edge"
            )
        if not applied:  # not edge's yet: only an empty schema becomes edge's
            tables = others_tables(conn, schema)
            if tables:
                raise refuse_foreign(schema, tables)
        missing = [migration for migration in known if migration.version not in applied]
        if missing:
            with conn.transaction():  # all or nothing: the ledger with every migration it records
                conn.execute(LEDGER)
                for migration in missing:
                    conn.execute(migration.sql.encode())  # several statements: the simple query protocol
                    conn.execute("INSERT INTO edge_schema (version, name) VALUES (%s, %s)",
                                 (migration.version, migration.name))
        add_pg_columns(conn)  # no new schema version: nodes of an earlier release keep working
        return len(known)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


# Columns only the shared store has, added the same way (edge/control/additions.py)
FLEET_ADDITIONS: tuple[tuple[str, str, str], ...] = (
    # why a worker's applied revision is behind the store's (`edge nodes`); NULL: nothing to say,
    # or a release before it was recorded
    ("nodes", "note", "text"),
)


def add_pg_columns(conn: psycopg.Connection) -> None:
    """Under the migrations' advisory lock (autocommit). Checked first, so a schema that has the
    columns is not locked (ALTER TABLE would wait for, and then hold up, every heartbeat)."""
    for table, column, kind in (*ADDITIONS, *FLEET_ADDITIONS):
        present = conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = %s AND column_name = %s", (table, column)).fetchone()
        if present is None:
            conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} " + kind).format(
                sql.Identifier(table), sql.Identifier(column)))
