"""Columns added to an existing schema without a new schema version.

A new schema version stops every node of an earlier release from starting on that database
(it cannot know what a later migration changed). A nullable column that an earlier release
never names does not change anything it reads or writes (its statements name their columns,
and `SELECT *` rows are read by key), so a column like that is added here instead: at every
start, if missing, under the migrations' lock (PostgreSQL, edge/fleet/migrate.py) or the write
lock (SQLite), and never removed. Nodes of the earlier release keep starting and working beside
it; their rows leave it NULL.
"""

from __future__ import annotations

import sqlite3

# (table, column, type): the same type name in SQLite and PostgreSQL
ADDITIONS: tuple[tuple[str, str, str], ...] = (
    ("nodes", "release", "text"),  # the release a worker runs (`edge nodes`); NULL: a release before it was recorded
)


def add_sqlite_columns(db: sqlite3.Connection) -> None:
    """Inside the schema's write transaction."""
    for table, column, kind in ADDITIONS:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
