"""Input validation found by a hostile tester: flags that must be real booleans, numbers the
stores cannot hold, a reserved alias name, prewarm bounded by the shared instance pool, and
CLI options checked before use. Through the real manifest loader, a real server (admin API on
loopback, real SQLite and PostgreSQL stores) and the real CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge import names
from edge.cli.main import cli
from edge.config.functions import MAX_PREWARM
from edge.config.manifest import ConfigError, load_manifest

from .control_helpers import TOKEN, ControlServer, generated, manifest_text
from .test_control_api import server  # noqa: F401  (the admin API on SQLite and on a real PostgreSQL)

HUGE = 2**63  # one past SQLite's INTEGER and PostgreSQL's BIGINT
RANGE = f"from 1 to {names.MAX_VERSION}"


def write_manifest(tmp_path: Path, *, function: str = "", behavior: str = "", origin: str = "") -> Path:
    """A manifest with function `f` (a WAT module), an echo origin `site`, and the given extras."""
    (tmp_path / "m.wat").write_text(generated("x"))
    text = (f'[origins.site]\ntype = "echo"\n{origin}\n[functions.f]\nsource = "m.wat"\n{function}\n'
            f'[[behaviors]]\npath = "*"\norigin = "site"\n{behavior}\n')
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    return path


def run_cli(*args: str, code: int, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output




def error(r) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    body = r.json()["error"]
    return r.status_code, body["code"], body["message"]


# -- 1. flags are real booleans ----------------------------------------------------------------


@pytest.mark.parametrize("behavior, key", [
    ('viewer_request = { function = "f", include_body = "false" }', "include_body"),
    ('origin_response = { function = "f", include_origin_body = "false" }', "include_origin_body"),
    ('viewer_response = { function = "f", allow_status_change = "no" }', "allow_status_change"),
    ('viewer_request = { function = "f", include_body = 0 }', "include_body"),
    ('forward_host = "false"', "forward_host"),
])
def test_manifest_flags_must_be_true_or_false(tmp_path, behavior, key):
    with pytest.raises(ConfigError, match=rf"{key} must be true or false, got "):
        load_manifest(write_manifest(tmp_path, behavior=behavior))


@pytest.mark.parametrize("key", ["http2", "verify_tls"])
def test_origin_flags_must_be_true_or_false(tmp_path, key):
    origin = f'[origins.api]\nurl = "http://127.0.0.1:9"\n{key} = "false"\n'
    with pytest.raises(ConfigError, match=rf"\[origins.api\]: {key} must be true or false, got 'false'"):
        load_manifest(write_manifest(tmp_path, origin=origin))


def test_real_booleans_still_work(tmp_path):
    manifest = load_manifest(write_manifest(
        tmp_path, behavior='viewer_request = { function = "f", include_body = true }',
        origin='[origins.api]\nurl = "http://127.0.0.1:9"\nhttp2 = false\n'))
    assert manifest.behaviors[0].associations["viewer-request"].include_body is True
    assert manifest.origins["api"].http2 is False


def test_api_refuses_string_flags_and_stores_nothing(server):
    server.deploy("f1", generated("x"))
    admin = server.admin
    before = admin.get("/v1/config").json()
    bad = {"path": "*", "origin": "site", "viewer_request": {"function": "f1", "include_body": "yes"}}
    status, code, message = error(admin.put("/v1/behaviors", json={"behaviors": [bad]}))
    assert (status, code) == (400, "bad_config") and "include_body must be true or false, got 'yes'" in message
    r = admin.put("/v1/origins", json={"origins": {"site": before["origins"]["site"],
                                                   "api": {"url": "http://127.0.0.1:9", "http2": "false"}}})
    status, code, message = error(r)
    assert (status, code) == (400, "bad_config") and "http2 must be true or false, got 'false'" in message
    assert admin.get("/v1/config").json() == before
    bad["viewer_request"]["include_body"] = True
    assert admin.put("/v1/behaviors", json={"behaviors": [bad]}).status_code == 200


# -- 2. numbers past the stores' 64-bit integers ----------------------------------------------------


def test_out_of_range_version_numbers_are_400_naming_the_field(server):
    server.deploy("f1", generated("x"))
    admin = server.admin
    for path in (f"/v1/functions/f1/versions/{HUGE}", "/v1/functions/f1/versions/" + "9" * 26):
        for method in ("GET", "DELETE"):
            status, code, message = error(admin.request(method, path))
            assert (status, code) == (400, "bad_request") and message.startswith("version must be") and RANGE in message
    for path in ("/v1/functions/f1/versions/%C2%B2", "/v1/functions/f1/versions/%D9%A1"):  # "²", Arabic-Indic 1
        for method in ("GET", "DELETE"):
            status, code, message = error(admin.request(method, path))
            assert (status, code) == (400, "bad_request") and message.startswith("version must be"), message
    for body, field in (({"version": HUGE}, "version"), ({"version": 0}, "version"),
                        ({"version": 1, "canary": {"version": 2**64 - 1, "weight": 0.5}}, "canary version"),
                        ({"version": 1, "canary": {"version": -3, "weight": 0.5}}, "canary version")):
        status, code, message = error(admin.put("/v1/functions/f1/aliases/live", json=body))
        assert (status, code) == (400, "bad_request") and message.startswith(f"{field} must be") and RANGE in message
    assert admin.get("/v1/functions/f1/versions/1").status_code == 200
    assert admin.get(f"/v1/functions/f1/versions/{names.MAX_VERSION}").status_code == 404  # in range, absent
    assert admin.get("/v1/functions/f1").json()["aliases"] == {}


def test_out_of_range_settings_are_refused_before_anything_is_stored(server):
    admin = server.admin
    for settings, wanted in (
        ('{"limits": {"timeout_ms": 1180591620717411303424}}', "limit timeout_ms must be a whole number from 1 to"),
        ('{"concurrency": 1180591620717411303424}', "concurrency must be a whole number from 0 to"),
        ('{"max_reuse": 9223372036854775808}', "max_reuse must be a whole number from 1 to"),
        ('{"limits": {"fuel": NaN}}', "limits must be an object of integers"),
    ):
        r = admin.post("/v1/functions/big/versions", content=generated("x"), headers={"X-Edge-Settings": settings})
        status, code, message = error(r)
        assert (status, code) == (400, "bad_settings") and wanted in message, message
    assert admin.get("/v1/functions").json() == {"functions": []}  # was: stored, then every listing a 500


def test_cli_shows_the_servers_range_message(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        s.deploy("f1", generated("x"))
        env = {"EDGE_SERVER": s.admin_url, "EDGE_ADMIN_TOKEN": TOKEN}
        out = run_cli("alias", "f1", "live", str(HUGE), code=1, env=env)
        assert f"400: version must be a whole number {RANGE}, got {HUGE}" in out
        out = run_cli("delete", "f1", "--version", str(HUGE), code=1, env=env)
        assert f"400: version must be a whole number {RANGE}" in out
        for weight in ("nan", "inf", "-inf", "1.5", "0"):
            out = run_cli("alias", "f1", "live", "1", "--canary", f"3:{weight}", code=2, env=env)
            assert "--canary" in out and "between 0 and 1" in out
        assert s.admin.get("/v1/functions/f1").json()["aliases"] == {}
        gone = s.admin.delete("/v1/functions/f1/aliases/latest")  # nothing stored under it now: not found
        assert gone.status_code == 404 and "latest" in gone.json()["error"]["message"], gone.text
    finally:
        s.stop()


# -- 4. the alias name `latest` is reserved -------------------------------------------------------


def test_latest_is_not_an_alias_name():
    for name in ("latest", "LATEST", "Latest"):
        assert not names.is_alias_name(name) and names.is_alias_syntax(name)
        with pytest.raises(names.BadName, match="reserved"):
            names.check_alias(name)
        with pytest.raises(names.BadName, match="leave the qualifier out"):
            names.check_qualifier(name)
    assert names.is_alias_name("latest2") and names.check_qualifier("live") == "live"


def test_api_and_manifest_refuse_latest(server, tmp_path):
    server.deploy("f1", generated("x"))
    admin = server.admin
    for alias in ("latest", "LATEST"):
        status, code, message = error(admin.put(f"/v1/functions/f1/aliases/{alias}", json={"version": 1}))
        assert (status, code) == (400, "bad_request") and "reserved" in message
    r = admin.post("/v1/functions/f1/versions", params={"alias": "latest"}, content=generated("y"))
    assert r.status_code == 400 and "reserved" in r.json()["error"]["message"]
    behaviors = [{"path": "*", "origin": "site", "viewer_request": "f1:latest"}]
    status, code, message = error(admin.put("/v1/behaviors", json={"behaviors": behaviors}))
    assert (status, code) == (400, "bad_config") and "qualifier 'latest' is reserved" in message
    assert admin.get("/v1/functions/f1").json()["aliases"] == {}
    with pytest.raises(ConfigError, match="qualifier 'latest' is reserved"):
        load_manifest(write_manifest(tmp_path, behavior='viewer_request = "f:latest"'))
    out = run_cli("alias", "f1", "latest", "1", "--server", "http://127.0.0.1:9", code=2)
    assert "reserved" in out and "cannot reach" not in out


def test_an_alias_named_latest_stored_before_can_still_be_deleted(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    s.deploy("f1", generated("x"))
    s.stop()
    with sqlite3.connect(tmp_path / "state" / "store" / "control.db") as db:  # what an older release accepted
        db.execute("INSERT INTO aliases (function, name, version, updated) VALUES ('f1', 'latest', 1, 0)")
        db.execute("INSERT INTO aliases (function, name, version, updated) VALUES ('f1', 'LATEST', 1, 0)")
    db.close()
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        assert sorted(s.admin.get("/v1/functions/f1").json()["aliases"]) == ["LATEST", "latest"]
        assert s.admin.delete("/v1/functions/f1/aliases/latest").status_code == 200
        env = {"EDGE_SERVER": s.admin_url, "EDGE_ADMIN_TOKEN": TOKEN}
        assert "deleted function f1, alias LATEST" in run_cli("delete", "f1", "--alias", "LATEST", code=0, env=env)
        assert s.admin.get("/v1/functions/f1").json()["aliases"] == {}
        gone = s.admin.delete("/v1/functions/f1/aliases/latest")  # nothing stored under it now: not found
        assert gone.status_code == 404 and "latest" in gone.json()["error"]["message"], gone.text
    finally:
        s.stop()


# -- 5. CLI options ----------------------------------------------------------------------------------


@pytest.mark.parametrize("args, option", [
    (["--uri", "/a b"], "--uri"),
    (["--uri", "/a?x=1 2"], "--uri"),
    (["--uri", "/a#frag"], "--uri"),
    (["--uri", "/caf\u00e9"], "--uri"),
    (["--querystring", "a=1\n"], "--querystring"),
    (["--method", "G ET"], "--method"),
    (["--method", "FETCH"], "--method"),
    (["--client-ip", "not-an-ip"], "--client-ip"),
    (["--client-ip", "203.0.113.300"], "--client-ip"),
    (["--header", "Bad Name: v"], "--header"),
    (["--header", "X-A: one\rtwo"], "--header"),
    (["--response-header", "X(y): v"], "--response-header"),
    (["--origin-domain", "a/b"], "--origin-domain"),
])
def test_generate_event_refuses_what_no_request_carries(args, option):
    hook = "origin-response" if option in ("--response-header", "--origin-domain") else "viewer-request"
    out = run_cli("generate-event", hook, *args, code=2)
    assert f"Invalid value for {option}" in out


def test_generate_event_still_takes_good_values():
    out = run_cli("generate-event", "viewer-request", "--uri", "/a%20b?x=1", "-X", "patch", "--client-ip",
                  "2001:db8::1", "-H", "X-Custom_1: v\twith tab", code=0)
    assert '"uri": "/a%20b"' in out and '"method": "PATCH"' in out and '"clientIp": "2001:db8::1"' in out


@pytest.mark.parametrize("option, value", [
    ("--graceful-timeout", "-1"), ("--graceful-timeout", "nan"), ("--graceful-timeout", "inf"),
    ("--graceful-timeout", "1e300"), ("--body-timeout", "nan"), ("--body-timeout", "inf"), ("--body-timeout", "0"),
])
def test_serve_refuses_negative_or_unbounded_seconds(tmp_path, option, value):
    out = run_cli("serve", "-m", str(tmp_path / "absent.toml"), option, value, code=2)
    assert f"Invalid value for '{option}'" in out and "manifest" not in out  # refused before anything ran


# -- 6. prewarm, bounded by the instance pool every function shares -------------------------------


def test_manifest_prewarm_past_the_cap_is_one_line(tmp_path):
    for value in ("5000", str(MAX_PREWARM + 1), '"5"', "true", "-1"):
        with pytest.raises(ConfigError, match=rf"\[functions.f\]: prewarm must be a whole number from 0 to "
                                              rf"{MAX_PREWARM}"):
            load_manifest(write_manifest(tmp_path, function=f"prewarm = {value}"))
    assert load_manifest(write_manifest(tmp_path, function=f"prewarm = {MAX_PREWARM}")).functions["f"].prewarm == 64
    out = run_cli("serve", "-m", str(write_manifest(tmp_path, function="prewarm = 5000")), "--state-dir",
                  str(tmp_path / "state"), code=1)
    assert out.count("\n") == 1 and "prewarm must be a whole number from 0 to 64" in out


def test_api_prewarm_past_the_cap_is_400(server):
    admin = server.admin
    r = admin.post("/v1/functions/hog/versions", content=generated("x"), headers={"X-Edge-Settings": '{"prewarm": 975}'})
    status, code, message = error(r)
    assert (status, code) == (400, "bad_settings") and f"prewarm must be a whole number from 0 to {MAX_PREWARM}" in message
    assert admin.get("/v1/functions").json() == {"functions": []}
    deployed = server.deploy("hog", generated("x"), settings=f'{{"prewarm": {MAX_PREWARM}}}')
    assert deployed["settings"]["prewarm"] == MAX_PREWARM
    out = run_cli("deploy", "--name", "hog", "--prewarm", "65", "--server", "http://127.0.0.1:9",
                  str(Path(__file__)), code=2)
    assert "--prewarm" in out and "cannot reach" not in out
