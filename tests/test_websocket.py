"""Viewers' WebSockets proxied to the behavior's origin (edge/websocket/), under every
`--server`: a real `edge serve`, a real WebSocket origin on loopback (the `websockets`
library's server, in its own thread) and a real client. Messages both ways, the request the
origin gets (path, query, cookies, forwarded headers, Host, Via), subprotocols, close codes
both ways, the bound on a message, and the refusals: a behavior with a function, an origin
that is down, a static origin, the admin port."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from . import modules as M
from .conftest import free_ports, plain_http_tls
from .test_hardening_http import start, stop

pytestmark = pytest.mark.timeout(120)

SERVERS = ["granian", "hypercorn", "uvicorn"]


class WebSocketOrigin:
    """An origin speaking WebSocket: echoes messages; `headers?` answers with the handshake it
    got (path, headers, subprotocol); `close <code> <reason>` closes so; records how viewers'
    closes arrived."""

    def __init__(self) -> None:
        (self.port,) = free_ports(1)
        self.closed_paths: dict[str, tuple[int | None, str | None]] = {}  # how each path's connection closed
        self.handshakes: dict[str, list[tuple[str, str]]] = {}  # each path's handshake headers
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WebSocketOrigin:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from websockets.asyncio.server import serve

        self._loop = asyncio.get_running_loop()
        self._stop = self._loop.create_future()
        async with serve(self._handle, "127.0.0.1", self.port, subprotocols=["chat.v2", "chat.v1"],
                         select_subprotocol=self._select, max_size=4 * 1024 * 1024, process_request=self._redirect):
            self._ready.set()
            await self._stop

    def _redirect(self, connection, request):  # type: ignore[no-untyped-def]
        """`/ws/redir...` answers 302 to `/ws/landed`; every handshake's headers are kept by path."""
        self.handshakes[request.path.split("?")[0]] = [(k.lower(), v) for k, v in request.headers.raw_items()]
        if request.path.startswith("/ws/redir"):
            response = connection.respond(302, "elsewhere\n")
            response.headers["Location"] = "/ws/landed"
            return response
        return None

    @staticmethod
    def _select(connection, offered):  # type: ignore[no-untyped-def]
        return next((p for p in ("chat.v2", "chat.v1") if p in offered), None)

    async def _handle(self, ws) -> None:  # type: ignore[no-untyped-def]
        try:
            async for message in ws:
                if message == "headers?":
                    request = ws.request
                    await ws.send(json.dumps({"path": request.path, "subprotocol": ws.subprotocol,
                                              "headers": [[k.lower(), v] for k, v in request.headers.raw_items()]}))
                elif isinstance(message, str) and message.startswith("close "):
                    _, code, reason = message.split(" ", 2)
                    await ws.close(int(code), reason)
                elif isinstance(message, str) and message.startswith("close-open "):
                    # a close frame, then silence: the TCP connection stays open (the origin never hangs up)
                    _, code, reason = message.split(" ", 2)
                    ws.transport.pause_reading()
                    ws.transport.write(bytes([0x88, 2 + len(reason)]) + int(code).to_bytes(2, "big") + reason.encode())
                    await asyncio.sleep(6)  # past the viewer's wait below, well past the edge's 2 s close bound
                    ws.transport.abort()
                elif message == "big":
                    await ws.send(b"x" * (2 * 1024 * 1024))
                else:
                    await ws.send(message)
        except Exception:  # noqa: BLE001 - a viewer's abrupt end is part of the tests
            pass
        finally:
            rcvd = ws.protocol.close_rcvd
            self.closed_paths[ws.request.path] = (rcvd.code, rcvd.reason) if rcvd is not None else (None, None)


@pytest.fixture(scope="module")
def origin():  # type: ignore[no-untyped-def]
    with WebSocketOrigin() as running:
        yield running


DENY = M.returning(json.dumps({"status": "401", "statusDescription": "Unauthorized",
                                "headers": {"www-authenticate": [{"key": "WWW-Authenticate", "value": "Bearer"}]},
                                "body": "log in first"}))


def functions(folder: Path) -> Path:
    """The functions the manifest names: `gate` passes the request on, `deny` answers 401."""
    (folder / "deny.wat").write_text(DENY)
    wat = folder / "gate.wat"
    wat.write_text(M.PASS_REQUEST)
    return wat


