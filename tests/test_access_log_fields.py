"""The access log's connection fields, added after the existing ones: `protocol` (CloudFront's
cs-protocol), `protocol_version` (cs-protocol-version), `ssl_protocol` and `ssl_cipher`
(ssl-protocol, ssl-cipher) and `user_agent` (cs(User-Agent)). A real `edge serve` over TLS,
HTTP/2, HTTP/1.1 and TLS 1.2, under Granian and Hypercorn (whose server hooks put ASGI's TLS
extension in the scope; Granian gives nothing of the TLS); plain HTTP/1.0 and 1.1 from raw sockets
and a proxied WebSocket on an in-process Hypercorn edge; and the extension's numbers named."""

from __future__ import annotations

import socket
import ssl

import httpx
import pytest
import trustme
from websockets.sync.client import connect

from edge.server.app import create_app
from edge.server.state import ServerOptions

from .conftest import Edge, ServerThread
from .test_access_log_refusals import api_manifest, by_uri
from .test_pipeline import raw_get, status_of

# the fields every line had before these were added, in their order: they stay as they were
EXISTING = ["time", "request_id", "client_ip", "method", "host", "uri", "querystring", "status", "bytes", "behavior",
            "cache", "result_type", "detailed_result_type", "hooks", "origin_status", "origin_ms", "total_ms"]
ADDED = ["protocol", "protocol_version", "ssl_protocol", "ssl_cipher", "user_agent"]


def fields(line: dict) -> tuple:
    return tuple(line[name] for name in ADDED)


