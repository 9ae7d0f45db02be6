"""Refusals found by a hostile tester: what a refused deploy leaves on disk, text that is not
Unicode or holds control characters, numbers and nesting Python cannot read, data a
database refuses, origin settings that can never be sent, 405 without Allow, admin tokens no
request could match, a binary upload called WAT, and an unbounded number of behaviors.

Every refusal is a 4xx naming the problem, never a 500 (or a 503 asking for a retry that
cannot succeed). Through a real server on loopback, on the SQLite store and a real PostgreSQL,
the real manifest loader and the real CLI."""

from __future__ import annotations

import json
import logging
import os
import socket
import time

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.config.manifest import MAX_BEHAVIORS, MAX_ORIGINS, ConfigError, load_manifest
from edge.control.store import StoreRefused, open_store
from edge.runtime.module import sha256

from . import modules as M
from .control_helpers import TOKEN, ControlServer, generated, manifest_text, padded
from .polling import eventually
from .test_control_api import server  # noqa: F401  (the admin API on SQLite and on a real PostgreSQL)
from .test_legacy_store import set_behaviors, start, store, warnings_about, written  # noqa: F401

BIG_MEMORY = '{"limits": {"memory_bytes": 268435456}}'  # room for M.BIG_INITIAL_MEMORY's 187.5 MiB


def error(r) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    body = r.json()["error"]
    return r.status_code, body["code"], body["message"]