def manifest(origin_port: int, down_port: int, wat: Path) -> str:
    return f"""
[origins.ws]
url = "http://127.0.0.1:{origin_port}"

[origins.down]
url = "http://127.0.0.1:{down_port}"

[origins.files]
type = "static"
root = "."

[functions.gate]
source = "{wat}"

[functions.deny]
source = "{wat.parent / 'deny.wat'}"

[[behaviors]]
path = "/ws/*"
origin = "ws"
cache = "disabled"
forward = {{ query_strings = "all", cookies = "all", headers = "all" }}

[[behaviors]]
path = "/gated/*"
origin = "ws"
viewer_request = "gate"
forward = {{ headers = ["cloudfront-viewer-address", "x-gate"] }}

[[behaviors]]
path = "/denied/*"
origin = "ws"
viewer_request = "deny"

[[behaviors]]
path = "/origin-hook/*"
origin = "ws"
origin_request = "gate"

[[behaviors]]
path = "/down/*"
origin = "down"

[[behaviors]]
path = "*"
origin = "files"
"""


@pytest.fixture(scope="module", params=SERVERS)
def edge(request, tmp_path_factory, origin):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp(f"ws-{request.param}")
    (down,) = free_ports(1)
    # a dead proxy in the server's environment: never used (as for HTTP origins)
    proxies = {name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY")}
    served = start(tmp, request.param, "--access-log", str(tmp / "access.log"),
                   manifest=manifest(origin.port, down, functions(tmp)), env=proxies)
    served.access_log = tmp / "access.log"  # type: ignore[attr-defined]
    yield served
    stop(served.proc)


def url(edge, path: str, port: int | None = None) -> str:  # type: ignore[no-untyped-def]
    return f"ws://127.0.0.1:{port or edge.port}{path}"


def test_messages_flow_both_ways_with_the_request_cloudfront_would_send(edge, origin):
    with connect(url(edge, "/ws/./chat?room=1&b=%20"), subprotocols=["chat.v1", "chat.v2"],
                 additional_headers={"Cookie": "session=abc", "Authorization": "Bearer t", "X-Trace": "7",
                                     "CloudFront-Viewer-Country": "forged"}) as ws:
        assert ws.subprotocol == "chat.v2"  # the origin's choice reaches the viewer
        ws.send("hello")
        assert ws.recv(5) == "hello"
        ws.send(b"\x00\x01binary")
        assert ws.recv(5) == b"\x00\x01binary"
        ws.send("headers?")
        seen = json.loads(ws.recv(5))
        assert _open_websockets(edge) == 1.0  # edge_websockets_open, while it is open
    headers = dict((k, v) for k, v in seen["headers"])
    assert seen["path"] == "/ws/chat?room=1&b=%20"  # normalised path, the viewer's query as sent
    assert seen["subprotocol"] == "chat.v2"
    assert headers["host"] == f"127.0.0.1:{edge.port}"  # a policy forwarding every header keeps the viewer's Host
    assert headers["cookie"] == "session=abc" and headers["authorization"] == "Bearer t" and headers["x-trace"] == "7"
    assert headers["x-forwarded-for"] == "127.0.0.1" and headers["via"].endswith(".edge (edge)")
    assert "cloudfront-viewer-country" not in headers  # a viewer cannot claim the edge's headers
    assert headers["sec-websocket-protocol"] == "chat.v1, chat.v2"


def test_close_codes_pass_through_both_ways(edge, origin):
    with connect(url(edge, "/ws/a")) as ws:
        ws.send("close 4001 origin says bye")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(5)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "origin says bye")

    # a close frame without a code: the origin ended on purpose, so the viewer hears 1000, not 1011
    with connect(url(edge, "/ws/no-code")) as ws:
        ws.send("close 1005 -")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(5)
    assert closed.value.rcvd.code == 1000, closed.value.rcvd

    # an origin that closes without hanging up: the viewer hears its close within the close bound
    # (the client library waited for the TCP close, up to the 10-minute idle limit)
    with connect(url(edge, "/ws/hangs-on")) as ws:
        ws.send("close-open 4000 said and stays")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(5)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4000, "said and stays")

    path = f"/ws/leaves-{edge.server}"
    with connect(url(edge, path)) as ws:
        ws.send("ping")
        assert ws.recv(5) == "ping"
        ws.close(4002, "viewer leaves")
    for _ in range(100):
        if path in origin.closed_paths:
            break
        threading.Event().wait(0.05)
    code, reason = origin.closed_paths[path]
    if edge.server == "hypercorn":  # it hands every viewer close to the app as 1006: sent on as 1001, going away
        assert code == 1001
    else:
        assert code == 4002 and reason in ("viewer leaves", "")  # the reason where the server hands it over


