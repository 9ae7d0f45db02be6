"""What the access log and the request metrics say about requests the front door refuses
before any behavior runs (the edge handler's refusals and the guard's: 505, both framings,
Host, 408, a viewer gone mid-body, 503 while stopping), about refused WebSocket handshakes,
and about viewers that leave before their response is complete: real servers on loopback
(in process under Hypercorn, and `edge serve` under Granian and Hypercorn), raw sockets."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from edge.server.handler import OWN_VIA

from .conftest import free_port
from .test_ops import kill, sample, serve, settle, wait_ready
from .test_pipeline import raw_get, status_of

BIG = 8_000_000  # a cacheable object over the kernel's socket buffers (the cache keeps up to 8 MiB)


def api_manifest(origin_url: str) -> str:
    return f"""
[origins.api]
url = "{origin_url}"
[[behaviors]]
path = "*"
origin = "api"
"""


def log_lines(path: Path, count: int, timeout: float = 10.0) -> list[dict]:
    """The access log's first `count` lines, once the writer thread has written them (bounded)."""
    deadline = time.monotonic() + timeout
    lines: list[dict] = []
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"{len(lines)} access log lines after {timeout} s, wanted {count}: {lines}")


def header(reply: bytes, name: str) -> str:
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    raise KeyError(name)


def assert_edge_error(reply: bytes, line: dict) -> None:
    """A refusal the edge made itself carries what CloudFront's own error responses do: X-Cache
    `Error from edge`, the edge's Via, and the X-Amz-Cf-Id its access-log line has."""
    assert header(reply, "x-amz-cf-id") == line["request_id"], (reply[:400], line)
    assert header(reply, "x-cache") == "Error from edge" and header(reply, "via").endswith("(edge)"), reply[:400]


def test_front_door_refusals_are_logged_and_counted(edge_factory, fresh_origin, tmp_path):
    log_path = tmp_path / "access.log"
    edge = edge_factory(api_manifest(fresh_origin.server.url), access_log=str(log_path), proxy_hops=1,
                        debug_errors=False)
    four = {"behavior": "", "status_class": "4xx", "cache": "none"}
    five = {"behavior": "", "status_class": "5xx", "cache": "none"}
    cut_five = {**five, "behavior": "/slow*"}
    before = (sample("edge_requests_total", four), sample("edge_requests_total", five),
              sample("edge_requests_total", cut_five))
    loop = OWN_VIA.decode()
    cases = [  # (status, detailed_result_type, uri logged, client ip logged, the request)
        (494, "RequestHeaderTooLarge", "/a", "203.0.113.9",
         ("/a?q=1", [("Host", "x"), ("X-Forwarded-For", "203.0.113.9"), ("X-Big", "v" * 20_500)], "GET", b"")),
        (508, "LoopDetected", "/b", "127.0.0.1",
         ("/b", [("Host", "x"), ("Via", f"1.1 {loop} (edge), 1.1 {loop} (edge)")], "GET", b"")),
        (400, "InvalidRequest", "/%zz", "127.0.0.1", ("/%zz", [("Host", "x")], "GET", b"")),
        (414, "InvalidRequest", "/c", "127.0.0.1", ("/c?" + "q" * 9000, [("Host", "x")], "GET", b"")),
        (403, "GetWithBody", "/d", "127.0.0.1", ("/d", [("Host", "x"), ("Content-Length", "5")], "GET", b"hello")),
        (400, "InvalidRequestHeader", "/e", "127.0.0.1",
         ("/e", [("Host", "x"), ("X-Forwarded-For", "not-an-address")], "GET", b"")),
    ]
    replies = []
    for status, _, _, _, (path, headers, method, body) in cases:
        reply = raw_get(edge.url, path, headers, method, body)
        assert status_of(reply) == status, reply[:300]
        replies.append(reply)
    lines = log_lines(log_path, len(cases))
    assert fresh_origin.hits == {}  # refused before any behavior ran
    for line, reply, (status, detailed, uri, client_ip, (_, _, method, _)) in zip(lines, replies, cases, strict=True):
        assert line["status"] == status and line["result_type"] == "Error"
        assert line["detailed_result_type"] == detailed, line
        assert line["request_id"] == header(reply, "x-amz-cf-id")
        assert line["client_ip"] == client_ip and line["method"] == method and line["host"] == "x"
        assert line["uri"] == uri
        assert line["bytes"] == len(reply.split(b"\r\n\r\n", 1)[1]) > 0  # the error page the viewer got
        assert line["behavior"] == "" and line["cache"] == "none" and line["hooks"] == []
        assert line["origin_status"] is None and line["total_ms"] >= 0
        # the page points to `edge logs --request-id`, which finds why (not on the page without debug_errors)
        request_id = line["request_id"]
        assert f"edge logs --request-id {request_id} shows what happened" in reply.decode("latin-1"), reply[:600]
        [record] = edge.app.state.edge.logs.query(None, request_id, 10)
        assert record.level == "ERROR" and record.message.startswith(f"{status}: {method} {uri}: "), record
    assert "CloudFront accepts at most" in edge.app.state.edge.logs.query(None, lines[0]["request_id"], 1)[0].message
    assert lines[0]["querystring"] == "q=1"
    want = {("edge_requests_total", tuple(four.items())): before[0] + 5,
            ("edge_requests_total", tuple(five.items())): before[1] + 1}
    assert settle(want) == want
    # and a normal request afterwards is logged as before
    ok = raw_get(edge.url, "/fine", [("Host", "x")])
    assert status_of(ok) == 200
    last = log_lines(log_path, len(cases) + 1)[-1]
    assert last["result_type"] == "Miss" and last["detailed_result_type"] == "Miss" and last["behavior"] == "*"


