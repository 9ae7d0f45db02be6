"""A store error is logged on one line. PostgreSQL's messages span several (`LINE 1: ...` with a
caret under the position, DETAIL, HINT), and were logged as they came: the watcher's line, its
"works again (after ...)" line and the admin API's "store error on GET ..." each broke into
pieces a log collector reads as unrelated entries (and the watcher's came with a traceback of
our own frames). A real node on a real PostgreSQL whose table is renamed under it."""

from __future__ import annotations

import logging

import pytest

from edge.control.rows import one_line

from .control_helpers import ControlServer, manifest_text
from .fleet_helpers import wait_for
from .pgfixtures import _connect

pytestmark = pytest.mark.timeout(60)

MISSING = 'relation "edge_revision" does not exist | LINE 1: SELECT value FROM edge_revision WHERE id = 1'


def test_one_line_keeps_every_line_of_a_message():
    assert one_line('duplicate key value violates unique constraint "t_pkey"\nDETAIL:  Key (id)=(1) already exists.') \
        == 'duplicate key value violates unique constraint "t_pkey" | DETAIL:  Key (id)=(1) already exists.'
    assert one_line("connection failed: refused\n\tIs the server running on that host?\n") \
        == "connection failed: refused | Is the server running on that host?"
    assert one_line("one line") == "one line" and one_line(ValueError()) == "ValueError"


def test_a_store_error_is_logged_on_one_line(pg_url, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    schema = pg_url.rsplit("%3D", 1)[1]
    (tmp_path / "m.toml").write_text(manifest_text())
    node = ControlServer(tmp_path / "m.toml", tmp_path / "state", store=pg_url, node_name="n1").start()
    try:
        with _connect(pg_url) as conn:
            conn.execute(f'ALTER TABLE "{schema}".edge_revision RENAME TO edge_revision_gone')
        try:
            failed = wait_for(lambda: [r for r in caplog.records if r.name == "edge.control"
                                       and "store watcher:" in r.getMessage()], what="the watcher's error line")
            r = node.admin.get("/v1/functions")
            assert r.status_code == 503 and "edge_revision" in r.text, r.text
        finally:
            with _connect(pg_url) as conn:
                conn.execute(f'ALTER TABLE "{schema}".edge_revision_gone RENAME TO edge_revision')
        again = wait_for(lambda: [r for r in caplog.records if "works again" in r.getMessage()],
                         what="the watcher's recovery line")
    finally:
        node.stop()
    [watcher] = failed
    assert watcher.levelno == logging.ERROR and watcher.exc_info is None, watcher  # its words, not our frames
    assert watcher.getMessage() == (f"store watcher: StoreError: store error: {MISSING} (retried every tick; logged "
                                    "again only if it changes)")
    [admin] = [r for r in caplog.records if r.getMessage().startswith("store error on GET /v1/functions")]
    assert admin.getMessage() == f"store error on GET /v1/functions: store error: {MISSING}"
    assert again[0].getMessage() == f"store watcher: works again (after StoreError: store error: {MISSING})"
    store_lines = [r.getMessage() for r in caplog.records if r.name.startswith("edge") and "edge_revision" in r.getMessage()]
    assert store_lines and not [line for line in store_lines if "\n" in line], store_lines