def run_cli(*args: str, code: int, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def raw_status(port: int, head: str) -> int:
    """The status a request head (with no body) is answered with: what a client library refuses to send."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def files_of(server: ControlServer, digest: str) -> list[str]:  # type: ignore[no-untyped-def]
    """This node's module bytes and compiled artifacts for a module (temporary files aside)."""
    blobs = server.state.store.blobs.directory
    artifacts = server.state.plane.runtime.artifacts.directory
    return sorted(p.name for d in (blobs, artifacts) for p in d.glob(f"{digest}.*"))


def shared_blob(server: ControlServer, digest: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the store itself holds the bytes (PostgreSQL's blobs table; SQLite: the directory)."""
    store = server.state.store
    if store.kind == "sqlite":
        return store.blobs.has(digest)
    with store._transaction(read_only=True) as conn:
        return conn.execute("SELECT 1 FROM blobs WHERE sha256 = %s", (digest,)).fetchone() is not None


# -- 1. a refused deploy removes what it wrote ------------------------------------------------------


def test_refused_deploys_leave_no_module_bytes_or_compiled_code(server):
    digests = []
    for i in range(3):  # modules declaring 3,000 pages: past the default 128 MiB memory limit
        module = padded(M.BIG_INITIAL_MEMORY, 256 * 1024 + i)
        digests.append(sha256(module))
        status, code, message = error(server.admin.post("/v1/functions/big/versions", content=module))
        assert (status, code) == (422, "invalid_module") and "memory limit" in message
    for digest in digests:
        assert files_of(server, digest) == [] and not shared_blob(server, digest)
    assert server.admin.get("/v1/functions/big").status_code == 404

    # bytes a stored version uses stay, whatever another deploy of them is refused for
    kept = server.deploy("big", M.BIG_INITIAL_MEMORY, settings=BIG_MEMORY)
    assert eventually(lambda: not server.admin.get("/v1/status").json()["optimizing"], timeout=30)
    before = files_of(server, kept["sha256"])
    assert f"{kept['sha256']}.wasm" in before
    status, code, _ = error(server.admin.post("/v1/functions/other/versions", content=M.BIG_INITIAL_MEMORY))
    assert (status, code) == (422, "invalid_module")
    assert files_of(server, kept["sha256"]) == before and shared_blob(server, kept["sha256"])
    assert server.admin.get("/v1/functions/big/versions/1").status_code == 200


def test_a_refused_deploy_during_another_leaves_its_files_to_the_collection(server):
    module = padded(M.BIG_INITIAL_MEMORY, 64 * 1024)
    digest = sha256(module)
    with server.state.store.blobs.deploying():  # another deploy in progress: nothing may be removed now
        r = server.admin.post("/v1/functions/big/versions", content=module)
        assert r.status_code == 422
        assert f"{digest}.wasm" in files_of(server, digest)
    assert eventually(lambda: files_of(server, digest) == [], timeout=10)  # the watcher's collection, once alone
    assert not shared_blob(server, digest)


# -- 2. strings that are not Unicode text -----------------------------------------------------------


def test_lone_surrogates_are_refused_before_anything_is_stored(server):
    admin = server.admin
    for settings in ('{"env": {"K": "\\ud800"}}', '{"env": {"\\udfff": "v"}}', '{"isolation": "\\ud83d"}'):
        r = admin.post("/v1/functions/s/versions", content=generated("x"), headers={"X-Edge-Settings": settings})
        status, code, message = error(r)
        assert (status, code) == (400, "bad_settings") and "lone surrogate" in message, message
    assert admin.get("/v1/functions").json() == {"functions": []}
    r = admin.put("/v1/behaviors", content=b'{"behaviors": [{"path": "\\ud800", "origin": "site"}]}')
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_json"


def test_listings_show_a_stored_surrogate_escaped(tmp_path, store):  # noqa: F811
    s = start(tmp_path, store)
    try:
        s.deploy("f1", generated("x"))
        with written(tmp_path, store) as tx:  # what an earlier release stored: JSON's escape, kept as given
            settings = json.loads(tx.version("f1", 1).settings)
            settings["env"] = {"K": "\ud800"}
            tx._execute("UPDATE versions SET settings = ? WHERE function = 'f1'", (json.dumps(settings),))
        for path in ("/v1/functions", "/v1/functions/f1", "/v1/functions/f1/versions", "/v1/functions/f1/versions/1"):
            r = s.admin.get(path)
            assert r.status_code == 200, r.text
        assert s.admin.get("/v1/functions/f1/versions/1").json()["settings"]["env"] == {"K": "\\ud800"}
        env = {"EDGE_SERVER": s.admin_url, "EDGE_ADMIN_TOKEN": TOKEN}
        assert "f1" in run_cli("functions", code=0, env=env)
        assert "VERSION" in run_cli("versions", "f1", code=0, env=env)
    finally:
        s.stop()


# -- 3. numbers and nesting Python refuses to read ----------------------------------------------------


def test_numbers_and_nesting_past_what_python_reads_are_400(server):
    admin = server.admin
    server.deploy("ok", generated("x"))
    huge = "9" * 5000
    for settings, wanted in ((huge, "number thousands of digits long"), ("[" * 5000, "nested too deeply"),
                             ('{"limits": {"fuel": ' + huge + "}}", "number thousands of digits long"),
                             ('{"env": ' + "[" * 40 + "]" * 40 + "}", "nested more than 32 levels")):
        r = admin.post("/v1/functions/ok/versions", content=generated("y"), headers={"X-Edge-Settings": settings})
        status, code, message = error(r)
        assert (status, code) == (400, "bad_settings") and wanted in message, message
    for method in ("GET", "DELETE"):
        status, _, message = error(admin.request(method, f"/v1/functions/ok/versions/{huge}"))
        assert status == 400 and message.startswith("version must be a whole number from 1 to") \
            and "(5000 digits)" in message, message
    status, _, message = error(admin.get("/v1/logs", params={"limit": huge}))
    assert status == 400 and message.startswith("limit must be a whole number from 1 to 50000"), message
    deep = b"[" * 1000 + b"]" * 1000
    deeper = b"[" * 3000 + b"]" * 3000
    for method, path, body in (
        ("PUT", "/v1/behaviors", b'{"behaviors": ' + deep + b"}"),
        ("PUT", "/v1/config", b'{"origins": {"site": {"root": ' + deep + b"}}}"),
        ("PUT", "/v1/origins", b'{"origins": ' + deeper + b"}"),
        ("PUT", "/v1/behaviors", b'{"behaviors": [{"path": "*", "origin": "site", "cache": {"min_ttl": '
         + huge.encode() + b"}}]}"),
        ("PUT", "/v1/functions/ok/aliases/live", b'{"version": ' + huge.encode() + b"}"),
        ("PUT", "/v1/functions/ok/aliases/live", b'{"version": 1, "canary": ' + deep + b"}"),
        ("POST", "/v1/invalidations", b'{"paths": ' + deep + b"}"),
        ("POST", "/v1/functions/ok/invoke", deeper),
    ):
        r = admin.request(method, path, content=body)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["error"]["code"] in ("bad_json", "bad_request", "bad_config"), r.text
    for path in ("/v1/functions/ok/versions", "/v1/behaviors"):  # an upload, a JSON body
        for length in ("9" * 40, "9" * 5000):
            status = raw_status(server.admin_port, f"{'POST' if 'versions' in path else 'PUT'} {path} HTTP/1.1\r\n"
                                f"Host: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: {length}\r\n\r\n")
            assert status in (400, 413), (path, len(length), status)
    assert admin.get("/v1/functions/ok").json()["latest"] == 1  # nothing changed


# -- 4 and 7. descriptions: no NUL (PostgreSQL cannot store it), no control characters -------------------


@pytest.mark.parametrize("description", ["a\0b", "\x1b]0;pwned\x07", "two\nlines", "tab\there", "csi\x9b2J",
                                         "del\x7f"])
def test_descriptions_with_control_characters_are_400_on_both_stores(server, description):
    r = server.admin.post("/v1/functions/d/versions", content=generated("x"), params={"description": description})
    status, code, message = error(r)
    assert (status, code) == (400, "bad_request") and "description holds the control character U+" in message
    assert "retry-after" not in r.headers
    assert server.admin.get("/v1/functions").json() == {"functions": []}
    ok = server.deploy("d", generated("x"), expect=201)
    assert ok["description"] == ""
    r = server.admin.post("/v1/functions/d/versions", content=generated("y"),
                          params={"description": "caf\u00e9 \u2014 v2 \U0001f680"})
    assert r.status_code == 201 and r.json()["description"] == "caf\u00e9 \u2014 v2 \U0001f680"
    status, code, message = error(server.admin.post("/v1/functions/d/versions", content=generated("z"),
                                                    params={"description": "x" * 257}))
    assert (status, code) == (400, "bad_request") and "at most 256" in message, message


def test_a_value_postgresql_refuses_is_a_refusal_not_a_busy_store(pg_url, tmp_path):
    store = open_store(pg_url, cache_dir=tmp_path / "cache")
    try:
        with pytest.raises(StoreRefused, match="NUL"):
            with store.write() as tx:
                tx.insert_version("f", "0" * 64, 1, "edge-reactor/v1", "{}", "a\0b", "api")
        with pytest.raises(StoreRefused, match="out of range"):
            with store.write() as tx:
                tx.insert_version("f", "0" * 64, 2**70, "edge-reactor/v1", "{}", "", "api")
        assert store.health.up and store.function_names() == set()
    finally:
        store.close()


def test_cli_prints_stored_control_characters_escaped(tmp_path, store):  # noqa: F811
    s = start(tmp_path, store)
    try:
        s.deploy("f1", generated("x"))
        with written(tmp_path, store) as tx:  # stored by a release that did not refuse them
            tx._execute("UPDATE versions SET description = ? WHERE function = 'f1'", ("x\x1b]0;pwned\x07\x9b2J",))
        out = run_cli("versions", "f1", code=0, env={"EDGE_SERVER": s.admin_url, "EDGE_ADMIN_TOKEN": TOKEN})
        assert "x\\x1b]0;pwned\\x07\\x9b2J" in out
        assert not any(c in out for c in "\x1b\x07\x9b")
    finally:
        s.stop()


# -- 5. origin settings that can never be sent ----------------------------------------------------------


S3 = {"type": "s3", "domain_name": "b.s3.us-east-1.amazonaws.com", "region": "us-east-1"}
ORIGIN_REFUSALS = [
    ({"url": "http://127.0.0.1:9", "custom_headers": {"X-A": "one\r\nX-Injected: 1"}},
     "[origins.api]: custom_headers 'X-A' has the control character U+000D at character 3"),
    ({"url": "http://127.0.0.1:9", "custom_headers": {"X-A": "nul\0"}}, "custom_headers 'X-A' has the control"),
    ({"url": "http://127.0.0.1:9", "custom_headers": {"X-A": " padded"}}, "leading or trailing whitespace"),
    ({"url": "http://127.0.0.1:9", "custom_headers": {"X-A": "\u20ac"}}, "custom_headers 'X-A' has '\u20ac' (U+20AC)"),
    ({"url": "http://127.0.0.1:9", "custom_headers": {"Bad Name": "v"}},
     "[origins.api]: custom_headers name 'Bad Name' is not an HTTP header name"),
    ({"url": "http://127.0.0.1:9", "custom_headers": {"X:Y": "v"}}, "name 'X:Y' is not an HTTP header name"),
    ({"url": "http://127.0.0.1:9", "custom_headers": {"": "v"}}, "name '' is not an HTTP header name"),
    # framing and the edge's own headers, as CloudFront refuses them (a Transfer-Encoding of ours would
    # desynchronise the origin connection)
    ({"url": "http://127.0.0.1:9", "custom_headers": {"Transfer-Encoding": "chunked"}},
     "'Transfer-Encoding' cannot be a custom origin header"),
    ({"url": "http://127.0.0.1:9", "custom_headers": {"content-length": "5"}}, "'content-length' cannot be a custom"),
    ({"url": "http://127.0.0.1:9", "custom_headers": {"Host": "other.example"}}, "'Host' cannot be a custom"),
    ({"url": "http://127.0.0.1:9", "custom_headers": {"X-Amz-Cf-Id": "x"}}, "'X-Amz-Cf-Id' cannot be a custom"),
    ({"url": "http://127.0.0.1:9/a\r\nX-Injected: 1"}, "[origins.api]: url has U+000D at character"),
    ({"url": "http://127.0.0.1:9/a b"}, "[origins.api]: url has U+0020 at character 20"),
    ({"url": "http://127.0.0.1:9/a\tb"}, "url has U+0009"),
    ({"url": "http://127.0.0.1:9/\x7f"}, "url has U+007F"),
    ({**S3, "endpoint": "http://127.0.0.1:9/\nx"}, "[origins.api]: endpoint has U+000A"),
    ({**S3, "endpoint": "http://127.0.0.1:9", "custom_headers": {"X-A": "a\nb"}},
     "[origins.api]: custom_headers 'X-A' has the control character U+000A"),
]


@pytest.mark.parametrize("api, wanted", ORIGIN_REFUSALS)
def test_origin_settings_that_cannot_be_sent_are_400_naming_origin_and_key(server, api, wanted):
    admin = server.admin
    before = admin.get("/v1/config").json()
    origins = {"site": before["origins"]["site"], "api": api}
    for path in ("/v1/origins", "/v1/config"):
        status, code, message = error(admin.put(path, json={"origins": origins}))
        assert (status, code) == (400, "bad_config") and wanted in message, message
    assert admin.get("/v1/config").json() == before


@pytest.mark.parametrize("api, wanted", ORIGIN_REFUSALS)
def test_the_manifest_refuses_them_with_the_same_message(tmp_path, api, wanted):
    manifest = tmp_path / "m.toml"
    lines = [f"{key} = {json.dumps(value)}" for key, value in api.items() if key != "custom_headers"]
    if "custom_headers" in api:  # TOML's basic strings take JSON's escapes
        pairs = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in api["custom_headers"].items())
        lines.append(f"custom_headers = {{ {pairs} }}")
    manifest.write_text(manifest_text() + "\n[origins.api]\n" + "\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as caught:
        load_manifest(manifest)
    assert str(caught.value).startswith(f"{manifest}: [origins.api]: ") and wanted in str(caught.value)


def test_good_origin_settings_still_work(server):
    site = server.admin.get("/v1/origins").json()["origins"]["site"]
    api = {"url": "http://127.0.0.1:9/p%20q", "custom_headers": {"X-Origin-Secret": "s3 cr\tet", "X-L1": "caf\u00e9",
                                                                  "x!#$%&'*+-.^_`|~1": ""}}
    r = server.admin.put("/v1/origins", json={"origins": {"site": site, "api": api}})
    assert r.status_code == 200, r.text


def test_stored_origins_that_cannot_be_sent_keep_serving_as_before(tmp_path, store, caplog):  # noqa: F811
    s = start(tmp_path, store)
    site = s.admin.get("/v1/origins").json()["origins"]["site"]
    s.stop()
    bad = {"url": "http://127.0.0.1:9", "custom_headers": {"X-A": "a\r\nb"}}
    with written(tmp_path, store) as tx:  # accepted by an earlier release
        set_behaviors(tx, [{"path": "/api/*", "origin": "api"}, {"path": "*", "origin": "site"}],
                      {"site": site, "api": bad})
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        assert s.edge.get("/").status_code == 200  # the stored routing is served, not refused whole
        assert [b.pattern for b in s.state.manifest.behaviors] == ["/api/*", "*"]
        [note] = warnings_about(caplog, "custom_headers 'X-A' has the control character")
        assert note.startswith("stored origins: [origins.api]:") and "PUT /v1/origins" in note
        status, _, message = error(s.admin.put("/v1/origins", json={"origins": {"site": site, "api": bad}}))
        assert status == 400 and "custom_headers 'X-A'" in message
        behaviors = [{"path": "/api2/*", "origin": "api"}, {"path": "*", "origin": "site"}]
        assert s.admin.put("/v1/behaviors", json={"behaviors": behaviors}).status_code == 200  # origins kept as stored
    finally:
        s.stop()


# -- 6. 405 names what is allowed ------------------------------------------------------------------------


@pytest.mark.parametrize("method, path, allow", [
    ("PATCH", "/v1/functions", "GET, HEAD"),
    ("PUT", "/v1/functions/f", "DELETE, GET, HEAD"),
    ("POST", "/v1/config", "GET, HEAD, PUT"),
    ("GET", "/v1/invalidations", "POST"),
    ("DELETE", "/v1/functions/f/versions", "GET, HEAD, POST"),
])
def test_405_carries_allow(server, method, path, allow):
    r = server.admin.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow
    assert r.json()["error"]["code"] == "method_not_allowed" and f"(it takes {allow})" in r.json()["error"]["message"]


# -- 7. admin tokens no request could match ----------------------------------------------------------------


@pytest.mark.parametrize("token, wanted", [
    ("   ", "is only whitespace"),
    ("\t", "is only whitespace"),
    (" s3cret ", "leading or trailing whitespace"),
    ("s3cret\n", "leading or trailing whitespace"),
    ("t\u00f6ken", "has '\u00f6' (U+00F6) at character 1"),
    ("two words", "has U+0020 at character 3"),
])
def test_serve_refuses_an_admin_token_nobody_could_send(tmp_path, token, wanted):
    (tmp_path / "m.toml").write_text(manifest_text())
    for host in ("127.0.0.1", "0.0.0.0"):
        out = run_cli("serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "state"),
                      "--admin-host", host, code=2, env={"EDGE_ADMIN_TOKEN": token})
        assert "the admin token (--admin-token or EDGE_ADMIN_TOKEN)" in out and wanted in out, out


@pytest.mark.parametrize("token, wanted", [
    ("t\u00f6ken", "has '\u00f6' (U+00F6) at character 1"),
    ("s3cret ", "leading or trailing whitespace"),
    ("  ", "is only whitespace"),
])
def test_cli_says_what_is_wrong_with_its_token(token, wanted):
    out = run_cli("functions", "--server", "http://127.0.0.1:9", "--token", token, code=1)
    assert "the admin token (--token or EDGE_ADMIN_TOKEN) " in out and wanted in out, out
    assert "cannot reach" not in out and "UnicodeEncodeError" not in out


# -- 8. what is neither Wasm, WAT nor JavaScript -------------------------------------------------------


def test_a_binary_upload_is_not_called_wat(server):
    size = 5 * 1024 * 1024  # past the 4 MiB limit of WAT text
    # random bytes; text (as WAT starts) up to past what detection sees, then binary; a small one
    for body in (os.urandom(size), b"(module" + b" " * 600 + os.urandom(size), os.urandom(1000)):
        status, code, message = error(server.admin.post("/v1/functions/bin/versions", content=body))
        assert (status, code) == (400, "not_wasm"), message
        assert "not a WebAssembly module (it does not start with the \\0asm magic bytes), nor WAT text, nor " \
               "JavaScript: it is binary data" in message
        assert "WAT text of" not in message
    status, code, message = error(server.admin.post("/v1/functions/txt/versions", content=b"hello " * 1000))
    assert (status, code) == (400, "not_wasm") and "it is text, but neither WAT" in message
    big_wat = (b";; " + b"x" * 100 + b"\n") * (size // 104) + b"(module)"
    status, code, message = error(server.admin.post("/v1/functions/txt/versions", content=big_wat))
    assert (status, code) == (413, "too_large") and "WAT text of" in message  # text that is WAT: its own limit
    assert server.admin.get("/v1/functions").json() == {"functions": []}


# -- 9. a bounded number of behaviors ----------------------------------------------------------------------


def behaviors(count: int) -> list[dict]:
    return [{"path": f"/p{i}/*", "origin": "site"} for i in range(count - 1)] + [{"path": "*", "origin": "site"}]


def test_behaviors_past_the_cap_are_400_at_once(server):
    admin = server.admin
    started = time.monotonic()
    status, code, message = error(admin.put("/v1/behaviors", json={"behaviors": behaviors(20_000)}))
    assert (status, code) == (400, "bad_config") and f"more than the {MAX_BEHAVIORS} allowed" in message
    assert "lists 20000 behaviors" in message and time.monotonic() - started < 5
    status, code, _ = error(admin.put("/v1/config", json={"behaviors": behaviors(MAX_BEHAVIORS + 1)}))
    assert (status, code) == (400, "bad_config")
    assert admin.put("/v1/behaviors", json={"behaviors": behaviors(MAX_BEHAVIORS)}).status_code == 200


def test_the_manifest_caps_behaviors_too(tmp_path):
    text = manifest_text().replace('[[behaviors]]\npath = "*"', "".join(
        f'[[behaviors]]\npath = "/p{i}/*"\norigin = "site"\n\n' for i in range(MAX_BEHAVIORS)) +
        '[[behaviors]]\npath = "*"')
    (tmp_path / "m.toml").write_text(text)
    with pytest.raises(ConfigError, match=f"lists {MAX_BEHAVIORS + 1} behaviors, more than the {MAX_BEHAVIORS}"):
        load_manifest(tmp_path / "m.toml")


def test_more_behaviors_stored_by_an_earlier_release_keep_serving(tmp_path, store, caplog):  # noqa: F811
    s = start(tmp_path, store)
    s.stop()
    with written(tmp_path, store) as tx:
        set_behaviors(tx, behaviors(MAX_BEHAVIORS + 5))
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        assert len(s.state.manifest.behaviors) == MAX_BEHAVIORS + 5
        [note] = warnings_about(caplog, f"lists {MAX_BEHAVIORS + 5} behaviors")
        assert note.startswith("stored behaviors: [[behaviors]] lists") and "PUT /v1/behaviors" in note
        site = s.admin.get("/v1/origins").json()["origins"]["site"]
        assert s.admin.put("/v1/origins", json={"origins": {"site": site}}).status_code == 200  # behaviors kept
        assert len(s.admin.get("/v1/behaviors").json()["behaviors"]) == MAX_BEHAVIORS + 5
        status, _, message = error(s.admin.put("/v1/behaviors", json={"behaviors": behaviors(MAX_BEHAVIORS + 5)}))
        assert status == 400 and "more than the" in message
    finally:
        s.stop()


# -- 10. a bounded number of origins ------------------------------------------------------------------


def origins(site: dict, count: int) -> dict:
    return {"site": site} | {f"o{i}": {"url": f"http://127.0.0.1:9/{i}"} for i in range(count - 1)}


def test_origins_past_the_cap_are_400_at_once(server):
    admin = server.admin
    site = admin.get("/v1/origins").json()["origins"]["site"]
    started = time.monotonic()
    status, code, message = error(admin.put("/v1/origins", json={"origins": origins(site, 20_000)}))
    assert (status, code) == (400, "bad_config") and f"more than the {MAX_ORIGINS} allowed" in message
    assert "declares 20000 origins" in message and "allow_hosts" in message and time.monotonic() - started < 5
    status, code, _ = error(admin.put("/v1/config", json={"origins": origins(site, MAX_ORIGINS + 1)}))
    assert (status, code) == (400, "bad_config")
    assert admin.put("/v1/origins", json={"origins": origins(site, MAX_ORIGINS)}).status_code == 200
    assert len(admin.get("/v1/origins").json()["origins"]) == MAX_ORIGINS


def test_the_manifest_caps_origins_too(tmp_path):
    extra = "".join(f'[origins.o{i}]\nurl = "http://127.0.0.1:9/{i}"\n\n' for i in range(MAX_ORIGINS))
    (tmp_path / "m.toml").write_text(extra + manifest_text())
    with pytest.raises(ConfigError, match=f"declares {MAX_ORIGINS + 1} origins, more than the {MAX_ORIGINS}"):
        load_manifest(tmp_path / "m.toml")


def test_more_origins_stored_by_an_earlier_release_keep_serving(tmp_path, store, caplog):  # noqa: F811
    s = start(tmp_path, store)
    site = s.admin.get("/v1/origins").json()["origins"]["site"]
    behaviors_now = s.admin.get("/v1/behaviors").json()["behaviors"]
    s.stop()
    with written(tmp_path, store) as tx:
        set_behaviors(tx, behaviors_now, origins(site, MAX_ORIGINS + 3))
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        assert len(s.state.manifest.origins) == MAX_ORIGINS + 3
        [note] = warnings_about(caplog, f"declares {MAX_ORIGINS + 3} origins")
        assert note.startswith("stored origins: [origins] declares") and "PUT /v1/origins" in note
        status, _, message = error(s.admin.put("/v1/origins", json={"origins": origins(site, MAX_ORIGINS + 3)}))
        assert status == 400 and "more than the" in message
    finally:
        s.stop()


def test_without_a_token_a_request_an_edge_forwarded_is_refused(tmp_path):
    """Loopback trust (no token) must not extend to what an edge forwards to loopback: its Via
    names the edge. With a token the token decides, as for any client."""
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state", token=None).start()
    try:
        via = {"Via": "1.1 0123456789abcdef.edge (edge)"}
        r = s.admin.post("/v1/functions/f/versions", content=generated("v1"), headers=via)
        assert r.status_code == 403 and "an edge forwarded (Via)" in r.json()["error"]["message"], r.text
        assert s.admin.get("/v1/functions", headers={"Via": "1.0 proxy, 1.1 x.edge (edge)"}).status_code == 403
        assert s.admin.get("/v1/functions", headers={"Via": "1.1 some-proxy"}).status_code == 200
        assert s.admin.get("/v1/functions").json() == {"functions": []}
    finally:
        s.stop()
    t = ControlServer(tmp_path / "m.toml", tmp_path / "state2").start()
    try:
        assert t.admin.get("/v1/functions", headers={"Via": "1.1 x.edge (edge)"}).status_code == 200
    finally:
        t.stop()