def test_a_message_beyond_the_bound_closes_with_1009_either_way(edge):
    with connect(url(edge, "/ws/big"), max_size=8 * 1024 * 1024) as ws:
        ws.send("big")  # the origin answers 2 MiB: more than the edge relays
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    with connect(url(edge, "/ws/big-viewer")) as ws:
        ws.send("é" * (512 * 1024 + 1))  # 1 MiB + 2 bytes of UTF-8 in fewer characters
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def _open_websockets(edge, want: float = 1.0) -> float | None:  # type: ignore[no-untyped-def]
    """edge_websockets_open as /metrics shows it (sampled once a second): `want` once it does."""
    import re
    import time

    import httpx

    value = None
    for _ in range(40):
        text = httpx.get(f"http://127.0.0.1:{edge.admin_port}/metrics", timeout=5, verify=plain_http_tls()).text
        found = re.search(r"^edge_websockets_open(?:\{[^}]*\})? ([0-9.e+-]+)$", text, re.M)
        value = float(found.group(1)) if found else None
        if value == want:
            break
        time.sleep(0.1)
    return value


def _refused(edge, path: str, port: int | None = None) -> int:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidStatus) as refused:
        with connect(url(edge, path, port), open_timeout=10):
            pass
    return refused.value.response.status_code


def test_refused_where_it_cannot_be_proxied_and_the_log_says_why(edge):
    assert _refused(edge, "/origin-hook/x") == 403  # a function that cannot run here: never bypassed
    down = _refused(edge, "/down/x")  # the origin does not answer
    static = _refused(edge, "/files/x")  # not a custom origin
    assert (down, static) == (502, 403)  # every server lets the app answer a handshake with a status
    assert _refused(edge, "/ws/x", port=edge.admin_port) == 403  # the admin API has no WebSockets
    logs = edge.log.read_text()
    assert "runs functions (origin-request)" in logs and "could not be opened" in logs, logs[-3000:]


