"""HTTP/2 requests with several `host` fields, or a `host` that differs from `:authority`
(RFC 9113, section 8.3.1), found accepted by a hostile trial: over HTTP/1.1 several Host
headers get 400, over HTTP/2 a function saw two Host entries. Now the guard refuses several
`host` fields on every protocol with the edge's error page. What the app cannot see differs per
server (docs/operations.md): Granian hands it only the `host` field when one is sent, with
`:authority` dropped; Hypercorn's h2 refuses both shapes itself. Real servers on loopback
(`edge serve` under Granian; Hypercorn in process), a raw HTTP/2 client (h2, prior knowledge)
that sends header lists no normal client would."""

from __future__ import annotations

import json
import socket

import h2.config
import h2.connection
import h2.events

from edge.server import guard_page

from .test_access_log_refusals import by_uri

MANIFEST = """
[origins.echo]
type = "echo"

[[behaviors]]
path = "*"
origin = "echo"
cache = "disabled"
forward_host = true
"""

BASE = [(":method", "GET"), (":scheme", "http")]


def h2_get(port: int, headers: list[tuple[str, str]]) -> dict:
    """One request over a new HTTP/2 connection (prior knowledge), its header list sent as given:
    the status, headers and body of the answer, or how the server ended it."""
    config = h2.config.H2Configuration(client_side=True, validate_outbound_headers=False,
                                       normalize_outbound_headers=False, validate_inbound_headers=False)
    conn = h2.connection.H2Connection(config)
    out: dict = {"status": None, "headers": {}, "body": b"", "ended": None}
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        conn.initiate_connection()
        conn.send_headers(1, headers, end_stream=True)
        sock.sendall(conn.data_to_send())
        while out["ended"] is None:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                out["ended"] = "closed"
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    out["headers"] = {k.decode(): v.decode("latin-1") for k, v in event.headers}
                    out["status"] = int(out["headers"][":status"])
                elif isinstance(event, h2.events.DataReceived):
                    out["body"] += event.data
                    conn.acknowledge_received_data(len(event.data), event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    out["ended"] = "complete"
                elif isinstance(event, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                    out["ended"] = f"{type(event).__name__}({event.error_code!r})"
            try:  # (a server that ended the connection may have closed it already: nothing more to say)
                sock.sendall(conn.data_to_send())
            except (BrokenPipeError, ConnectionResetError):
                if out["ended"] is None:
                    out["ended"] = "closed"
    return out


def host_seen(answer: dict) -> list[str]:
    """The Host values the echo origin received (the behavior forwards the viewer's)."""
    assert answer["status"] == 200 and answer["ended"] == "complete", answer
    return [value for name, value in json.loads(answer["body"])["headers"] if name.lower() == "host"]


def test_granian_several_hosts_over_http2_are_the_edges_400(tmp_path):
    from .test_hardening_http import start, stop

    log_path = tmp_path / "access.log"
    served = start(tmp_path, "granian", "--access-log", str(log_path), manifest=MANIFEST)
    try:
        two = h2_get(served.port, [*BASE, (":authority", "a.example"), (":path", "/two"),
                                   ("host", "h1.example"), ("host", "h2.example")])
        no_authority = h2_get(served.port, [*BASE, (":path", "/two-bare"), ("host", "h1.example"),
                                            ("host", "h2.example")])
        one = h2_get(served.port, [*BASE, (":authority", "a.example"), (":path", "/one")])
        both = h2_get(served.port, [*BASE, (":authority", "a.example"), (":path", "/same"), ("host", "a.example")])
        # Granian drops `:authority` when a `host` is sent: the edge sees only the `host` (documented)
        differ = h2_get(served.port, [*BASE, (":authority", "a.example"), (":path", "/differ"),
                                      ("host", "b.example")])
        lines = by_uri(log_path, 5)
    finally:
        stop(served.proc)
    for uri, answer in (("/two", two), ("/two-bare", no_authority)):
        assert answer["status"] == 400 and answer["ended"] == "complete", answer
        assert answer["headers"]["x-cache"] == "Error from edge" and "connection" not in answer["headers"], answer
        assert guard_page.HOSTS_SENTENCE in answer["body"].decode(), answer["body"]
        line = lines[uri]
        assert line["request_id"] == answer["headers"]["x-amz-cf-id"], line
        assert line["status"] == 400 and line["detailed_result_type"] == "InvalidRequestHeader", line
        assert line["protocol_version"] == "HTTP/2.0", line
    assert host_seen(one) == ["a.example"] and host_seen(both) == ["a.example"]
    assert host_seen(differ) == ["b.example"]


def test_hypercorn_refuses_several_or_differing_hosts_over_http2_itself(edge_factory, tmp_path):
    """Its h2 library ends the connection (PROTOCOL_ERROR) before the app sees either request."""
    log_path = tmp_path / "access.log"
    edge = edge_factory(MANIFEST, access_log=str(log_path))
    port = edge.server.port
    for headers in ([(":authority", "a.example"), (":path", "/two"), ("host", "h1.example"), ("host", "h2.example")],
                    [(":authority", "a.example"), (":path", "/differ"), ("host", "b.example")]):
        answer = h2_get(port, [*BASE, *headers])
        assert answer["status"] is None and answer["ended"] == "ConnectionTerminated(<ErrorCodes.PROTOCOL_ERROR: 1>)", answer
    assert host_seen(h2_get(port, [*BASE, (":authority", "a.example"), (":path", "/one")])) == ["a.example"]
    assert list(by_uri(log_path, 1)) == ["/one"]  # the refused two never reached the app
