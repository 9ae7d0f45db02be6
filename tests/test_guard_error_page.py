"""What the guard refuses on the edge listener (guard.py: 505, both framings, several Host
headers, a stalled body's 408, 503 while the server stops) was plain text (`503 Service
Unavailable: the server is stopping; retry`), while every other error the edge makes, a cut
request's 503 included, is CloudFront's HTML error page. Now each is that page: its sentence
says what to do, its request id is the X-Amz-Cf-Id and the access log's, and its detail is in
`edge logs` under that id (on the page with --debug-errors). The admin listener's stay plain
text. Real servers on loopback (Hypercorn in process; `edge serve` under Granian, Hypercorn and
uvicorn), raw sockets."""

from __future__ import annotations

import signal
import socket
import threading
import time

import httpx
import pytest

from edge.server import guard_page

from .control_helpers import ControlServer, manifest_text
from .test_access_log_refusals import (
    BOTH_FRAMINGS, STALLED, assert_edge_error, by_uri, guard_manifest, header, raw, read_response,
)
from .test_pipeline import status_of


def assert_page(reply: bytes, status: int, sentence: str, line: dict, *, stopping: bool = False) -> str:
    """`reply` is the edge's error page for `status`, saying `sentence`, under the request id its
    access-log `line` has, framed by its Content-Length, closing its connection; its body."""
    assert status_of(reply) == status, reply[:400]
    assert_edge_error(reply, line)  # X-Cache: Error from edge, Via, the X-Amz-Cf-Id logged
    head, _, body = reply.partition(b"\r\n\r\n")
    assert header(reply, "content-type") == "text/html" and header(reply, "server") == "edge", head
    assert int(header(reply, "content-length")) == len(body) and header(reply, "connection") == "close", head
    assert header(reply, "date"), head
    if stopping:
        assert header(reply, "retry-after") == "1", head
    page = body.decode("latin-1")
    assert f"<H1>{status} ERROR</H1>" in page and "<H2>The request could not be satisfied.</H2>" in page, page
    assert sentence in page and f"Request ID: {line['request_id']}" in page, page
    assert line["bytes"] == len(body), line
    return page


