"""A store location that is a URL of the wrong kind (a typo in `postgresql://`, another
database's URL) stops `edge serve` naming the scheme, instead of being taken as a directory:
the node used to start on a new, empty SQLite store under `./postgresq:/...`, serving alone
outside its fleet with nothing said."""

from __future__ import annotations

import os
import socket

import httpx
import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.control.store import check_location

from .conftest import free_ports
from .control_helpers import manifest_text
from .serve_output import serve_output

BAD = [
    ("postgresq://edge:pw@127.0.0.1/edge", "the store postgresq://… has an unknown scheme 'postgresq'"),
    ("mysql://edge:pw@127.0.0.1/edge", "the store mysql://… has an unknown scheme 'mysql'"),
    ("postgresql:/edge:pw@127.0.0.1/edge", "the store postgresql:/… is not a PostgreSQL URL"),
    ("postgresql//edge:pw@127.0.0.1/edge",
     "the store postgresql//… is not a PostgreSQL URL: the colon after 'postgresql' is missing"),
    ("postgres//edge:pw@127.0.0.1/edge",
     "the store postgres//… is not a PostgreSQL URL: the colon after 'postgres' is missing"),
    ("postgresql;//edge:pw@127.0.0.1/edge",
     "the store postgresql;//… is not a PostgreSQL URL: 'postgresql' is followed by ';//' instead of '://'"),
    ("postgresql:edge:pw@127.0.0.1/edge",
     "the store postgresql:… is not a PostgreSQL URL: 'postgresql' is followed by ':' instead of '://'"),
]


@pytest.mark.parametrize(("location", "message"), BAD)
@pytest.mark.parametrize("given", ["--store", "EDGE_STORE", "[store] url"])
def test_a_url_of_another_kind_stops_the_start_naming_it(tmp_path, location, message, given):
    port, admin_port = free_ports(2)  # never bound: the start stops before
    manifest = tmp_path / "m.toml"
    text = manifest_text()
    if given == "[store] url":
        text = f'[store]\nurl = "{location}"\n' + text
    manifest.write_text(text)
    args = ["serve", "-m", str(manifest), "--state-dir", str(tmp_path / "s"), "--port", str(port), "--admin-port", str(admin_port)]
    env = {"EDGE_STORE": location} if given == "EDGE_STORE" else {}
    if given == "--store":
        args += ["--store", location]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, args, env=env)
    finally:
        os.chdir(cwd)
    # an option's (or its variable's) bad value is bad input (exit 2); the manifest's, a manifest error (exit 1)
    assert result.exit_code == (1 if given == "[store] url" else 2), result.output
    assert message in result.output and "postgresql://USER@HOST/DATABASE" in result.output
    assert "pw" not in result.output  # only the scheme is shown: the rest may hold a password
    assert not (tmp_path / "s" / "store").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.toml", "s"]  # no ./postgresq:/ directory


def test_urls_and_directories_pass():
    for location in ("postgresql://edge@db/edge", "postgres://edge@db/edge", "/var/lib/edge/store", "store",
                     "./a:b/store", "postgresql", "./postgresql", "postgresql/store", "./postgresql//store",
                     "postgres.old/store", "postgresql_data"):
        assert check_location(location) == location


def test_a_directory_named_postgresql_is_a_store(tmp_path):
    """The typo check looks at what follows the scheme's name: a directory of that name works."""
    (tmp_path / "m.toml").write_text(manifest_text())
    port, admin_port = free_ports(2)
    with serve_output(tmp_path, "-m", "m.toml", "--state-dir", "s", "--store", "./postgresql", "--port", str(port),
                      "--admin-port", str(admin_port), env=dict(os.environ)) as server:
        line = server.until("edge: store")
        assert line.endswith(f"edge: store {tmp_path / 'postgresql'}, node {socket.gethostname()}"), line
        server.until("edge: serving")
        assert httpx.get(f"http://127.0.0.1:{admin_port}/readyz", timeout=10).status_code == 200
    assert (tmp_path / "postgresql" / "control.db").is_file()
