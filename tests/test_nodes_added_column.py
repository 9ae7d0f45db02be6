"""A column added to `nodes` without a new schema version (edge/control/additions.py) while
nodes run. PostgreSQL refuses to run a prepared statement whose result type changed ("cached
plan must not change result type"), and psycopg prepares a statement on its 6th run on one
connection: a `SELECT *` of the registry, prepared on a pooled connection, fails once after
the ALTER. This release names the registry's columns and does not prepare those reads, so a
column a later release adds cannot break them; an earlier release's `SELECT *` fails once per
pooled connection that had prepared it (the rollback clears psycopg's prepared statements),
which is what docs/fleet.md tells operators to expect during that upgrade."""

from __future__ import annotations

import pytest

from edge.control.rows import StoreError
from edge.control.store import NodeInfo
from edge.fleet.pgstore import POOL_MAX, PgStore

from .pgfixtures import _connect

pytestmark = pytest.mark.timeout(60)

# an earlier release's registry read (edge/fleet/pgstore.py before the columns were named)
OLD_NODES = ("SELECT *, greatest(0, extract(epoch from now()) - heartbeat)::float8 AS age FROM nodes"
             " ORDER BY name, host, pid")
RUNS = 6 * POOL_MAX  # past psycopg's default prepare_threshold (5) on at least one pooled connection


def _old_nodes(store: PgStore) -> list[dict]:
    with store._transaction(read_only=True) as conn:
        return [dict(row) for row in conn.execute(OLD_NODES).fetchall()]


def test_the_registry_reads_survive_a_column_added_while_running(pg_url, tmp_path):
    store = PgStore(pg_url, tmp_path / "cache")
    try:
        store.heartbeat(NodeInfo("fra1", "h", 1, "fra1:80"), 0)
        for _ in range(RUNS):
            before = store.nodes()
            store.forget_node("fra1", 15.0)  # live: refused, nothing deleted
            _old_nodes(store)
        with _connect(pg_url) as conn:  # a later release's start (edge/fleet/migrate.add_pg_columns)
            conn.execute("ALTER TABLE nodes ADD COLUMN later text")

        # this release: unaffected, and the rows keep their shape
        after = store.nodes()
        assert [set(r) for r in after] == [set(r) for r in before] and "later" not in after[0]
        rows, deleted = store.forget_node("fra1", 15.0)
        assert deleted == 0 and set(rows[0]) == set(before[0])

        # an earlier release's prepared `SELECT *`: fails once on each pooled connection that had
        # prepared it (not until the connection is renewed), then works
        failures = []
        for _ in range(3 * POOL_MAX):
            try:
                assert "later" in _old_nodes(store)[0]
            except StoreError as exc:
                failures.append(str(exc))
        assert 1 <= len(failures) <= POOL_MAX, failures
        assert all("cached plan must not change result type" in f for f in failures), failures
        for _ in range(POOL_MAX + 1):
            assert "later" in _old_nodes(store)[0]
    finally:
        store.close()


def _registry_reads(store: PgStore) -> list:
    """Every read of functions, versions, aliases and routing the control plane makes."""
    with store.read() as tx:
        out = [tx.function("f"), tx.versions("f"), tx.version("f", 1), tx.latest("f"), tx.alias("f", "live"),
               tx.aliases("f"), tx.routing()]
    snap = store.snapshot()
    return [*out, snap.functions, snap.versions, snap.aliases, snap.routing]


def test_the_function_tables_take_a_later_column_while_running(pg_url, tmp_path):
    """The same for the tables sqltx.py reads: its reads name their columns, so a column a
    later release adds to any of them changes nothing a running node reads."""
    store = PgStore(pg_url, tmp_path / "cache")
    try:
        with store.write({"0" * 64: b"\0asm"}) as tx:  # the version's module bytes (a foreign key)
            tx.insert_version("f", "0" * 64, 4, "edge-v1", "{}", "", "api")
            tx.set_alias("f", "live", 1, None)
            tx.set_routing({"origins": {}, "behaviors": []}, "api", None)
        for _ in range(RUNS):
            before = _registry_reads(store)
        with _connect(pg_url) as conn:
            for table in ("functions", "versions", "aliases", "routing"):
                conn.execute(f"ALTER TABLE {table} ADD COLUMN later text")
        for _ in range(RUNS):
            assert _registry_reads(store) == before
    finally:
        store.close()