def test_the_guards_refusals_are_the_edges_error_page(edge_factory, fresh_origin, tmp_path):
    log_path = tmp_path / "access.log"
    edge = edge_factory(guard_manifest(fresh_origin.server.url), access_log=str(log_path), body_timeout=0.5,
                        graceful_timeout=1.0, debug_errors=False)
    port = edge.server.port
    replies = {"/version": raw(port, b"GET /version?q=1 HTTP/9.9\r\nHost: x\r\n\r\n"),
               "/framing": raw(port, BOTH_FRAMINGS), "/stalled": raw(port, STALLED)}
    # a stop: a request arriving on a kept connection while a slow one holds the stop open
    kept = socket.create_connection(("127.0.0.1", port), timeout=10)
    kept.sendall(b"GET /kept HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(read_response(kept)) == 200
    slow = threading.Thread(target=lambda: raw(port, b"GET /slow-held?s=3 HTTP/1.1\r\nHost: x\r\n\r\n", wait=10))
    slow.start()
    deadline = time.monotonic() + 10
    while not fresh_origin.hits["/slow-held"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert edge.server._loop is not None
    edge.server._loop.call_soon_threadsafe(edge.app.drain.begin)
    deadline = time.monotonic() + 10
    while not edge.app.drain.stopping and time.monotonic() < deadline:
        time.sleep(0.01)
    kept.sendall(b"GET /kept-stopping HTTP/1.1\r\nHost: x\r\n\r\n")
    replies["/kept-stopping"] = read_response(kept)
    kept.close()
    # over HTTP/2 (prior knowledge): the same page, framed by its stream (no Connection header)
    with httpx.Client(http1=False, http2=True) as client:
        h2 = client.get(f"http://127.0.0.1:{port}/h2-stopping")
    slow.join(15)

    lines = by_uri(log_path, 6)
    assert h2.http_version == "HTTP/2" and h2.status_code == 503, h2
    assert "connection" not in h2.headers and h2.headers["retry-after"] == "1", h2.headers
    assert h2.headers["content-type"] == "text/html" and guard_page.STOPPING_SENTENCE in h2.text, h2.text
    assert h2.headers["x-amz-cf-id"] == lines["/h2-stopping"]["request_id"] and f"Request ID: {h2.headers['x-amz-cf-id']}" in h2.text
    sentences = {"/version": ("HTTP/9.9 is not supported. Use HTTP/1.1 or HTTP/2.", 505),
                 "/framing": (guard_page.BOTH_FRAMINGS_SENTENCE, 400),
                 "/stalled": (guard_page.BODY_TIMEOUT_SENTENCE, 408),
                 "/kept-stopping": (guard_page.STOPPING_SENTENCE, 503)}
    details = {"/version": "505: GET /version: HTTP/9.9 is not supported; use HTTP/1.1 or HTTP/2",
               "/framing": "400: POST /framing: a request must not carry both Content-Length and Transfer-Encoding",
               "/stalled": "408: POST /stalled: request body too slow: 3 bytes in ",
               "/kept-stopping": "503: GET /kept-stopping: the server is stopping; retry"}
    for uri, (sentence, status) in sentences.items():
        line = lines[uri]
        page = assert_page(replies[uri], status, sentence, line, stopping=status == 503)
        request_id = line["request_id"]
        # without --debug-errors the page says where the detail is, and it is there
        assert f"edge logs --request-id {request_id} shows what happened" in page, page
        assert details[uri].split(": ", 1)[1] not in page, page
        [record] = edge.app.state.edge.logs.query(None, request_id, 10)
        assert record.level == "ERROR" and record.function == "(edge)", record
        assert record.message.startswith(details[uri]), record
    assert lines["/stalled"]["detailed_result_type"] == "RequestTimeout"
    assert lines["/kept-stopping"]["detailed_result_type"] == "ServerStopping"


def test_with_debug_errors_the_page_shows_the_detail(edge_factory, fresh_origin, tmp_path):
    log_path = tmp_path / "access.log"
    edge = edge_factory(guard_manifest(fresh_origin.server.url), access_log=str(log_path), body_timeout=0.5,
                        debug_errors=True)
    reply = raw(edge.server.port, STALLED)
    page = assert_page(reply, 408, guard_page.BODY_TIMEOUT_SENTENCE, by_uri(log_path, 1)["/stalled"])
    assert "POST /stalled: request body too slow: 3 bytes in 0.5 s (at most 0.5 s between chunks" in page, page
    assert "edge logs --request-id" not in page, page


def test_the_admin_listeners_refusals_stay_plain_text(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        reply = raw(server.admin_port, BOTH_FRAMINGS.replace(b"/framing", b"/v1/status"))
        assert status_of(reply) == 400, reply
        head, _, body = reply.partition(b"\r\n\r\n")
        assert header(reply, "content-type") == "text/plain; charset=utf-8" and header(reply, "connection") == "close"
        assert body == b"400 Bad Request: a request must not carry both Content-Length and Transfer-Encoding\n", body
        assert b"x-amz-cf-id" not in head.lower() and b"x-cache" not in head.lower(), head
        # and the edge listener of the same server answers the same request with its page
        reply = raw(server.port, BOTH_FRAMINGS)
        assert status_of(reply) == 400 and header(reply, "content-type") == "text/html", reply[:300]
    finally:
        server.stop()


@pytest.mark.parametrize("server", ["granian", "hypercorn", "uvicorn"])
def test_the_page_under_each_server(server, tmp_path, origin):
    """A real `edge serve`: a stalled body's 408 (every server leaves it to the guard), several
    Host headers (Granian and uvicorn pass them on: the guard refuses), both framings and
    HTTP/9.9 (Hypercorn passes them on), and after SIGTERM a request on a kept connection (the servers that
    still read one): the page, whose detail `edge logs --request-id` (the admin API) finds."""
    from .test_hardening_http import start, stop

    origin.hits.clear()
    log_path = tmp_path / "access.log"
    served = start(tmp_path, server, "--access-log", str(log_path), "--body-timeout", "0.5",
                   "--graceful-timeout", "3", manifest=guard_manifest(origin.server.url))
    try:
        cases = {"/stalled": (STALLED, 408, guard_page.BODY_TIMEOUT_SENTENCE)}
        if server == "hypercorn":  # (its parser refuses several Host headers itself)
            cases["/framing"] = (BOTH_FRAMINGS, 400, guard_page.BOTH_FRAMINGS_SENTENCE)
            cases["/version"] = (b"GET /version HTTP/9.9\r\nHost: x\r\n\r\n", 505,
                                 guard_page.version_sentence("9.9"))
        else:  # (their parsers refuse both framings and HTTP/9.9 themselves: no line, not the edge's answer)
            cases["/hosts"] = (b"GET /hosts HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, guard_page.HOSTS_SENTENCE)
        replies = {uri: raw(served.port, request) for uri, (request, _, _) in cases.items()}
        lines = by_uri(log_path, len(cases))
        for uri, (_, status, sentence) in cases.items():
            assert_page(replies[uri], status, sentence, lines[uri])
            request_id = lines[uri]["request_id"]
            records = httpx.get(f"http://127.0.0.1:{served.admin_port}/v1/logs",
                                params={"request_id": request_id}, timeout=10).json()["records"]
            method = "POST" if uri in ("/stalled", "/framing") else "GET"
            assert [(r["level"], r["message"][:len(f"{status}: {method} {uri}: ")]) for r in records] == [
                ("ERROR", f"{status}: {method} {uri}: ")], records

        kept = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        kept.sendall(b"GET /kept HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(read_response(kept)) == 200
        slow = threading.Thread(target=lambda: raw(served.port, b"GET /slow-held?s=2 HTTP/1.1\r\nHost: x\r\n\r\n",
                                                   wait=10))
        slow.start()
        deadline = time.monotonic() + 10
        while not origin.hits["/slow-held"] and time.monotonic() < deadline:
            time.sleep(0.02)
        served.proc.send_signal(signal.SIGTERM)
        wait_stopping(served.admin_port)
        try:
            kept.sendall(b"GET /kept-stopping HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = read_response(kept)
        except OSError:
            answer = b""
        kept.close()
        slow.join(15)
        if server == "granian":  # it closes idle connections at once as it stops: nothing to answer
            assert answer == b"", answer
        else:
            line = by_uri(log_path, len(cases) + 3)["/kept-stopping"]
            assert_page(answer, 503, guard_page.STOPPING_SENTENCE, line, stopping=True)
            assert line["detailed_result_type"] == "ServerStopping", line
    finally:
        stop(served.proc)


def wait_stopping(admin_port: int) -> None:
    """Until the worker says it is stopping (its /readyz), or its admin listener is gone."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{admin_port}/readyz", timeout=2).json().get("status") == "stopping":
                return
        except (httpx.HTTPError, ValueError):
            return
        time.sleep(0.02)
