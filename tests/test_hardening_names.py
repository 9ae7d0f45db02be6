"""Issue 12, item 1: every user-given name is checked whole (a trailing newline once passed
`re.match(...$)`), in the admin API, the manifest and the CLI (which also escapes what it sends)."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from edge import names
from edge.cli.main import cli
from edge.config.manifest import ConfigError, load_manifest

from .control_helpers import ControlServer, generated, manifest_text

BAD_FUNCTIONS = ["abc\n", "abc\r\n", "a/b", "a b", "", "x" * 65, "abc%0A", "ünï"]
BAD_ALIASES = ["live\n", "12", "a.b", ""]


def test_name_rules_match_whole_names_only():
    for bad in BAD_FUNCTIONS:
        assert not names.is_function_name(bad), repr(bad)
    for bad in BAD_ALIASES:
        assert not names.is_alias_name(bad), repr(bad)
    assert not names.is_origin_name("site\n") and names.is_origin_name("my.origin-1")
    assert names.is_function_name("auth_v2-x") and names.is_alias_name("live") and names.is_alias_name("v2")
    assert names.check_qualifier("3") == "3" and names.check_qualifier("live") == "live"
    for bad in ("0", "live\n", "3\n", ""):
        with pytest.raises(names.BadName):
            names.check_qualifier(bad)
    assert names.segment("a/b\n") == "a%2Fb%0A"


@pytest.fixture
def server(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    yield s
    s.stop()


def test_api_refuses_names_with_a_trailing_newline_and_stores_nothing(server):
    admin = server.admin
    r = admin.post("/v1/functions/abc%0A/versions", params={"alias": "live"}, content=generated("x"))
    assert r.status_code == 400 and "function name" in r.json()["error"]["message"], r.text
    r = admin.post("/v1/functions/abc/versions", params={"alias": "live\n"}, content=generated("x"))
    assert r.status_code == 400 and "alias name" in r.json()["error"]["message"], r.text
    assert admin.get("/v1/functions").json() == {"functions": []}  # nothing was stored by either

    server.deploy("abc", generated("x"), alias="live")
    assert admin.put("/v1/functions/abc/aliases/live%0A", json={"version": 1}).status_code == 400
    assert admin.get("/v1/functions/abc%0A").status_code == 400
    assert admin.get("/v1/functions/abc%0A/versions").status_code == 400
    assert admin.delete("/v1/functions/abc/aliases/live%0A").status_code == 400
    assert admin.post("/v1/functions/abc/invoke", params={"qualifier": "live\n"}, content=b"{}").status_code == 400
    assert admin.get("/v1/logs", params={"function": "abc\n"}).status_code == 400
    listed = admin.get("/v1/functions").json()["functions"]
    assert [f["name"] for f in listed] == ["abc"] and list(listed[0]["aliases"]) == ["live"]

    behaviors = [{"path": "/x", "origin": "site", "viewer_request": "abc\n:live"}, {"path": "*", "origin": "site"}]
    r = admin.put("/v1/behaviors", json={"behaviors": behaviors})
    assert r.status_code == 400 and "function name" in r.text, r.text
    behaviors[0]["viewer_request"] = "abc:live\n"
    assert admin.put("/v1/behaviors", json={"behaviors": behaviors}).status_code == 400
    behaviors[0]["path"], behaviors[0]["viewer_request"] = "/x\n", "abc:live"
    assert admin.put("/v1/behaviors", json={"behaviors": behaviors}).status_code == 400
    assert admin.put("/v1/origins", json={"origins": {"site\n": {"type": "echo"}}}).status_code == 400


@pytest.mark.parametrize("section", [
    '[functions."abc\\n"]\nsource = "m.wat"\n',
    '[origins."site\\n"]\ntype = "echo"\n',
    '[[behaviors]]\npath = "/x\\n"\norigin = "site"\n',
    '[[behaviors]]\npath = "/x"\norigin = "site"\nviewer_request = "f:live\\n"\n',
])
def test_manifest_refuses_names_with_a_trailing_newline(tmp_path, section):
    (tmp_path / "m.wat").write_text(generated("x"))
    text = f'[origins.site]\ntype = "echo"\n\n[functions.f]\nsource = "m.wat"\n\n{section}\n[[behaviors]]\npath = "*"\norigin = "site"\n'
    (tmp_path / "manifest.toml").write_text(text)
    with pytest.raises(ConfigError, match="name|pattern|qualifier"):
        load_manifest(tmp_path / "manifest.toml")


def test_cli_checks_names_before_sending():
    runner = CliRunner()
    # nothing listens on port 9: had the CLI sent anything, it would fail with "cannot reach"
    for args in (["versions", "abc\n"], ["delete", "a/b"], ["alias", "abc", "live\n", "1"],
                 ["rollback", "abc", "--alias", "12"], ["logs", "abc\n"], ["invoke", "--remote", "abc\n"],
                 ["invoke", "--remote", "abc", "--qualifier", "live\n"]):
        result = runner.invoke(cli, [*args, "--server", "http://127.0.0.1:9"])
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and "name" in result.output, result.output
        assert "cannot reach" not in result.output


def test_names_stored_before_the_whole_name_check_can_still_be_deleted(tmp_path):
    """A release that checked names with `re.match(...$)` stored `"old\\n"` and `"live\\n"`: the
    API refuses such names everywhere, but DELETE of one that is stored removes it."""
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    server.deploy("abc", generated("x"), alias="live")
    server.stop()
    with sqlite3.connect(tmp_path / "state" / "store" / "control.db") as db:  # what the old release wrote
        db.execute("INSERT INTO functions (name, next_version, created) VALUES (?, 1, 0)", ("old\n",))
        db.execute("INSERT INTO aliases (function, name, version, updated) VALUES ('abc', ?, 1, 0)", ("live\n",))
    db.close()
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        admin = server.admin
        assert sorted(f["name"] for f in admin.get("/v1/functions").json()["functions"]) == ["abc", "old\n"]
        assert admin.delete("/v1/functions/nope%0A").status_code == 400  # not stored: the rule applies
        assert admin.delete("/v1/functions/abc/aliases/other%0A").status_code == 400
        r = admin.delete("/v1/functions/abc/aliases/live%0A")
        assert r.status_code == 200 and r.json() == {"deleted": {"function": "abc", "alias": "live\n"}}, r.text
        r = admin.delete("/v1/functions/old%0A")
        assert r.status_code == 200, r.text
        listed = admin.get("/v1/functions").json()["functions"]
        assert [f["name"] for f in listed] == ["abc"] and list(listed[0]["aliases"]) == ["live"]
    finally:
        server.stop()