def read_some_and_leave(port: int, path: str, keep: int = 100_000) -> int:
    """A viewer that reads `keep` bytes of the response and closes (curl | head -c), after a
    pause in which the server fills the socket's buffers and waits: what it took before the
    viewer left is then bounded by those buffers, not by how fast the loopback is."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)  # a small window: the server cannot run ahead
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        got = 0
        while got < keep:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += len(chunk)
        time.sleep(0.5)
        return got
    finally:
        s.close()


def body_length(port: int, path: str) -> int:
    reply = raw_get(f"http://127.0.0.1:{port}", path, [("Host", "x")])
    assert status_of(reply) == 200
    return len(reply.split(b"\r\n\r\n", 1)[1])


# uvicorn stops taking parts when the socket's buffers are full, so a viewer that leaves is seen
# between them; Granian and Hypercorn take every part at once or after the viewer has gone
# (their own buffers, then silently), so there only what the server took is known, and logged.
@pytest.mark.parametrize("server", ["granian", "hypercorn", "uvicorn"])
def test_a_viewer_that_leaves_a_large_response_is_marked_with_the_bytes_known(server, tmp_path, origin):
    log_path = tmp_path / "access.log"
    manifest = api_manifest(origin.server.url) + '[behaviors.cache]\nquery_strings = "all"\n'
    proc, port, admin = serve(tmp_path, manifest, "--server", server, "--access-log", str(log_path))
    try:
        wait_ready(proc, admin)
        path = f"/big?n={BIG}&cc=max-age%3D300"
        for count in (1, 2):  # a miss the cache keeps, then a hit: each read 100 KB of and left
            assert read_some_and_leave(port, path) >= 100_000
            left = log_lines(log_path, count)[-1]
            assert left["status"] == 200 and left["bytes"] <= BIG, left
            assert left["cache"] == ("miss", "hit")[count - 1], left
            if server == "uvicorn" or left["bytes"] < BIG:  # seen gone before the last part: marked
                assert left["result_type"] == "Error" and left["detailed_result_type"] == "ClientCommError", left
                assert left["bytes"] < BIG, left
            else:  # the server took every part before it said the viewer was gone: a plain answer
                assert left["result_type"] == left["cache"].capitalize(), left
        assert body_length(port, path) == BIG  # the cache kept it whole; read whole, it is a plain hit
        whole = log_lines(log_path, 3)[-1]
        assert (whole["cache"], whole["result_type"], whole["bytes"]) == ("hit", "Hit", BIG), whole
    finally:
        kill(proc)


def test_serving_lines_on_ipv6_are_urls(tmp_path, origin):
    """`--host ::1` printed `http://::1:PORT`, no URL a client accepts: brackets, as serve.json has."""
    from edge.cli.serve import _url_host

    assert (_url_host("::1"), _url_host("::"), _url_host("[::1]"), _url_host("0.0.0.0")) == (
        "[::1]", "[::]", "[::1]", "0.0.0.0")
    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 on this machine")
    proc, port, admin = serve(tmp_path, api_manifest(origin.server.url), "--host", "::1")
    try:
        wait_ready(proc, admin)
        record = tmp_path / "state" / "serve.json"
        deadline = time.monotonic() + 10
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert json.loads(record.read_text())["edge"] == f"http://[::1]:{port}"
    finally:
        kill(proc)
    output = proc.stdout.read().decode()  # type: ignore[union-attr]
    assert f"on http://[::1]:{port} (ready in" in output, output
    assert f"admin API on http://127.0.0.1:{admin} " in output, output


# -- the guard's own refusals (edge/server/guard.py) and refused WebSocket handshakes ----------

ALL_METHODS = 'methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]'


def guard_manifest(origin_url: str) -> str:
    """`/slow*` goes to the shared origin (`?s=` seconds it takes), the rest to an echo origin."""
    return f"""
