"""Regressions from the security and robustness review: hostile clients and origins."""

from __future__ import annotations

import socket
import time

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from .conftest import ServerThread
from .test_pipeline import SITE, raw_get, status_of


def api_manifest(origin_url: str, extra: str = "") -> str:
    return f"""
[origins.api]
url = "{origin_url}"
custom_headers = {{ "X-Origin-Secret" = "s3cret" }}
{extra}
[[behaviors]]
path = "*"
origin = "api"
"""


def pool_in_use(edge) -> int:  # type: ignore[no-untyped-def]
    return sum(client._transport._pool._in_use for client in edge.state.upstream._clients.values())


def test_head_and_discarded_bodies_release_origin_connections(edge_factory, fresh_origin):
    edge = edge_factory(api_manifest(fresh_origin.server.url))
    for i in range(5):
        assert edge.request("HEAD", f"/h{i}").status_code == 200
    assert pool_in_use(edge) == 0
    assert edge.get("/after").status_code == 200


def test_request_target_cannot_pick_the_origin_host(edge_factory, origin):
    async def secret(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("INTERNAL " + request.headers.get("x-origin-secret", ""))

    internal = ServerThread(Starlette(routes=[Route("/secret", secret)])).start()
    try:
        edge = edge_factory(api_manifest(origin.server.url))
        for target in (f"@127.0.0.1:{internal.port}/secret", f".localhost:{internal.port}/secret",
                       "http://127.0.0.1:1/x", "*"):
            reply = raw_get(edge.url, target, [("Host", "x")])
            assert status_of(reply) == 400, (target, reply[:200])
            assert b"INTERNAL" not in reply
    finally:
        internal.stop()


def test_percent_encoding_does_not_bypass_a_behavior(edge_factory, fresh_origin):
    edge = edge_factory(f"""
[origins.site]
root = "{SITE}"
[functions.deny]
source = "deny.wat"
[[behaviors]]
path = "/private/*"
origin = "site"
viewer_request = "deny"
[[behaviors]]
path = "*"
origin = "site"
""", {"deny.wat": _deny()})
    for path in ("/private/index.html", "/%70rivate/index.html", "/%70%72ivate/index.html", "/priv%61te/index.html"):
        reply = raw_get(edge.url, path, [("Host", "x")])
        assert status_of(reply) == 403, (path, reply[:120])
        assert b"Private area" not in reply


def _deny() -> str:
    import json

    from .modules import returning

    return returning(json.dumps({"status": "403", "statusDescription": "Forbidden", "body": "no"}))


def test_malformed_targets_are_400_or_414(edge_factory, fresh_origin):
    edge = edge_factory(api_manifest(fresh_origin.server.url))
    assert status_of(raw_get(edge.url, "/%zz", [("Host", "x")])) == 400
    assert status_of(raw_get(edge.url, "/" + "a" * 9000, [("Host", "x")])) in (400, 414)
    assert edge.get("/fine").status_code == 200


def test_request_headers_beyond_cloudfronts_20_kb_are_494_before_any_function(edge_factory, fresh_origin):
    edge = edge_factory(f"""
[origins.api]
url = "{fresh_origin.server.url}"
[functions.deny]
source = "deny.wat"
[[behaviors]]
path = "*"
origin = "api"
viewer_request = "deny"
""", {"deny.wat": _deny()})
    too_big = raw_get(edge.url, "/a", [("Host", "x"), ("X-Big", "v" * 20_500)])
    assert status_of(too_big) == 494, too_big[:200]
    split = raw_get(edge.url, "/a", [("Host", "x")] + [(f"X-Part-{i}", "v" * 2_100) for i in range(10)])
    assert status_of(split) == 494  # the total counts, not each header
    within = raw_get(edge.url, "/a", [("Host", "x"), ("X-Big", "v" * 19_000)])
    assert status_of(within) == 403  # the function ran


def test_an_origin_pointing_back_at_the_edge_is_a_loop_not_a_hang(edge_factory):
    from .conftest import free_port

    port = free_port()
    edge = edge_factory(f"""
[origins.self]
url = "http://127.0.0.1:{port}"
[[behaviors]]
path = "*"
origin = "self"
cache = "disabled"
""", port=port)
    started = time.monotonic()
    r = edge.get("/loop", timeout=20)
    assert r.status_code == 508 and "Loop detected" in r.text
    assert time.monotonic() - started < 5


def test_client_disconnect_stops_the_origin_download(edge_factory, fresh_origin):
    edge = edge_factory(api_manifest(fresh_origin.server.url, "") .replace('path = "*"', 'path = "*"\ncache = "disabled"'))
    host, port = edge.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET /big?n=200000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(65536)  # the response has started
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and pool_in_use(edge):
        time.sleep(0.05)
    assert pool_in_use(edge) == 0  # the origin connection was released long before 200 MB
    assert edge.get("/after").status_code == 200


def test_http2_request_body_without_length_reaches_the_origin(edge_factory, fresh_origin):
    edge = edge_factory(api_manifest(fresh_origin.server.url).replace(
        'origin = "api"', 'origin = "api"\nmethods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]\ncache = "disabled"'))

    def chunks():  # type: ignore[no-untyped-def]
        yield b"part one, "
        yield b"part two"

    with httpx.Client(http2=True, http1=False, base_url=edge.url, timeout=10) as client:
        r = client.post("/echo", content=chunks())
    assert r.status_code == 200 and r.http_version == "HTTP/2"
    assert r.json()["body"] == "part one, part two"


def test_path_patterns_match_in_linear_time():
    """A crafted path cannot make pattern matching backtrack (ReDoS on the event loop)."""
    from edge.patterns import compile_pattern

    regex = compile_pattern("/img/*/*/*/*.jpg")
    hostile = "/img/" + "a/" * 4000 + "x.png"
    assert regex.match(hostile) is None  # returns at once; the old `.*` regex took seconds
    assert regex.match("/img/a/b/c/d.jpg") is not None


def test_credentialed_requests_are_not_cached_for_others(edge_factory, fresh_origin):
    edge = edge_factory(api_manifest(fresh_origin.server.url).replace(
        'path = "*"\norigin = "api"',
        'path = "*"\norigin = "api"\ncache = { query_strings = "all" }\n'
        'forward = { headers = ["authorization"], cookies = "all" }'))  # credentials reach the origin
    assert edge.get("/echo/a", headers={"Authorization": "Bearer alice"}).headers["x-cache"] == "Miss from edge"
    anonymous = edge.get("/echo/a")
    assert anonymous.headers["x-cache"] == "Miss from edge" and "alice" not in anonymous.text
    edge.get("/echo/b", headers={"Cookie": "session=alice"})
    assert "alice" not in edge.get("/echo/b").text
    # explicitly shareable responses are cached even for credentialed requests
    edge.get("/echo/c?cc=public%2C%20max-age%3D60", headers={"Authorization": "Bearer alice"})
    assert edge.get("/echo/c?cc=public%2C%20max-age%3D60").headers["x-cache"] == "Hit from edge"
    # and plain anonymous responses as before
    edge.get("/echo/d")
    assert edge.get("/echo/d").headers["x-cache"] == "Hit from edge"


def test_viewer_cannot_forge_the_last_x_forwarded_for_entry(edge_factory, fresh_origin):
    edge = edge_factory(api_manifest(fresh_origin.server.url))
    reply = raw_get(edge.url, "/echo/xff", [("Host", "x"), ("X-Forwarded-For", "10.0.0.1"), ("X-Forwarded-For", "6.6.6.6")])
    assert status_of(reply) == 200
    sent = dict(fresh_origin.requests[-1]["headers"])
    assert sent["x-forwarded-for"] == "10.0.0.1, 6.6.6.6, 127.0.0.1"


def _breaking_origin(port: int, stop) -> None:  # type: ignore[no-untyped-def]
    """Announces 1,000 bytes, sends 10, hangs up."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = srv.accept()
        except TimeoutError:
            continue
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n" + b"x" * 10)
        conn.close()
    srv.close()


def test_origin_breaking_off_a_cacheable_body_is_a_502_not_a_crash(edge_factory):
    import threading

    from .conftest import free_port

    port, stop = free_port(), threading.Event()
    threading.Thread(target=_breaking_origin, args=(port, stop), daemon=True).start()
    try:
        edge = edge_factory(api_manifest(f"http://127.0.0.1:{port}"))
        r = edge.get("/x")
        assert r.status_code == 502 and r.headers["x-cache"] == "Error from edge"
        assert pool_in_use(edge) == 0
    finally:
        stop.set()


def test_function_headers_are_wire_safe_and_framing_is_the_hosts(edge_factory, fresh_origin):
    import json

    from .modules import returning

    euro = returning(json.dumps({"status": "200", "headers": {"x-price": [{"key": "X-Price", "value": "5 \u20ac"}]}}))
    lying = returning(json.dumps({"status": "200", "headers": {"content-length": [{"key": "Content-Length", "value": "999"}]},
                                  "body": "short"}))
    edge = edge_factory(f"""
[origins.site]
root = "{SITE}"
[functions.euro]
source = "euro.wat"
[functions.lying]
source = "lying.wat"
[[behaviors]]
path = "/euro"
origin = "site"
viewer_request = "euro"
[[behaviors]]
path = "/lying"
origin = "site"
viewer_request = "lying"
[[behaviors]]
path = "*"
origin = "site"
""", {"euro.wat": euro, "lying.wat": lying})
    r = edge.get("/euro")
    assert r.status_code == 502 and "rule: header-value" in r.text
    ok = edge.get("/lying")
    assert ok.status_code == 200 and ok.text == "short" and ok.headers["content-length"] == "5"


def test_function_log_ring_is_bounded_in_bytes():
    from edge.control.logs import LogStore
    from edge.runtime import LogLine, Outcome

    store = LogStore(max_bytes=1024 * 1024)
    big = Outcome(result=b"{}", value={}, logs=[LogLine("INFO", "x" * 65536)])
    for i in range(200):  # 200 x 64 KiB = 12.5 MiB of log lines
        store.record_invocation("f", "1", f"r{i}", "viewer-request", big)
    assert store._bytes <= 1024 * 1024 + 65536 + 96
    assert store.query(function="f")[-1].request_id == "r199"  # the newest are kept


def test_access_log_queue_is_bounded(tmp_path):
    from edge.ops.accesslog import AccessLog
    from edge.pipeline.trace import Trace

    log = AccessLog(str(tmp_path / "a.log"), max_pending=10)
    for _ in range(1000):
        log.write(Trace("rid", 0.0), client_ip="1.2.3.4", method="GET", host="h", uri="/", querystring="",
                  status=200, sent_bytes=0, x_cache="Miss from edge")
        assert log._queue.qsize() <= 10
    log.close()
    written = len((tmp_path / "a.log").read_text().splitlines())
    assert written + log.dropped == 1000  # every line is written or counted as dropped