def _handshake(edge, path: str, *extra: str) -> bytes:  # type: ignore[no-untyped-def]
    """A raw handshake (a Host no client library would send): the status line that came back."""
    head = "\r\n".join([f"GET {path} HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade",
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", *extra, "", ""])
    import socket

    with socket.create_connection(("127.0.0.1", edge.port), timeout=5) as sock:
        sock.sendall(head.encode())
        reply = b""
        while b"\r\n" not in reply:  # the status line is all this needs: no waiting for a close
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.split(b"\r\n", 1)[0]


def test_the_front_doors_checks_hold_for_a_handshake(edge):
    """A forwarded Host is one valid host[:port] or the handshake is refused (it becomes the
    URL's authority: a path or credentials in it must not reach the origin); a Via showing a
    loop is 508; several Hosts 400."""
    for host in ("127.0.0.1/guarded/secret?", "u:p@127.0.0.1", "a b", "127.0.0.1:99999"):
        assert b" 400" in _handshake(edge, "/ws/chat", f"Host: {host}"), host
    assert b" 400" in _handshake(edge, "/ws/chat", "Host: a", "Host: b")
    loop = ", ".join(["1.1 x.edge (edge)"] * 8)
    assert b" 508" in _handshake(edge, "/ws/chat", "Host: 127.0.0.1", f"Via: {loop}")
    assert b" 101" in _handshake(edge, "/ws/chat", "Host: 127.0.0.1")


def test_an_origins_redirect_is_not_followed_and_named_headers_stay_hop_by_hop(edge, origin):
    assert _refused(edge, "/ws/redir") == 502  # CloudFront does not follow it either
    assert "/ws/landed" not in origin.handshakes
    assert b" 101" in _handshake(edge, "/ws/hops", "Host: 127.0.0.1", "Connection: Upgrade, X-Hop", "X-Hop: 1",
                                 "X-Kept: 1")
    sent = dict(origin.handshakes["/ws/hops"])
    assert "x-hop" not in sent and sent["x-kept"] == "1"  # as on HTTP: what Connection names goes no further


def test_a_handshake_with_a_body_or_an_odd_subprotocol_is_400_and_conditions_stay_behind(edge, origin):
    """A handshake's Content-Length went on to the origin, which would read the edge's frames as
    its body; one announcing a body is refused, and ranges and conditions (which ask a WebSocket
    for nothing) stay at the edge. A subprotocol that is not a token failed at the origin's side
    of the edge as a 502 (an origin error in 5xx alerts): it is the viewer's 400."""
    assert b" 400" in _handshake(edge, "/ws/body", "Host: 127.0.0.1", "Content-Length: 5")
    assert b" 400" in _handshake(edge, "/ws/body", "Host: 127.0.0.1", "Transfer-Encoding: chunked")
    assert "/ws/body" not in origin.handshakes
    assert b" 101" in _handshake(edge, "/ws/conditions", "Host: 127.0.0.1", "Content-Length: 0", "Range: bytes=0-1",
                                 "If-None-Match: \"x\"", "If-Modified-Since: Mon, 07 Dec 2026 00:00:00 GMT",
                                 "X-Kept: 1")
    sent = dict(origin.handshakes["/ws/conditions"])
    assert not {"content-length", "range", "if-none-match", "if-modified-since"} & set(sent) and sent["x-kept"] == "1"
    assert b" 400" in _handshake(edge, "/ws/proto", "Host: 127.0.0.1", "Sec-WebSocket-Protocol: chat/1")
    assert "/ws/proto" not in origin.handshakes
    # a value that is not ASCII: an answer (400 from Hypercorn; Granian and uvicorn leave the value out), never
    # a traceback in the server's log and a dropped connection (wsproto raised inside Hypercorn)
    for header in ("Sec-WebSocket-Protocol: \u00fc", "Sec-WebSocket-Extensions: \u00fc"):
        status = _handshake(edge, "/ws/ascii", "Host: 127.0.0.1", header)
        assert (b" 400" in status) if edge.server == "hypercorn" else status.startswith(b"HTTP/1.1 "), (header, status)
    assert "Traceback" not in edge.log.read_text(errors="replace")


def test_a_websocket_idle_both_ways_is_closed_on_both_sides(origin):
    """Nothing either way for the idle bound (here 0.3 s): 1001 to the viewer and the origin."""
    from websockets.asyncio.client import connect as connect_origin

    from edge.websocket.relay import Flow, both_ways

    async def run() -> list[dict]:
        told: list[dict] = []
        stall = asyncio.Event()

        async def receive() -> dict:  # a viewer that says nothing, ever
            await stall.wait()
            return {}

        async def send(message: dict) -> None:
            told.append(message)

        async with connect_origin(f"ws://127.0.0.1:{origin.port}/ws/idle") as upstream:
            await asyncio.wait_for(both_ways(receive, send, upstream, Flow(), idle=0.3, check=0.05), 10)
        return told

    told = asyncio.run(run())
    assert told and told[-1]["type"] == "websocket.close" and told[-1]["code"] == 1001
    for _ in range(100):
        if "/ws/idle" in origin.closed_paths:
            break
        threading.Event().wait(0.05)
    assert origin.closed_paths["/ws/idle"][0] == 1001


def test_a_viewer_request_function_runs_on_the_handshake(edge, origin):
    """As on a GET: what it returns is what the origin's handshake is made from (with the
    CloudFront-* headers the behavior names, added after it); what it generates answers the
    handshake instead, headers and body as it made them."""
    with connect(url(edge, "/gated/room?q=1"), additional_headers={"X-Gate": "pass"}) as ws:
        ws.send("headers?")
        seen = json.loads(ws.recv(5))
    headers = dict((k, v) for k, v in seen["headers"])
    assert seen["path"] == "/gated/room" and headers["x-gate"] == "pass"  # the default policy: no query
    assert headers["cloudfront-viewer-address"].startswith("127.0.0.1:")
    with pytest.raises(InvalidStatus) as denied:
        with connect(url(edge, "/denied/room"), open_timeout=10):
            pass
    answer = denied.value.response
    assert answer.status_code == 401 and answer.body == b"log in first"
    assert answer.headers["WWW-Authenticate"] == "Bearer" and answer.headers["X-Cache"] == "LambdaGeneratedResponse from edge"


@pytest.mark.parametrize("server", SERVERS)
def test_a_stop_closes_open_websockets_going_away_and_exits(server, tmp_path, origin):
    """An open WebSocket never ends by itself: a stop cuts it at once instead of waiting out the
    grace period; the origin is told 1001 (going away), and so is the viewer where the server
    still sends a close frame (Granian ends its connections without one)."""
    import os
    import signal
    import time

    served = start(tmp_path, server, manifest=manifest(origin.port, 1, functions(tmp_path)))
    try:
        path = f"/ws/stop-{server}"
        with connect(f"ws://127.0.0.1:{served.port}{path}") as ws:
            ws.send("still here")
            assert ws.recv(5) == "still here"
            began = time.monotonic()
            os.killpg(served.proc.pid, signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(10)
        assert served.proc.wait(20) == 0 and time.monotonic() - began < 8  # not the 10 s grace period
        if server != "granian":
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        for _ in range(100):
            if path in origin.closed_paths:
                break
            time.sleep(0.05)
        assert origin.closed_paths[path][0] == 1001
    finally:
        stop(served.proc)


@pytest.mark.parametrize("edge", ["granian"], indirect=True)
def test_an_idle_websocket_is_not_taken_for_an_idle_connection(edge):
    """Granian (the default) never closes a silent connection itself, so the edge's reaper
    closes those idle for 5 s (edge/server/reaper.py); an open WebSocket counts as a request in
    flight, however quiet, and stays. On the module's Granian server (its own start cost ~3 s)."""
    import time

    with connect(url(edge, "/ws/quiet"), ping_interval=None) as ws:
        ws.send("one")
        assert ws.recv(5) == "one"
        time.sleep(7)  # past the reaper's 5 s and its next sweep
        ws.send("two")
        assert ws.recv(5) == "two"


def test_the_access_log_names_what_answered_a_refused_handshake(edge):
    """A refusal was logged as a Miss: a function's answer is LambdaGeneratedResponse, the edge's
    own refusal Error, as for HTTP."""
    assert _refused(edge, "/denied/log") == 401
    assert _refused(edge, "/origin-hook/log") == 403
    for _ in range(100):
        lines = [json.loads(line) for line in edge.access_log.read_text().splitlines() if "/log" in line]
        if len(lines) == 2:
            break
        threading.Event().wait(0.05)
    results = {line["uri"]: (line["status"], line["result_type"]) for line in lines}
    assert results == {"/denied/log": (401, "LambdaGeneratedResponse"), "/origin-hook/log": (403, "Error")}, lines


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_websockets_count_against_the_connection_bounds(server, tmp_path, origin):
    """Every server, whether or not it counts an upgraded connection itself (Granian counts none,
    uvicorn lets upgrades past its per-address cap): beyond --max-connections-per-address from one
    address a handshake gets 503, logged as CapacityExceeded; a closed one frees its place."""
    (down,) = free_ports(1)
    served = start(tmp_path, server, "--access-log", str(tmp_path / "access.log"), "--max-connections-per-address",
                   "3", manifest=manifest(origin.port, down, functions(tmp_path)))
    held = []
    try:
        for _ in range(3):
            ws = connect(url(served, "/ws/held"), open_timeout=10).__enter__()  # held open past the block below
            ws.send("x")
            assert ws.recv(5) == "x"
            held.append(ws)
        assert _refused(served, "/ws/beyond") == 503
        held.pop().close()
        for _ in range(100):  # the closed one's place is freed once the edge has seen it close
            try:
                with connect(url(served, "/ws/again"), open_timeout=10) as ws:
                    ws.send("y")
                    assert ws.recv(5) == "y"
                break
            except InvalidStatus:
                threading.Event().wait(0.05)
        else:
            raise AssertionError("a WebSocket's place was not freed when it closed")
    finally:
        for ws in held:
            ws.close()
        stop(served.proc)
    lines = [json.loads(line) for line in (tmp_path / "access.log").read_text().splitlines()]
    beyond = [line for line in lines if line["uri"] == "/ws/beyond"]
    assert [(line["status"], line["detailed_result_type"]) for line in beyond] == [(503, "CapacityExceeded")], beyond
