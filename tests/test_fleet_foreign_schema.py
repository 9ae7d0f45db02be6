"""A store URL that names a database or schema holding another project's tables: `edge serve`
refuses it, naming the tables and the way out (a database or schema of its own), and writes
nothing there; and the migration is one transaction, so a failure leaves no half-made schema.

A fleet trial met both: with clashing tables the start said only `relation "functions" already
exists` and left an `edge_schema` table behind; without a clash edge made its ten tables beside
the other project's."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.control.rows import StoreError
from edge.fleet.migrate import migrate, migrations

from .conftest import free_ports
from .control_helpers import manifest_text
from .pgfixtures import _connect, with_schema

pytestmark = pytest.mark.timeout(120)


def tables(url: str) -> list[str]:
    with _connect(url) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                            " ORDER BY table_name").fetchall()
    return [row[0] for row in rows]


def start(tmp_path, url: str):  # type: ignore[no-untyped-def]
    (tmp_path / "m.toml").write_text(manifest_text())
    port, admin_port = free_ports(2)  # never bound: the start stops before
    return CliRunner().invoke(cli, ["serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "state"),
                                    "--store", url, "--node-name", "fra1", "--port", str(port),
                                    "--admin-port", str(admin_port)])


@pytest.mark.parametrize("theirs", [("functions", "nodes"), ("users",)], ids=["clashing", "beside"])
def test_a_schema_with_another_projects_tables_is_refused_and_left_as_it_was(pg_url, tmp_path, theirs):
    with _connect(pg_url) as conn:
        for table in theirs:
            conn.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, what text)")
        conn.execute(f"INSERT INTO {theirs[0]} VALUES (1, 'theirs')")
    result = start(tmp_path, pg_url)
    assert result.exit_code == 1, result.output
    message = " ".join(result.output.split())
    assert f"holds tables that are not edge's ({', '.join(sorted(theirs))})" in message, message
    assert "Use an empty database, or a schema of its own" in message and "options=-csearch_path%3D" in message
    assert "already exists" not in message and "Traceback" not in message
    assert tables(pg_url) == sorted(theirs)  # no edge_schema, none of edge's tables
    with _connect(pg_url) as conn:
        assert conn.execute(f"SELECT what FROM {theirs[0]}").fetchall() == [("theirs",)]


def test_the_ledger_an_earlier_release_left_in_a_foreign_schema_does_not_make_it_edges(pg_url):
    """The release the trial ran created `edge_schema` before it failed: an empty ledger beside
    another project's tables is still refused, with them named."""
    with _connect(pg_url) as conn:
        conn.execute("CREATE TABLE functions (id integer)")
        conn.execute("CREATE TABLE edge_schema (version integer PRIMARY KEY, name text NOT NULL,"
                     " applied timestamptz NOT NULL DEFAULT now())")
        with pytest.raises(StoreError, match=r"not edge's \(functions\)"):
            migrate(conn)
    assert tables(pg_url) == ["edge_schema", "functions"]


def test_a_migration_that_fails_leaves_nothing_behind(pg_url):
    """A composite type named like one of the tables (not a table: the check lets it through)
    makes the migration's last CREATE TABLE fail: the ledger and the tables made before it are
    gone too."""
    with _connect(pg_url) as conn:
        conn.execute("CREATE TYPE nodes AS (x integer)")
        with pytest.raises(Exception, match='"nodes" already exists'):
            migrate(conn)
    assert tables(pg_url) == []
    with _connect(pg_url) as conn:  # a start after the cause is gone migrates as usual
        conn.execute("DROP TYPE nodes")
        assert migrate(conn) == len(migrations())
        assert migrate(conn) == len(migrations())  # and again: nothing left to do
    assert "edge_schema" in tables(pg_url) and "functions" in tables(pg_url)


def test_an_empty_schema_and_edges_own_are_used(pg_url, tmp_path):
    with _connect(pg_url) as conn:
        assert migrate(conn) == len(migrations())
    made = tables(pg_url)
    with _connect(pg_url) as conn:  # edge's own schema, with its ledger: migrated, not refused
        assert migrate(conn) == len(migrations())
    assert tables(pg_url) == made and len(made) == 10


def test_a_search_path_naming_no_schema_that_exists_says_so(pg_database, tmp_path):
    url = with_schema(pg_database, f"nosuch_{uuid.uuid4().hex[:8]}")
    result = start(tmp_path, url)
    assert result.exit_code == 1, result.output
    message = " ".join(result.output.split())
    assert "no schema of the search_path (nosuch_" in message and "CREATE SCHEMA" in message, message
    assert "Traceback" not in message
