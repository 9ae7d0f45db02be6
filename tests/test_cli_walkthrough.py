"""Smaller findings of an operator walkthrough, against a real server: a server address
without http://, https:// to a plain-HTTP admin API, a TOML body sent to PUT /v1/config,
`edge config put` of a file that is neither .toml nor .json, GET /v1/logs for a function that
does not exist, and bad input exiting 2 (docs/cli.md: 1 for a refused or failed operation, 2
for bad usage or input)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from edge.cli.main import cli

from .control_helpers import TOKEN, generated
from .test_control_cli import server  # noqa: F401  (the admin API on a real server, SQLite)

DOCS = Path(__file__).resolve().parents[1] / "docs"


def edge(*args: str, server: str, code: int) -> str:
    result = CliRunner().invoke(cli, list(args), env={"EDGE_SERVER": server, "EDGE_ADMIN_TOKEN": TOKEN})
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_a_server_address_without_http_or_with_https_to_plain_http_says_what_to_write(server):
    address = server.admin_url.removeprefix("http://")
    out = edge("functions", server=address, code=2)
    assert f"has no http:// or https://: write http://{address}" in out and "unsupported protocol" not in out
    out = edge("functions", server=f"https://{address}", code=1)
    assert "speaks plain HTTP, not HTTPS" in out and f"write http://{address}" in out, out
    assert "WRONG_VERSION_NUMBER" not in out
    out = edge("logs", "--request-id", "x", "--follow", server=f"https://{address}", code=1)
    assert "speaks plain HTTP" in out
    assert "NAME" in edge("functions", server=server.admin_url, code=0)


def test_config_put_takes_toml_and_json_and_exits_2_on_a_bad_file(server, tmp_path):
    (tmp_path / "routes.yaml").write_text("behaviors: []\n")
    out = edge("config", "put", str(tmp_path / "routes.yaml"), server=server.admin_url, code=2)
    assert "routes.yaml" in out and ".toml" in out and ".json" in out and "Expecting value" not in out
    (tmp_path / "bad.toml").write_text("behaviors = [\n")
    assert "cannot parse it as TOML" in edge("config", "put", str(tmp_path / "bad.toml"), server=server.admin_url,
                                              code=2)
    (tmp_path / "empty.json").write_text("[]")
    assert "neither origins nor behaviors" in edge("config", "put", str(tmp_path / "empty.json"),
                                                   server=server.admin_url, code=2)
    # what the server refuses after looking at the store stays a refused operation: 1
    (tmp_path / "ghost.json").write_text('{"behaviors": [{"path": "*", "origin": "site", "viewer_request": "ghost"}]}')
    assert "ghost" in edge("config", "put", str(tmp_path / "ghost.json"), server=server.admin_url, code=1)


def test_a_toml_body_sent_to_the_api_is_told_the_api_takes_json(server):
    r = server.admin.put("/v1/config", content=b'[[behaviors]]\npath = "*"\norigin = "site"\n')
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_json"
    message = r.json()["error"]["message"]
    assert "not valid JSON" in message and "the API takes JSON" in message and "edge config put FILE.toml" in message


def test_invalidating_an_empty_path_is_bad_usage(server):
    out = edge("invalidate", "", server=server.admin_url, code=2)
    assert "path pattern must be a non-empty string" in out
    assert "invalidation 1: /img/*" in edge("invalidate", "/img/*", server=server.admin_url, code=0)


def test_logs_of_a_function_that_does_not_exist_are_404_as_in_the_cli(server):
    for params in ({"function": "nofn"}, {"function": "nofn", "follow": "1"}):
        r = server.admin.get("/v1/logs", params=params)
        assert r.status_code == 404 and r.json()["error"]["message"] == "no function named 'nofn'", r.text
    assert "404: no function named 'nofn'" in edge("logs", "nofn", server=server.admin_url, code=1)
    assert server.admin.get("/v1/logs", params={"request_id": "x"}).json() == {"records": []}


def test_a_deleted_functions_kept_logs_can_still_be_read(server):
    """The 404 is for a name with nothing: the records of a function deleted since stay readable."""
    server.deploy("gone", generated("bye"))
    server.associate("/gone", "gone")
    assert server.edge.get("/gone").text == "bye"
    behaviors = [b for b in server.admin.get("/v1/behaviors").json()["behaviors"] if b["path"] != "/gone"]
    assert server.admin.put("/v1/behaviors", json={"behaviors": behaviors}).status_code == 200
    assert server.admin.delete("/v1/functions/gone").status_code == 200
    records = server.admin.get("/v1/logs", params={"function": "gone"}).json()["records"]
    assert records and {r["function"] for r in records} == {"gone"}, records


def test_the_error_table_lists_every_code_the_admin_api_answers():
    table = (DOCS / "control-plane.md").read_text()
    rows = set(re.findall(r"^\| (\d{3}) \| `([a-z_]+)`", table, re.MULTILINE))
    assert {("408", "body_timeout"), ("409", "node_live")} <= rows