[origins.api]
url = "{origin_url}"
[origins.echo]
type = "echo"
[[behaviors]]
path = "/slow*"
origin = "api"
cache = "disabled"
forward = {{ query_strings = "all" }}
[[behaviors]]
path = "*"
origin = "echo"
cache = "disabled"
{ALL_METHODS}
"""


def raw(port: int, data: bytes, wait: float = 5.0, hang_up: bool = False) -> bytes:
    """What came back for `data` (until the server closed, or `wait`); `hang_up`: the viewer
    closes right after sending instead (its body unfinished)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        if hang_up:
            time.sleep(0.2)
            return b""
        out = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
        return out


def read_response(sock: socket.socket) -> bytes:
    """One whole response with a Content-Length from a kept-alive connection (its body can come
    in a later segment than its head: the next read must not start inside it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(header(data, "content-length") or 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def by_uri(path: Path, count: int) -> dict[str, dict]:
    return {line["uri"]: line for line in log_lines(path, count)}


STALLED = b"POST /stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"  # 3 of 100 bytes, then nothing
BOTH_FRAMINGS = (b"POST /framing HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"0\r\n\r\n")


def test_the_guards_refusals_are_logged_and_counted(edge_factory, fresh_origin, tmp_path):
    """Hypercorn (in process): 505, Content-Length with Transfer-Encoding, a stalled body (408),
    a viewer that leaves mid-body, 503 while the worker stops and a request cut when the grace
    period ends: each has a line naming it, and counts under cache="none" and behavior="" (the cut:
    the behavior it was cut from)."""
    log_path = tmp_path / "access.log"
    edge = edge_factory(guard_manifest(fresh_origin.server.url), access_log=str(log_path), body_timeout=0.5,
                        graceful_timeout=1.0)
    port = edge.server.port
    four = {"behavior": "", "status_class": "4xx", "cache": "none"}
    five = {"behavior": "", "status_class": "5xx", "cache": "none"}
    cut_five = {**five, "behavior": "/slow*"}
    before = (sample("edge_requests_total", four), sample("edge_requests_total", five),
              sample("edge_requests_total", cut_five))

    replies = {"/version": raw(port, b"GET /version?q=1 HTTP/9.9\r\nHost: x\r\nUser-Agent: old/1\r\n\r\n"),
               "/framing": raw(port, BOTH_FRAMINGS), "/stalled": raw(port, STALLED)}
    assert [status_of(reply) for reply in replies.values()] == [505, 400, 408]
    timed_out = replies["/stalled"]
    raw(port, b"POST /left HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", hang_up=True)
    lines = by_uri(log_path, 4)
    for uri, reply in replies.items():  # the id the viewer got is the one logged, as on CloudFront's own errors
        assert_edge_error(reply, lines[uri])
    want = {"/version": (505, "HttpVersionNotSupported"), "/framing": (400, "InvalidRequestFraming"),
            "/stalled": (408, "RequestTimeout"), "/left": (400, "ClientHungUpRequest")}
    assert {uri: (line["status"], line["detailed_result_type"]) for uri, line in lines.items()} == want, lines
    for line in lines.values():
        assert line["result_type"] == "Error" and line["behavior"] == "" and line["cache"] == "none", line
        assert line["client_ip"] == "127.0.0.1" and line["host"] == "x" and line["hooks"] == [], line
        assert line["protocol"] == "http" and line["protocol_version"] in ("HTTP/1.1", "HTTP/9.9"), line
    assert all(lines[uri]["bytes"] > 0 for uri in ("/version", "/framing", "/stalled"))  # (the one who left: what
    # the server took, if anything)
    assert lines["/version"]["querystring"] == "q=1" and lines["/version"]["protocol_version"] == "HTTP/9.9"
    assert lines["/version"]["user_agent"] == "old/1" and lines["/version"]["method"] == "GET"
    assert lines["/stalled"]["bytes"] == len(timed_out.split(b"\r\n\r\n", 1)[1])
    assert lines["/stalled"]["total_ms"] >= 400  # timed from the request's arrival, not from the refusal

    # a stop: a request in flight past the grace period is cut (503), new ones are refused (503)
    slow, cut = stop_while_slow(edge, fresh_origin)
    time.sleep(0.2)
    arrived = raw(port, b"GET /arrived HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(arrived) == 503
    slow.join(15)
    assert status_of(cut[0]) == 503, cut
    lines = by_uri(log_path, 6)
    assert_edge_error(arrived, lines["/arrived"])
    assert_edge_error(cut[0], lines["/slow-cut"])
    assert (lines["/arrived"]["status"], lines["/arrived"]["detailed_result_type"]) == (503, "ServerStopping")
    assert (lines["/slow-cut"]["status"], lines["/slow-cut"]["detailed_result_type"]) == (503, "ServerStoppingCut")
    # the behavior it was cut from (the refusals before any behavior ran have none)
    assert lines["/slow-cut"]["total_ms"] >= 900 and lines["/slow-cut"]["behavior"] == "/slow*"
    want_counts = {("edge_requests_total", tuple(four.items())): before[0] + 3,
                   ("edge_requests_total", tuple(five.items())): before[1] + 2,
                   ("edge_requests_total", tuple(cut_five.items())): before[2] + 1}
    assert settle(want_counts) == want_counts


def test_with_debug_errors_a_front_door_refusal_shows_why(edge_factory, fresh_origin):
    edge = edge_factory(api_manifest(fresh_origin.server.url), debug_errors=True)
    loop = OWN_VIA.decode()
    reply = raw_get(edge.url, "/b", [("Host", "x"), ("Via", f"1.1 {loop} (edge), 1.1 {loop} (edge)")])
    assert status_of(reply) == 508
    page = reply.decode("latin-1")
    assert "this request already passed through this edge (its Via header)" in page, page
    assert "edge logs --request-id" not in page, page


def stop_while_slow(edge, origin, path: str = "/slow-cut") -> tuple[threading.Thread, list[bytes]]:  # type: ignore[no-untyped-def]
    """Begin an in-process edge's graceful stop while a request to `path` (8 s at the origin)
    is in flight: the thread sending it, and the list its reply is put in once it ends."""
    cut: list[bytes] = []
    request = f"GET {path}?s=8 HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    slow = threading.Thread(target=lambda: cut.append(raw(edge.server.port, request, wait=15)))
    slow.start()
    deadline = time.monotonic() + 10
    while not origin.hits[path] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert edge.server._loop is not None
    edge.server._loop.call_soon_threadsafe(edge.app.drain.begin)
    return slow, cut


def metric(admin: int, labels: str) -> float:
    """One edge_requests_total sample from a server's /metrics (0 when it has none yet)."""
    import httpx

    for line in httpx.get(f"http://127.0.0.1:{admin}/metrics", timeout=5).text.splitlines():
        if line.startswith(f"edge_requests_total{{{labels}}} "):
            return float(line.split()[-1])
    return 0.0


