"""What a fleet node says about its store URL and its notification connection.

A fleet trial met: a mistyped URL parameter (`?connect_timout=3`) refused as "not a valid
PostgreSQL URL" without libpq's reason and with the user masked as `***`; and the lost
notification connection logged over three lines."""

from __future__ import annotations

import logging
import threading
import uuid

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.control.rows import StoreError
from edge.fleet import dsn
from edge.fleet.listen import Listener

from .conftest import free_ports
from .control_helpers import manifest_text
from .fleet_helpers import wait_for
from .pgfixtures import _connect

pytestmark = pytest.mark.timeout(60)


def test_a_mistyped_parameter_is_named_with_the_one_meant_and_the_user_shown(pg_url, tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    port, admin_port = free_ports(2)  # never bound: the start stops before
    result = CliRunner().invoke(cli, ["serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"),
                                      "--store", pg_url + "&connect_timout=3", "--port", str(port),
                                      "--admin-port", str(admin_port)])
    assert result.exit_code == 1, result.output
    message = " ".join(result.output.split())
    assert "not a valid PostgreSQL URL: postgresql://postgres@127.0.0.1:5432/" in message, message
    assert 'invalid URI query parameter: "connect_timout" (did you mean \'connect_timeout\'?)' in message
    assert "***" not in message and "Traceback" not in message


def test_the_password_stays_masked_and_libpqs_reason_is_kept():
    with pytest.raises(StoreError) as caught:
        dsn.conninfo("postgresql://fleet:s3cr3t-pw@db.internal/edge?sslmod=require")
    message = str(caught.value)
    assert message == ("the store URL is not a valid PostgreSQL URL: postgresql://fleet@db.internal/edge: "
                       "invalid URI query parameter: \"sslmod\" (did you mean 'sslmode'?)")
    with pytest.raises(StoreError) as caught:  # nothing close: libpq's reason alone
        dsn.conninfo("postgresql://fleet:s3cr3t-pw@db.internal/edge?zzzz=1")
    assert str(caught.value).endswith('invalid URI query parameter: "zzzz"') and "s3cr3t" not in str(caught.value)
    with pytest.raises(StoreError) as caught:  # edge's own parameter is a name it may have meant
        dsn.conninfo("postgresql://fleet@db.internal/edge?answer_timout=3")
    assert "(did you mean 'answer_timeout'?)" in str(caught.value)


def test_losing_the_notification_connection_is_logged_on_one_line(pg_url, caplog):
    name = f"edge_listen_{uuid.uuid4().hex[:8]}"
    listener = Listener(dsn.conninfo(f"{pg_url}&application_name={name}"), "edge_test", threading.Event()).start()
    try:
        wait_for(lambda: listener.listening, what="the listener's LISTEN")
        with caplog.at_level(logging.WARNING, logger="edge.fleet"), _connect(pg_url) as admin:
            ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                                  (name,)).fetchall()
            assert ended == [(True,)]
            lost = wait_for(lambda: [r for r in caplog.records if "change notifications" in r.getMessage()],
                            what="the lost connection's warning")
        text = lost[0].getMessage()
        assert text.startswith("lost the store's change notifications (reconnecting): ")
        assert "\n" not in text and "\t" not in text and "  " not in text, text
        wait_for(lambda: listener.listening, what="listening again")
    finally:
        listener.stop()