@pytest.mark.parametrize("server", ["granian", "hypercorn"])
def test_tls_http2_and_http11_lines_say_so(server, tmp_path, origin):
    from .test_hardening_http import start, stop

    ca = trustme.CA()
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    log_path = tmp_path / "access.log"
    served = start(tmp_path, server, "--certfile", "server.pem", "--keyfile", "server.pem", "--access-log",
                   str(log_path), manifest=api_manifest(origin.server.url))
    try:
        base = f"https://127.0.0.1:{served.port}"
        context = ssl.create_default_context(cafile=str(ca_file))
        with httpx.Client(http2=True, verify=context) as client:
            reply = client.get(f"{base}/two?x=1", headers={"User-Agent": "probe-h2/1.0"})
            assert reply.status_code == 200 and reply.http_version == "HTTP/2"
        with httpx.Client(http1=True, verify=context) as client:
            reply = client.get(f"{base}/one", headers={"User-Agent": "probe-h1/1.0"})
            assert reply.status_code == 200 and reply.http_version == "HTTP/1.1"
        # TLS connections without ALPN: HTTP/1.x; one of them TLS 1.2. What the client negotiated is
        # what the line must name
        negotiated = {}
        for path, version, most in (("/ten", "1.0", None), ("/twelve", "1.1", ssl.TLSVersion.TLSv1_2)):
            context_here = ssl.create_default_context(cafile=str(ca_file))
            if most is not None:
                context_here.maximum_version = most
            with socket.create_connection(("127.0.0.1", served.port), timeout=10) as raw_socket, \
                    context_here.wrap_socket(raw_socket, server_hostname="127.0.0.1") as tls:
                negotiated[path] = (tls.version(), tls.cipher()[0])
                tls.sendall(f"GET {path} HTTP/{version}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
                answer = b""  # (and no User-Agent)
                while chunk := tls.recv(65536):
                    answer += chunk
            assert status_of(answer) == 200, answer[:200]
        assert negotiated["/ten"][0] == "TLSv1.3" and negotiated["/twelve"][0] == "TLSv1.2", negotiated
        lines = by_uri(log_path, 4)
        assert list(lines["/two"]) == EXISTING + ADDED  # added after the existing fields, none renamed
        if server == "hypercorn":  # the server hooks give each request its connection's TLS (once per connection)
            tls13 = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
            assert fields(lines["/two"])[:3] == ("https", "HTTP/2.0", "TLSv1.3"), lines["/two"]
            assert lines["/two"]["ssl_cipher"] in tls13 and lines["/one"]["ssl_cipher"] in tls13
            assert fields(lines["/one"])[:3] == ("https", "HTTP/1.1", "TLSv1.3")
            assert fields(lines["/ten"]) == ("https", "HTTP/1.0", *negotiated["/ten"], None)
            assert fields(lines["/twelve"]) == ("https", "HTTP/1.1", *negotiated["/twelve"], None)
            assert "-" in negotiated["/twelve"][1]  # OpenSSL's TLS 1.2 name (ECDHE-...-GCM-SHA384), not IANA's
        else:  # Granian gives an app nothing of the connection's TLS: https, but no protocol or cipher to name
            assert fields(lines["/two"]) == ("https", "HTTP/2.0", None, None, "probe-h2/1.0")
            assert fields(lines["/one"]) == ("https", "HTTP/1.1", None, None, "probe-h1/1.0")
            assert fields(lines["/ten"]) == ("https", "HTTP/1.0", None, None, None)  # Granian says "1" for HTTP/1.0
            assert fields(lines["/twelve"]) == ("https", "HTTP/1.1", None, None, None)
        assert lines["/two"]["user_agent"] == "probe-h2/1.0" and lines["/one"]["user_agent"] == "probe-h1/1.0"
        assert lines["/two"]["host"] == f"127.0.0.1:{served.port}"  # HTTP/2's :authority
        assert lines["/two"]["querystring"] == "x=1" and lines["/two"]["status"] == 200
    finally:
        stop(served.proc)


def test_plain_http_lines_and_a_websocket(edge_factory, fresh_origin, tmp_path):
    from .test_websocket import WebSocketOrigin

    log_path = tmp_path / "access.log"
    with WebSocketOrigin() as ws_origin:
        manifest = api_manifest(fresh_origin.server.url).replace('[[behaviors]]', f'''[origins.ws]
url = "http://127.0.0.1:{ws_origin.port}"
[[behaviors]]
path = "/ws/*"
origin = "ws"
[[behaviors]]''', 1)
        edge = edge_factory(manifest, access_log=str(log_path))
        assert status_of(raw_get(edge.url, "/old", [("Host", "x")], "GET")) == 200
        with socket.create_connection(("127.0.0.1", edge.server.port), timeout=10) as s:
            s.sendall(b"GET /ten HTTP/1.0\r\nHost: x\r\nUser-Agent: caf\xe9/1\r\n\r\n")  # not ASCII: as latin-1
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        assert status_of(answer) == 200
        with connect(f"ws://127.0.0.1:{edge.server.port}/ws/chat", user_agent_header="ws-probe/1") as ws:
            ws.send("hello")
            assert ws.recv(5) == "hello"
        lines = by_uri(log_path, 3)
    assert fields(lines["/old"]) == ("http", "HTTP/1.1", None, None, None)
    assert fields(lines["/ten"]) == ("http", "HTTP/1.0", None, None, "caf\u00e9/1")
    assert fields(lines["/ws/chat"]) == ("ws", "HTTP/1.1", None, None, "ws-probe/1")
    assert lines["/ws/chat"]["status"] == 101 and lines["/ws/chat"]["bytes"] == 5


class TlsScope:
    """What a server that fills ASGI's TLS extension would pass: `X-Test-Tls: <version>-<suite>`
    (hexadecimal) becomes scope["extensions"]["tls"] in front of the real edge app."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            wanted = dict(scope["headers"]).get(b"x-test-tls")
            if wanted:
                version, suite = (int(part, 16) for part in wanted.decode().split("-"))
                scope = {**scope, "scheme": "https", "extensions": {**scope.get("extensions", {}), "tls": {
                    "server_cert": None, "client_cert_chain": [], "client_cert_name": None,
                    "client_cert_error": None, "tls_version": version, "cipher_suite": suite}}}
        await self.app(scope, receive, send)


def test_the_asgi_tls_extension_names_the_protocol_and_cipher(fresh_origin, tmp_path):
    (tmp_path / "m.toml").write_text(api_manifest(fresh_origin.server.url))
    log_path = tmp_path / "access.log"
    edge = Edge.__new__(Edge)  # as the edge_factory's, with the app behind the shim above
    edge.options = ServerOptions(manifest=str(tmp_path / "m.toml"), state_dir=str(tmp_path / "state"),
                                 access_log=str(log_path))
    edge.app = create_app(edge.options)
    edge.server = ServerThread(TlsScope(edge.app), date_header=False)
    edge.url = edge.server.url
    edge.client = httpx.Client(base_url=edge.url, timeout=30)
    edge.server.start()
    try:
        for path, tls in (("/t13", "0304-1301"), ("/t12", "0303-c02f"), ("/odd", "7f00-fefe")):
            assert status_of(raw_get(edge.url, path, [("Host", "x"), ("X-Test-Tls", tls)])) == 200
        lines = by_uri(log_path, 3)
    finally:
        edge.close()
    assert fields(lines["/t13"])[:4] == ("https", "HTTP/1.1", "TLSv1.3", "TLS_AES_128_GCM_SHA256")
    assert fields(lines["/t12"])[:4] == ("https", "HTTP/1.1", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")
    assert fields(lines["/odd"])[:4] == ("https", "HTTP/1.1", "0x7F00", "0xFEFE")  # unknown numbers, as numbers
