"""Columns added to an existing schema without a new schema version.

A new schema version stops every node of an earlier release from starting on that database
(it cannot know what a later migration changed). A nullable column that an earlier release
never names does not change what it writes, so a column like that is added here instead: at
every start, if missing, under the migrations' lock (PostgreSQL, edge/fleet/migrate.py) or the
write lock (SQLite), and never removed. Nodes of the earlier release keep starting and working
beside it; their rows leave it NULL.

It does change what a `SELECT *` of that table returns, and PostgreSQL refuses to run a
prepared statement whose result type changed ("cached plan must not change result type";
psycopg prepares a statement on its 6th run on a connection). The release that added
`nodes.release` read the registry with `SELECT *`: on a node of that release, `edge nodes` /
`GET /v1/nodes` fails once per pooled connection that had prepared it (the failed transaction's
rollback clears psycopg's prepared statements; docs/fleet.md, *Upgrading the fleet*). Every read of the
registry now names its columns (storeapi.NODE_COLUMNS; sqltx.py for `functions`, `versions`,
`aliases` and `routing`), so a column may be added here to any of those tables, with one
caution: releases before the one that named sqltx.py's columns still read those four tables
with `SELECT *`, so a column for them must wait until no node of such a release remains (or
take a numbered migration, which stops those nodes at start).
"""

from __future__ import annotations

import sqlite3

# (table, column, type): the same type name in SQLite and PostgreSQL
ADDITIONS: tuple[tuple[str, str, str], ...] = (
    ("nodes", "release", "text"),  # the release a worker runs (`edge nodes`); NULL: a release before it was recorded
    ("nodes", "main_pid", "integer"),  # the node's main process (nodes._superseded); NULL: not recorded
)


def add_sqlite_columns(db: sqlite3.Connection) -> None:
    """Inside the schema's write transaction."""
    for table, column, kind in ADDITIONS:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
