"""The admin API's contract through a real server: Hypercorn on loopback (edge and admin
listeners), real SQLite store, real Wasm modules."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from edge.server.listeners import ListenerError, check_admin
from edge.server.state import ServerOptions

from . import modules as M
from .control_helpers import TOKEN, ControlServer, generated, manifest_text, padded

EVENT = (Path(__file__).resolve().parents[1] / "samples" / "events" / "viewer-request.json").read_bytes()


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request, tmp_path):
    """The admin API on each store: SQLite, and a real PostgreSQL (a fresh schema per test)."""
    store = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state", store=store).start()
    yield s
    s.stop()


def body(r: httpx.Response) -> str:
    return r.text


# -- auth ------------------------------------------------------------------------------------


def test_missing_or_wrong_token_is_401_and_changes_nothing(server):
    bare = httpx.Client(base_url=server.admin_url)
    try:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {TOKEN}"},
                        {"Authorization": f"Bearer {TOKEN}x"}):
            r = bare.post("/v1/functions/f/versions", content=generated("v1"), headers=headers)
            assert r.status_code == 401, r.text
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert "token" in r.json()["error"]["message"]
            assert bare.get("/v1/functions", headers=headers).status_code == 401
    finally:
        bare.close()
    assert server.admin.get("/v1/functions").json() == {"functions": []}


def test_browser_requests_are_refused(server):
    r = server.admin.post("/v1/functions/f/versions", content=generated("v1"), headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "web pages" in r.json()["error"]["message"]
    assert server.admin.get("/v1/functions").json() == {"functions": []}


def test_without_a_token_only_loopback_host_names_are_served(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state", token=None).start()
    try:
        assert s.admin.get("/v1/functions").status_code == 200
        assert s.admin.get("/v1/functions", headers={"Host": "localhost:1234"}).status_code == 200
        r = s.admin.post("/v1/functions/f/versions", content=generated("v1"), headers={"Host": "rebound.example"})
        assert r.status_code == 403 and "loopback" in r.json()["error"]["message"]
        assert s.admin.get("/v1/functions").json() == {"functions": []}
    finally:
        s.stop()


def test_admin_api_is_not_reachable_from_the_edge_listener(server):
    r = server.edge.get("/v1/functions", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 404  # the static site's answer, not the admin API
    assert "functions" not in r.text


def test_non_loopback_admin_without_token_is_refused():
    open_options = ServerOptions(manifest="m.toml", admin_host="0.0.0.0", admin_port=9001)
    with pytest.raises(ListenerError, match="non-loopback"):
        check_admin(open_options, 9000)
    check_admin(ServerOptions(manifest="m.toml", admin_host="0.0.0.0", admin_port=9001, admin_token="t"), 9000)
    check_admin(ServerOptions(manifest="m.toml", admin_host="127.0.0.1", admin_port=9001), 9000)
    check_admin(ServerOptions(manifest="m.toml", admin_host="::1", admin_port=9001), 9000)
    with pytest.raises(ListenerError, match="edge port"):
        check_admin(ServerOptions(manifest="m.toml", admin_host="127.0.0.1", admin_port=9000), 9000)


# -- deploy ----------------------------------------------------------------------------------


def test_deploy_publishes_an_immutable_numbered_version(server):
    first = server.deploy("hello", generated("v1"), alias="live")
    assert first["version"] == 1 and first["created"] is True
    assert len(first["sha256"]) == 64 and first["abi"] == "edge-reactor/v1"
    assert first["compile_ms"] > 0 and first["alias"]["version"] == 1
    server.associate("/fn/*", "hello:live")
    assert server.edge.get("/fn/a").text == "v1"
    second = server.deploy("hello", padded(generated("v2"), 4096), alias="live")  # raw .wasm bytes
    assert second["version"] == 2 and second["sha256"] != first["sha256"]
    assert server.edge.get("/fn/a").text == "v2"
    described = server.admin.get("/v1/functions/hello/versions/1").json()
    assert described["sha256"] == first["sha256"] and described["aliases"] == []
    assert server.admin.post("/v1/functions/hello/invoke?qualifier=1", content=EVENT).json()["result"]["body"] == "v1"


def test_redeploying_identical_bytes_reuses_the_stored_artifact(server):
    first = server.deploy("f", generated("same"))
    again = server.deploy("f", generated("same"), expect=200)
    assert again["version"] == first["version"] and again["created"] is False
    # same bytes, other settings: a new version, nothing recompiled
    other = server.deploy("f", generated("same"), settings='{"limits": {"timeout_ms": 50}}', expect=201)
    assert other["version"] == 2 and other["sha256"] == first["sha256"]
    assert other["settings"]["limits"] == {"timeout_ms": 50}
    # another function with those bytes: read from the artifact store, not compiled
    assert first["from_artifact"] is False and again["from_artifact"] is True
    third = server.deploy("g", generated("same"))
    assert third["from_artifact"] is True


def test_unknown_imports_are_422_naming_them(server):
    r = server.admin.post("/v1/functions/bad/versions", content=M.UNKNOWN_IMPORT)
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert "env::fetch" in message and "edge::http_get" in message
    assert server.admin.get("/v1/functions/bad").status_code == 404


@pytest.mark.parametrize("payload, fragment", [
    (b"\0asm\x01\0\0\0\x99garbage", "invalid WebAssembly"),
    (b"this is not wasm", "not a WebAssembly module"),
    (b"\xff\xfe\xfd", "not a WebAssembly module"),
    (b"", "empty upload"),
    # the engine's cause, not only its context line (failed to compile: wasm[0]::function[0]::f)
    (b"(module (func $f (param i32) (result i32) local.get 1))",
     ("wasm[0]::function[0]::f: WebAssembly translation error: Invalid input WebAssembly code at offset 25: "
      "unknown local 1: local index out of bounds")),
    (b"(module (func $f (param i32) (result i32) local.get $nope))",
     "failed to find name `$nope` (line 1, column 53)"),
])
def test_not_wasm_is_400_with_the_engines_message(server, payload, fragment):
    r = server.admin.post("/v1/functions/bad/versions", content=payload)
    assert r.status_code == 400 and fragment in r.json()["error"]["message"], r.text


@pytest.mark.parametrize("module, fragment", [
    (M.WRONG_ABI, "ABI version 99"),
    (M.NOT_EDGE, "neither an edge reactor"),
])
def test_modules_that_cannot_run_are_422(server, module, fragment):
    r = server.admin.post("/v1/functions/bad/versions", content=module)
    assert r.status_code == 422 and fragment in r.json()["error"]["message"], r.text


def test_oversized_upload_is_413_without_reading_it(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state", max_upload_bytes=64 * 1024).start()
    try:
        declared = s.admin.post("/v1/functions/big/versions", content=padded(generated("x"), 65 * 1024))
        assert declared.status_code == 413 and "65536-byte limit" in declared.json()["error"]["message"]

        def chunks():  # no Content-Length: refused once the limit is passed
            for _ in range(1024):
                yield b"\0" * 1024

        streamed = s.admin.post("/v1/functions/big/versions", content=chunks())
        assert streamed.status_code == 413
        assert s.admin.get("/v1/functions/big").status_code == 404
        assert s.deploy("small", generated("ok"))["version"] == 1  # the server is fine
    finally:
        s.stop()


@pytest.mark.parametrize("settings, fragment", [
    ('{"limits": {"timeout": 5}}', "unknown limit"),
    ('{"isolation": "shared"}', "isolation must be one of"),
    ('{"colour": "red"}', "unknown setting"),
    ('{"env": {"A": 1}}', "env must be an object of strings"),
    ("{not json", "not valid JSON"),
])
def test_bad_settings_are_400(server, settings, fragment):
    r = server.admin.post("/v1/functions/f/versions", content=generated("x"), headers={"X-Edge-Settings": settings})
    assert r.status_code == 400 and fragment in r.json()["error"]["message"], r.text


def test_bad_names_are_400(server):
    assert server.admin.post("/v1/functions/a.b/versions", content=generated("x")).status_code == 400
    r = server.admin.post("/v1/functions/f/versions", params={"alias": "12"}, content=generated("x"))
    assert r.status_code == 400 and "alias name" in r.json()["error"]["message"]


def test_concurrent_deploys_get_consecutive_versions(server):
    modules = {f"c{i}": generated(f"c{i}") for i in range(12)}
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda body: server.deploy("many", body), modules.values()))
    assert sorted(r["version"] for r in results) == list(range(1, 13))
    listed = server.admin.get("/v1/functions/many/versions").json()["versions"]
    assert [v["version"] for v in listed] == list(range(1, 13))
    by_version = {r["version"]: r["sha256"] for r in results}
    assert all(v["sha256"] == by_version[v["version"]] for v in listed)
    for r in results:  # every version runs the module it was deployed with
        out = server.admin.post("/v1/functions/many/invoke", params={"qualifier": r["version"]}, content=EVENT)
        assert modules[out.json()["result"]["body"]] is not None
        assert json.loads(out.text)["version"] == r["version"]


# -- aliases ---------------------------------------------------------------------------------


def test_alias_moves_atomically_and_rolls_back(server):
    for n in (1, 2, 3):
        server.deploy("fn", generated(f"v{n}"), alias="live")
    server.associate("/fn/*", "fn:live")
    assert server.edge.get("/fn/").text == "v3"
    r = server.admin.put("/v1/functions/fn/aliases/live", json={"version": 1})
    assert r.status_code == 200 and r.json()["version"] == 1
    assert server.edge.get("/fn/").text == "v1"
    assert server.admin.post("/v1/functions/fn/aliases/live/rollback").json()["version"] == 3
    assert server.edge.get("/fn/").text == "v3"
    assert server.admin.post("/v1/functions/fn/aliases/live/rollback").json()["version"] == 2
    assert server.admin.post("/v1/functions/fn/aliases/live/rollback").json()["version"] == 1
    r = server.admin.post("/v1/functions/fn/aliases/live/rollback")
    assert r.status_code == 409 and "no earlier target" in r.json()["error"]["message"]


@pytest.mark.parametrize("payload, status, fragment", [
    ({"version": 9}, 404, "no version 9"),
    ({"version": "1"}, 400, "version must be"),
    ({"version": 1, "canary": {"version": 2, "weight": 1.5}}, 400, "between 0 and 1"),
    ({"version": 1, "canary": {"version": 1, "weight": 0.5}}, 400, "must differ"),
    ({"version": 1, "canary": {"version": 7, "weight": 0.5}}, 404, "no version 7"),
    ({"version": 1, "extra": 1}, 400, "expected"),
])
def test_bad_alias_moves_are_refused(server, payload, status, fragment):
    server.deploy("fn", generated("v1"), alias="live")
    server.deploy("fn", generated("v2"))
    r = server.admin.put("/v1/functions/fn/aliases/live", json=payload)
    assert r.status_code == status and fragment in r.json()["error"]["message"], r.text
    assert server.admin.get("/v1/functions/fn").json()["aliases"]["live"]["version"] == 1


def test_alias_moves_under_load_fail_no_request(server):
    server.deploy("fn", generated("v1"), alias="live")
    server.deploy("fn", generated("v2"))
    server.associate("/fn/*", "fn:live")
    stop = threading.Event()
    seen: list[tuple[int, str]] = []

    def load() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            while not stop.is_set() and len(seen) < 20_000:
                r = client.get("/fn/x")
                seen.append((r.status_code, r.text))

    workers = [threading.Thread(target=load) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        for i in range(40):
            r = server.admin.put("/v1/functions/fn/aliases/live", json={"version": 1 + i % 2})
            assert r.status_code == 200
    finally:
        stop.set()
        for w in workers:
            w.join(30)
    assert len(seen) > 40
    assert {status for status, _ in seen} == {200}
    assert {text for _, text in seen} <= {"v1", "v2"}


def test_canary_splits_requests_by_weight(server):
    server.deploy("fn", generated("stable"), alias="live")
    server.deploy("fn", generated("canary"))
    r = server.admin.put("/v1/functions/fn/aliases/live", json={"version": 1, "canary": {"version": 2, "weight": 0.25}})
    assert r.json()["canary"] == {"version": 2, "weight": 0.25}
    server.associate("/fn/*", "fn:live")
    n = 1200
    with ThreadPoolExecutor(6) as pool:
        texts = list(pool.map(lambda _: server.edge.get("/fn/x").text, range(n)))
    share = texts.count("canary") / n
    assert texts.count("stable") + texts.count("canary") == n
    # binomial(1200, 0.25): sd = 0.0125, so +-0.06 is almost 5 sd
    assert 0.19 <= share <= 0.31, share


def test_request_in_flight_finishes_on_the_version_it_started_with(tmp_path, origin):
    (tmp_path / "m.toml").write_text(manifest_text(f'[origins.api]\nurl = "{origin.server.url}"\n'))
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        first = M.returning('{"status":"200","statusDescription":"OK","headers":{},"body":"v1"}')
        s.deploy("late", first, alias="live")
        behaviors = s.admin.get("/v1/behaviors").json()["behaviors"]
        # the query string reaches the origin (its ?s= is how long it holds the request: the first 2 s, the last none)
        slow = {"path": "/slow*", "origin": "api", "cache": "disabled", "forward": {"query_strings": "all"},
                "origin_response": "late:live"}
        assert s.admin.put("/v1/behaviors", json={"behaviors": [slow, *behaviors]}).status_code == 200
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(s.edge.get, "/slow?s=2")
            while not any(r["path"] == "/slow" for r in list(origin.requests)):
                threading.Event().wait(0.01)  # the request is at the origin: its hooks are pinned
            second = M.returning('{"status":"200","statusDescription":"OK","headers":{},"body":"v2"}')
            s.deploy("late", second, alias="live")
            assert pending.result(10).text == "v1"
        assert s.edge.get("/slow?s=0").text == "v2"
    finally:
        s.stop()


# -- behaviors and origins -------------------------------------------------------------------


def test_behaviors_and_origins_read_and_replace(server):
    server.deploy("fn", generated("hi"), alias="live")
    config = server.admin.get("/v1/config").json()
    assert config["source"] == "manifest" and set(config["origins"]) == {"site"}
    new = {"behaviors": [
        {"path": "/hi", "origin": "site", "viewer_request": "fn:live"},
        {"path": "/one", "origin": "site", "viewer_request": "fn:1"},
        {"path": "*", "origin": "site"},
    ]}
    r = server.admin.put("/v1/behaviors", json=new)
    assert r.status_code == 200 and len(r.json()["behaviors"]) == 3
    assert server.edge.get("/hi").text == "hi" and server.edge.get("/one").text == "hi"
    origins = server.admin.get("/v1/origins").json()["origins"]
    origins["copy"] = dict(origins["site"])
    assert server.admin.put("/v1/origins", json={"origins": origins}).status_code == 200
    assert set(server.admin.get("/v1/config").json()["origins"]) == {"site", "copy"}
    assert server.admin.get("/v1/config").json()["source"] == "api"


def test_cached_methods_round_trip(server):
    cors = {"path": "/cors/*", "origin": "site", "methods": ["GET", "HEAD", "OPTIONS"],
            "cached_methods": ["GET", "HEAD", "OPTIONS"]}
    r = server.admin.put("/v1/behaviors", json={"behaviors": [cors, {"path": "*", "origin": "site"}]})
    assert r.status_code == 200, r.text
    assert server.admin.get("/v1/behaviors").json()["behaviors"][0] == cors
    served = server.state.pipeline.match("/cors/a")
    assert served.cached_methods == {"GET", "HEAD", "OPTIONS"}
    assert server.state.pipeline.match("/other").cached_methods == {"GET", "HEAD"}


@pytest.mark.parametrize("behaviors, fragment", [
    ([{"path": "/x", "origin": "site", "viewer_request": "ghost"}, {"path": "*", "origin": "site"}],
     "function 'ghost' is not declared"),
    ([{"path": "/x", "origin": "site", "viewer_request": "fn:7"}, {"path": "*", "origin": "site"}], "no version 7"),
    ([{"path": "/x", "origin": "site", "viewer_request": "fn:beta"}, {"path": "*", "origin": "site"}],
     "no alias 'beta'"),
    ([{"path": "/x<>", "origin": "site"}, {"path": "*", "origin": "site"}], "has characters outside"),
    ([{"path": "/x", "origin": "nowhere"}, {"path": "*", "origin": "site"}], "not declared in [origins]"),
    ([{"path": "/x", "origin": "site"}], "default"),
    ("not a list", "at least the default behavior"),
    ([{"path": "/x", "origin": "site", "cached_methods": ["GET", "HEAD", "OPTIONS"]}, {"path": "*", "origin": "site"}],
     "cached_methods names OPTIONS, which methods does not allow"),
    ([{"path": "/x", "origin": "site", "cached_methods": ["GET"]}, {"path": "*", "origin": "site"}],
     "not one of CloudFront's choices"),
])
def test_bad_behaviors_are_400_and_nothing_is_applied(server, behaviors, fragment):
    server.deploy("fn", generated("hi"), alias="live")
    server.associate("/fn", "fn:live")
    before = server.admin.get("/v1/config").json()
    r = server.admin.put("/v1/behaviors", json={"behaviors": behaviors})
    assert r.status_code == 400 and fragment in r.json()["error"]["message"], r.text
    assert server.admin.get("/v1/config").json() == before
    assert server.edge.get("/fn").text == "hi"


def test_bad_origins_are_400(server):
    r = server.admin.put("/v1/origins", json={"origins": {"web": {"url": "ftp://x"}}})
    assert r.status_code == 400 and "http://" in r.json()["error"]["message"]  # and 'site' would be missing too
    r = server.admin.put("/v1/config", json={"origins": {}, "behaviors": []})
    assert r.status_code == 400
    r = server.admin.put("/v1/config", json={"routes": []})
    assert r.status_code == 400 and "origins" in r.json()["error"]["message"]
    assert server.admin.put("/v1/config", content=b"{nope").status_code == 400


# -- deletes ---------------------------------------------------------------------------------


def test_deleting_a_referenced_version_is_refused_naming_the_reference(server):
    server.deploy("fn", generated("v1"), alias="live")
    server.deploy("fn", generated("v2"))
    server.deploy("fn", generated("v3"))
    r = server.admin.delete("/v1/functions/fn/versions/1")
    assert r.status_code == 409 and "alias 'live'" in r.json()["error"]["message"]
    server.admin.put("/v1/behaviors", json={"behaviors": [
        {"path": "/two", "origin": "site", "viewer_request": "fn:2"},
        {"path": "/latest", "origin": "site", "viewer_request": "fn"},
        {"path": "*", "origin": "site"}]})
    r = server.admin.delete("/v1/functions/fn/versions/2")
    assert r.status_code == 409 and "'/two'" in r.json()["error"]["message"]
    r = server.admin.delete("/v1/functions/fn/versions/3")
    assert r.status_code == 409 and "latest version" in r.json()["error"]["message"]
    r = server.admin.delete("/v1/functions/fn")
    assert r.status_code == 409 and "still referenced" in r.json()["error"]["message"]
    r = server.admin.delete("/v1/functions/fn/aliases/live")
    assert r.status_code == 200
    assert server.admin.delete("/v1/functions/fn/versions/1").status_code == 200
    assert [v["version"] for v in server.admin.get("/v1/functions/fn/versions").json()["versions"]] == [2, 3]
    assert server.admin.delete("/v1/functions/fn/versions/1").status_code == 404
    server.admin.put("/v1/behaviors", json={"behaviors": [{"path": "*", "origin": "site"}]})
    assert server.admin.delete("/v1/functions/fn").status_code == 200
    assert server.admin.get("/v1/functions").json() == {"functions": []}
    # numbers are never reused, names are
    assert server.deploy("fn", generated("again"))["version"] == 1


def test_deleting_a_referenced_alias_is_refused(server):
    server.deploy("fn", generated("v1"), alias="live")
    server.associate("/fn", "fn:live")
    r = server.admin.delete("/v1/functions/fn/aliases/live")
    assert r.status_code == 409 and "'/fn'" in r.json()["error"]["message"]


# -- test invoke and logs --------------------------------------------------------------------


def test_test_invoke_returns_result_logs_and_report(server):
    server.deploy("echo", M.ECHO)
    r = server.admin.post("/v1/functions/echo/invoke", content=EVENT)
    out = r.json()
    assert r.status_code == 200 and out["ok"] and out["version"] == 1
    assert out["result"] == json.loads(EVENT)
    assert [line["level"] for line in out["logs"]] == ["START", "INFO", "END", "REPORT"]
    assert out["logs"][1]["message"] == "echo called"
    assert out["report"]["fuel_used"] > 0 and out["report"]["peak_memory"] > 0
    assert out["report"]["line"].startswith("REPORT Duration:")
    rid = out["request_id"]
    records = server.admin.get("/v1/logs", params={"function": "echo", "request_id": rid}).json()["records"]
    assert [rec["level"] for rec in records] == ["START", "INFO", "END", "REPORT"]


def test_test_invoke_reports_a_failing_function(server):
    server.deploy("bad", M.HANDLER_ERROR)
    out = server.admin.post("/v1/functions/bad/invoke", content=EVENT).json()
    assert out["ok"] is False and out["error"]["kind"] == "handler_error"
    assert any(line["message"] == "bad input: 42" for line in out["logs"])


def test_test_invoke_errors(server):
    server.deploy("echo", M.ECHO, alias="live")
    assert server.admin.post("/v1/functions/echo/invoke", content=b"{nope").status_code == 400
    assert server.admin.post("/v1/functions/ghost/invoke", content=EVENT).status_code == 404
    r = server.admin.post("/v1/functions/echo/invoke", params={"qualifier": "beta"}, content=EVENT)
    assert r.status_code == 404 and "no alias 'beta'" in r.json()["error"]["message"]
    assert server.admin.post("/v1/functions/echo/invoke", params={"qualifier": "live"}, content=EVENT).json()["ok"]
    weird = json.dumps({"Records": [{"cf": {"config": {"eventType": "sideways"}}}]})
    assert server.admin.post("/v1/functions/echo/invoke", content=weird).status_code == 400


def test_logs_follow_streams_new_records(server):
    server.deploy("echo", M.ECHO)
    server.admin.post("/v1/functions/echo/invoke", content=EVENT)
    got: list[dict] = []
    with server.admin.stream("GET", "/v1/logs", params={"function": "echo", "follow": "1", "limit": 4}) as stream:
        lines = stream.iter_lines()
        for line in lines:
            if line:
                got.append(json.loads(line))
            if len(got) == 4:
                break
        server.admin.post("/v1/functions/echo/invoke", content=EVENT)
        for line in lines:
            if line:
                got.append(json.loads(line))
            if len(got) == 8:
                break
    assert [r["level"] for r in got] == ["START", "INFO", "END", "REPORT"] * 2
    assert got[0]["request_id"] != got[4]["request_id"]


def test_unknown_endpoints_and_methods_are_json_errors(server):
    r = server.admin.get("/v1/nothing")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = server.admin.patch("/v1/functions")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    r = server.admin.get("/v1/functions/fn/versions/abc")
    assert r.status_code == 400
    r = server.admin.get("/v1/logs", params={"limit": "lots"})
    assert r.status_code == 400


def test_only_versions_the_behaviors_route_to_stay_loaded(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp_path / "m.toml", tmp_path / "state", retire_after=0.0).start()

    def loaded_soon(expected: list[str]) -> None:
        deadline = time.monotonic() + 10  # the watcher unloads on its next tick (100 ms)
        while (now := s.admin.get("/v1/status").json()["loaded"]) != expected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert now == expected

    try:
        for n in (1, 2, 3):
            s.deploy("fn", generated(f"v{n}"))
        loaded_soon([])  # no behavior names fn: not even its latest stays loaded
        out = s.admin.post("/v1/functions/fn/invoke", params={"qualifier": "1"}, content=EVENT).json()
        assert out["result"]["body"] == "v1"  # loaded on demand for the test invoke, then unloaded
        loaded_soon([])
        s.admin.put("/v1/functions/fn/aliases/live", json={"version": 1, "canary": {"version": 2, "weight": 0.5}})
        loaded_soon([])  # an alias no behavior uses routes nothing
        s.associate("/fn", "fn:live")
        loaded_soon(["fn:1", "fn:2"])  # both sides of the canary; the latest (3) is behind no behavior
        assert {s.edge.get("/fn").text for _ in range(30)} == {"v1", "v2"}
        assert s.admin.get("/v1/functions/fn/versions/1").json()["loaded"]["from_artifact"] is True
        s.associate("/fn", "fn")  # unqualified: the latest
        loaded_soon(["fn:3"])
        assert s.edge.get("/fn").text == "v3"
    finally:
        s.stop()