# What each server leaves to the guard (a request its own parser refuses never reaches the app:
# no line): Granian answers HTTP/9.9 400 itself and serves Content-Length with Transfer-Encoding as
# chunked; Hypercorn (h11) refuses several Host headers or none itself.
GUARD_CASES = {  # uri: (request, {server: (status, detailed_result_type) or None when the app never saw it})
    "/version": (b"GET /version HTTP/9.9\r\nHost: x\r\n\r\n",
                 {"granian": None, "hypercorn": (505, "HttpVersionNotSupported")}),
    "/framing": (BOTH_FRAMINGS, {"granian": (200, "Miss"), "hypercorn": (400, "InvalidRequestFraming")}),
    "/hosts": (b"GET /hosts HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
               {"granian": (400, "InvalidRequestHeader"), "hypercorn": None}),
    "/nohost": (b"GET /nohost HTTP/1.1\r\n\r\n", {"granian": (400, "InvalidRequestHeader"), "hypercorn": None}),
    "/stalled": (STALLED, {"granian": (408, "RequestTimeout"), "hypercorn": (408, "RequestTimeout")}),
}


@pytest.mark.parametrize("server", ["granian", "hypercorn"])
def test_the_guards_refusals_under_each_server(server, tmp_path, origin):
    """A real `edge serve`: what reaches the guard is logged and counted as in process; what the
    server refuses itself has no line. Then SIGTERM: a request on a kept connection (and, under
    Hypercorn, on a new one) is 503 ServerStopping; one still running after the grace period is
    cut, 503 ServerStoppingCut."""
    from .test_hardening_http import start, stop

    origin.hits.clear()
    log_path = tmp_path / "access.log"
    served = start(tmp_path, server, "--access-log", str(log_path), "--body-timeout", "0.5",
                   "--graceful-timeout", "1.5", manifest=guard_manifest(origin.server.url))
    try:
        logged = {}
        for uri, (request, outcome) in GUARD_CASES.items():
            reply = raw(served.port, request)
            assert status_of(reply) == (outcome[server][0] if outcome[server] else 400), (uri, reply[:200])
            if outcome[server] is not None:
                logged[uri] = outcome[server]
        ok = raw(served.port, b"GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status_of(ok) == 200
        lines = by_uri(log_path, len(logged) + 1)
        assert {uri: (line["status"], line["detailed_result_type"]) for uri, line in lines.items()} == {
            **logged, "/after": (200, lines["/after"]["detailed_result_type"])}, lines
        for status_class in ("4xx", "5xx"):  # 505 is a 5xx
            refused = sum(1 for status, _ in logged.values() if f"{status // 100}xx" == status_class)
            labels = f'behavior="",cache="none",status_class="{status_class}"'
            deadline = time.monotonic() + 10
            while metric(served.admin_port, labels) < refused and time.monotonic() < deadline:
                time.sleep(0.1)
            assert metric(served.admin_port, labels) == refused, (status_class, logged)

        kept = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        kept.sendall(b"GET /kept HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(read_response(kept)) == 200
        cut: list[bytes] = []
        slow = threading.Thread(target=lambda: cut.append(raw(served.port, b"GET /slow-cut?s=10 HTTP/1.1\r\nHost: x"
                                                              b"\r\n\r\n", wait=20)))
        slow.start()
        deadline = time.monotonic() + 10
        while not origin.hits["/slow-cut"] and time.monotonic() < deadline:
            time.sleep(0.02)
        code: list[int] = []
        stopper = threading.Thread(target=lambda: code.append(stop(served.proc)))
        stopper.start()
        time.sleep(0.4)
        try:
            kept.sendall(b"GET /kept-stopping HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = kept.recv(65536)
        except OSError:
            answer = b""
        kept.close()
        stopping = 0  # requests answered 503 at arrival
        if server == "hypercorn":
            assert status_of(answer) == 503, answer
            assert status_of(raw(served.port, b"GET /new-stopping HTTP/1.1\r\nHost: x\r\n\r\n")) == 503
            stopping = 2
        else:  # Granian closes idle connections and stops accepting new ones at once: nothing to answer
            assert answer == b"", answer
        slow.join(20)
        stopper.join(40)
        assert status_of(cut[0]) == 503 and code == [0], (cut, code)
        lines = by_uri(log_path, len(logged) + 3 + stopping)  # and /after, /kept, /slow-cut
        if stopping:
            for uri in ("/kept-stopping", "/new-stopping"):
                assert (lines[uri]["status"], lines[uri]["detailed_result_type"]) == (503, "ServerStopping"), lines
        assert (lines["/slow-cut"]["status"], lines["/slow-cut"]["detailed_result_type"]) == (503, "ServerStoppingCut")
        assert lines["/slow-cut"]["behavior"] == "/slow*"
    finally:
        stop(served.proc)


def websocket_manifest(origin_url: str, down_port: int, wat: Path) -> str:
    return f"""
[origins.http]
url = "{origin_url}"
[origins.down]
url = "http://127.0.0.1:{down_port}"
[origins.files]
type = "static"
root = "."
[functions.gate]
source = "{wat}"
[[behaviors]]
path = "/plain/*"
origin = "http"
forward = {{ headers = "all" }}
[[behaviors]]
path = "/hook/*"
origin = "http"
origin_request = "gate"
[[behaviors]]
path = "/down/*"
origin = "down"
[[behaviors]]
path = "*"
origin = "files"
"""


def handshake(port: int, path: str, *extra: str) -> int:
    """A raw WebSocket handshake's status."""
    head = "\r\n".join([f"GET {path} HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade",
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
                        "User-Agent: ws-probe/1", *extra, "", ""])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return status_of(reply)


@pytest.mark.parametrize("server", ["granian", "hypercorn"])
def test_refused_websocket_handshakes_name_why(server, tmp_path, origin):
    """Each refusal of a handshake by the edge has its line with a named detailed_result_type:
    the HTTP front door's name for the same refusal, or a WebSocket-only one."""
    from . import modules as M
    from .test_hardening_http import start, stop

    wat = tmp_path / "gate.wat"
    wat.write_text(M.PASS_REQUEST)
    down = free_port()
    served = start(tmp_path, server, "--access-log", str(tmp_path / "access.log"),
                   manifest=websocket_manifest(origin.server.url, down, wat))
    loop = ", ".join(["1.1 x.edge (edge)"] * 8)  # any edges 8 times (this process's own id is not the server's)
    cases = {  # uri: (extra headers, status, detailed_result_type)
        "/plain/big": (["Host: x", "X-Big: " + "v" * 20_500], 494, "RequestHeaderTooLarge"),
        "/plain/loop": (["Host: x", f"Via: {loop}"], 508, "LoopDetected"),
        "/plain/body": (["Host: x", "Content-Length: 5"], 400, "GetWithBody"),
        "/plain/proto": (["Host: x", "Sec-WebSocket-Protocol: chat/1"], 400, "InvalidRequestHeader"),
        "/plain/host": (["Host: u:p@127.0.0.1"], 400, "InvalidRequestHeader"),
        "/plain/%zz": (["Host: x"], 400, "InvalidRequest"),
        "/hook/x": (["Host: x"], 403, "WebSocketNotSupported"),
        "/files/x": (["Host: x"], 403, "WebSocketNotSupported"),
        "/plain/not-a-websocket": (["Host: x"], 502, "OriginWebSocketRefused"),  # the origin answers 403, not 101
        "/down/x": (["Host: x"], 502, "OriginConnectError"),
    }
    try:
        for path, (extra, status, _) in cases.items():
            assert handshake(served.port, path, *extra) == status, path
        lines = by_uri(tmp_path / "access.log", len(cases))
        got = {uri: (line["status"], line["result_type"], line["detailed_result_type"]) for uri, line in lines.items()}
        assert got == {uri: (status, "Error", detailed) for uri, (_, status, detailed) in cases.items()}, got
        for line in lines.values():
            assert (line["protocol"], line["protocol_version"], line["user_agent"]) == ("ws", "HTTP/1.1",
                                                                                        "ws-probe/1"), line
        assert lines["/plain/not-a-websocket"]["origin_status"] == 403
    finally:
        stop(served.proc)


# -- refusals once a behavior is selected (edge/pipeline/flow.py) ------------------------------


def test_the_pipelines_refusals_name_why(edge_factory, fresh_origin, tmp_path):
    """A method the behavior does not allow (403), a forwarded Host that is not one host[:port]
    (400) and a body over what the edge buffers for a function (413): CloudFront's names where
    it has them, the behavior that refused, and counted under it."""
    from edge.pipeline.flow import MAX_BUFFERED_REQUEST_BODY

    from . import modules as M

    wat = tmp_path / "gate.wat"
    wat.write_text(M.PASS_REQUEST)
    log_path = tmp_path / "access.log"
    edge = edge_factory(f"""
[origins.api]
url = "{fresh_origin.server.url}"
[functions.gate]
source = "{wat}"
[[behaviors]]
path = "/host/*"
origin = "api"
forward = {{ headers = ["Host"] }}
[[behaviors]]
path = "/upload/*"
origin = "api"
cache = "disabled"
{ALL_METHODS}
viewer_request = {{ function = "gate", include_body = true }}
[[behaviors]]
path = "*"
origin = "api"
""", access_log=str(log_path))
    cases = {  # uri: (behavior, status, detailed_result_type, request)
        "/only-get": ("*", 403, "InvalidRequestMethod", ([("Host", "x")], "DELETE", b"")),
        "/host/x": ("/host/*", 400, "InvalidRequestHeader", ([("Host", "u:p@x")], "GET", b"")),
        "/upload/x": ("/upload/*", 413, "RequestBodyTooLarge",
                      ([("Host", "x"), ("Content-Length", str(MAX_BUFFERED_REQUEST_BODY + 1))], "POST",
                       b"b" * (MAX_BUFFERED_REQUEST_BODY + 1))),
    }
    before = {uri: sample("edge_requests_total", {"behavior": behavior, "status_class": "4xx", "cache": "none"})
              for uri, (behavior, *_) in cases.items()}
    replies = {}
    for uri, (_, status, _, (headers, method, body)) in cases.items():
        replies[uri] = raw_get(edge.url, uri, headers, method, body)
        assert status_of(replies[uri]) == status, replies[uri][:300]
    lines = by_uri(log_path, len(cases))
    assert fresh_origin.hits == {}
    for uri, (behavior, status, detailed, (_, method, _)) in cases.items():
        line = lines[uri]
        assert (line["status"], line["result_type"], line["detailed_result_type"]) == (status, "Error", detailed), line
        assert line["behavior"] == behavior and line["cache"] == "none" and line["method"] == method, line
        assert line["request_id"] == header(replies[uri], "x-amz-cf-id"), line
        assert line["bytes"] == len(replies[uri].split(b"\r\n\r\n", 1)[1]) > 0
    assert lines["/upload/x"]["hooks"] == []  # refused before the function ran
    want = {("edge_requests_total", (("behavior", behavior), ("status_class", "4xx"), ("cache", "none"))):
            before[uri] + 1 for uri, (behavior, *_) in cases.items()}
    assert settle(want) == want


# -- a connection beyond --max-connections (edge/server/serverhooks.py, Hypercorn) ----------------


def test_a_connection_beyond_the_bound_is_logged_and_counted(tmp_path, origin):
    """Hypercorn under `edge serve` over TLS with --max-connections 2: with two connections
    open, a third one's request is answered 503 (on HTTP/1.1, and on HTTP/2 after ALPN) with an
    X-Amz-Cf-Id, logged as CloudFront's CapacityExceeded (a result type of its own) with its
    request and the connection's TLS, and counted under behavior="", cache="none"."""
    import ssl

    import httpx
    import trustme

    from .test_hardening_http import start, stop

    ca = trustme.CA()
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    log_path = tmp_path / "access.log"
    served = start(tmp_path, "hypercorn", "--certfile", "server.pem", "--keyfile", "server.pem", "--access-log",
                   str(log_path), "--max-connections", "2", manifest=api_manifest(origin.server.url))
    context = ssl.create_default_context(cafile=str(ca_file))
    held: list[socket.socket] = []
    try:
        for _ in range(2):  # the bound's connections, open and idle (their handshakes done)
            held.append(context.wrap_socket(socket.create_connection(("127.0.0.1", served.port), timeout=10),
                                            server_hostname="127.0.0.1"))
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as raw_socket, \
                context.wrap_socket(raw_socket, server_hostname="127.0.0.1") as tls:
            negotiated = (tls.version(), tls.cipher()[0])
            tls.sendall(b"GET /busy?x=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: busy/1\r\n\r\n")
            busy = b""
            while chunk := tls.recv(65536):
                busy += chunk
        assert status_of(busy) == 503 and header(busy, "retry-after") == "1", busy
        with httpx.Client(http2=True, verify=context) as client:
            busy2 = client.get(f"https://127.0.0.1:{served.port}/busy2", headers={"User-Agent": "busy/2"})
        assert busy2.status_code == 503 and busy2.http_version == "HTTP/2", busy2
        # the edge's own error page, as every other error the edge makes (plain text on the admin listener)
        assert busy2.headers["x-cache"] == "Error from edge" and busy2.headers["content-type"] == "text/html"
        assert "too many connections open. Try again shortly." in busy2.text and "<H1>503 ERROR</H1>" in busy2.text
        assert "connection" not in busy2.headers and busy2.headers["retry-after"] == "1", busy2.headers
        lines = by_uri(log_path, 2)
        line = lines["/busy"]
        assert_edge_error(busy, line)
        assert line["request_id"] != lines["/busy2"]["request_id"] == busy2.headers["x-amz-cf-id"]
        for line in lines.values():
            assert (line["status"], line["result_type"], line["detailed_result_type"]) == (
                503, "CapacityExceeded", "CapacityExceeded"), line
            assert line["behavior"] == "" and line["cache"] == "none" and line["method"] == "GET", line
            assert line["host"] in ("x", f"127.0.0.1:{served.port}") and line["client_ip"] == "127.0.0.1", line
            assert line["bytes"] > 0, line
        assert (lines["/busy"]["querystring"], lines["/busy"]["user_agent"]) == ("x=1", "busy/1")
        assert lines["/busy"]["bytes"] == len(busy.split(b"\r\n\r\n", 1)[1]) and lines["/busy2"]["bytes"] == len(busy2.content)
        assert f"Request ID: {lines['/busy']['request_id']}" in busy.decode("latin-1")
        assert (lines["/busy2"]["user_agent"], lines["/busy2"]["host"]) == ("busy/2", f"127.0.0.1:{served.port}")
        assert fields_of(lines["/busy"]) == ("https", "HTTP/1.1", *negotiated)
        assert fields_of(lines["/busy2"])[:3] == ("https", "HTTP/2.0", "TLSv1.3")
        # the bound freed at once when the viewers close (Hypercorn alone would hold each place until
        # its 5 s keep-alive timer ended): served again
        for sock in held:
            close_tls(sock)
        held.clear()
        time.sleep(0.3)
        with httpx.Client(verify=context) as client:
            assert client.get(f"https://127.0.0.1:{served.port}/after").status_code == 200
        # (the admin listener's connection counts against the bound too: asked once it is free)
        for uri in ("/busy", "/busy2"):  # why, under the page's request id (where the page points)
            records = httpx.get(f"http://127.0.0.1:{served.admin_port}/v1/logs",
                                params={"request_id": lines[uri]["request_id"]}, timeout=10).json()["records"]
            assert [r["message"][:len(f"503: GET {uri}: ")] for r in records] == [f"503: GET {uri}: "], records
            assert "--max-connections" in records[0]["message"], records
        for _ in range(3):  # and short connections one after another never pile up
            assert httpx.get(f"http://127.0.0.1:{served.admin_port}/healthz", timeout=5).status_code == 200
        labels = 'behavior="",cache="none",status_class="5xx"'
        deadline = time.monotonic() + 10
        while metric(served.admin_port, labels) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert metric(served.admin_port, labels) == 2
        assert by_uri(log_path, 3)["/after"]["ssl_protocol"] == "TLSv1.3"
    finally:
        for sock in held:
            sock.close()
        stop(served.proc)


def close_tls(sock: socket.socket) -> None:
    """Close a TLS connection as clients do (close_notify first)."""
    try:
        sock.unwrap().close()  # type: ignore[attr-defined]
    except (OSError, ValueError):
        sock.close()


def fields_of(line: dict) -> tuple:
    return line["protocol"], line["protocol_version"], line["ssl_protocol"], line["ssl_cipher"]


def test_a_flood_beyond_the_bound_is_answered_only_so_far(tmp_path, origin):
    """Connections beyond --max-connections that send nothing are each held for the 503's
    brief read of their request; past MAX_REFUSING of those at once, the next are closed at
    once, unanswered (a flood must not hold a socket each for more than a moment)."""
    from edge.server.serverhooks import MAX_REFUSING

    from .test_hardening_http import start, stop

    served = start(tmp_path, "hypercorn", "--max-connections", "1", manifest=api_manifest(origin.server.url))
    held = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    flood: list[socket.socket] = []
    try:
        held.sendall(b"GET /held HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(read_response(held)) == 200  # the bound's one connection, kept alive
        for _ in range(MAX_REFUSING + 100):
            flood.append(socket.create_connection(("127.0.0.1", served.port), timeout=10))
        answers = []
        for sock in flood:
            got = b""
            while chunk := sock.recv(65536):
                got += chunk
            answers.append(got)
        refused = [a for a in answers if a.startswith(b"HTTP/1.1 503")]
        closed = [a for a in answers if a == b""]
        assert len(refused) + len(closed) == len(answers), [a[:40] for a in answers if a and not a.startswith(b"HTTP/1.1 503")]
        # (refusals that ended while the flood connected freed their places for later ones)
        assert len(refused) >= MAX_REFUSING // 2 and len(closed) >= 10, (len(refused), len(closed))
        held.sendall(b"GET /still HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(read_response(held)) == 200
    finally:
        for sock in [held, *flood]:
            sock.close()
        stop(served.proc)


def test_a_viewer_that_leaves_during_its_request_frees_its_place_when_the_request_ends(tmp_path, origin):
    """Under --max-connections 1 a viewer sends a request to a slow origin and leaves at once:
    when the request ends its place is free (Hypercorn started a new keep-alive timer for the
    gone connection then, and held the place up to 5 s more), so the next viewer is served."""
    from .test_hardening_http import start, stop

    served = start(tmp_path, "hypercorn", "--max-connections", "1", manifest=api_manifest(origin.server.url))
    try:
        gone = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        gone.sendall(b"GET /slow-left?s=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        gone.shutdown(socket.SHUT_WR)  # nothing more from this viewer
        deadline = time.monotonic() + 10
        while not origin.hits["/slow-left"] and time.monotonic() < deadline:
            time.sleep(0.02)
        gone.close()
        hit, answers = time.monotonic(), []
        # the origin answers 1 s after the hit, ending the request; the old hold lasted 5 s more
        while time.monotonic() - hit < 4.0 and 200 not in answers:
            with socket.create_connection(("127.0.0.1", served.port), timeout=10) as next_viewer:
                next_viewer.sendall(b"GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answers.append(status_of(read_response(next_viewer)))
            time.sleep(0.1)
        assert answers[-1] == 200, answers
    finally:
        stop(served.proc)
