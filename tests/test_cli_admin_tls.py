"""The CLI's admin client loads certificates only for an https:// admin API, and verifies it there."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator

import pytest
import trustme

from edge.cli.admin_client import AdminClient, AdminError

from .conftest import free_port


@pytest.fixture
def tls_listener(tmp_path) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """A loopback TLS listener with a certificate from a CA nobody trusts; answers `{}` once per connection."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    port = free_port()
    listener = socket.create_server(("127.0.0.1", port))
    listener.settimeout(10)

    def serve() -> None:
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            except (OSError, ssl.SSLError):
                pass  # the client refused the certificate

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    listener.close()
    thread.join(timeout=10)


def test_an_https_admin_api_with_an_untrusted_certificate_is_refused(tls_listener):
    client = AdminClient(f"https://127.0.0.1:{tls_listener}", None, timeout=10)
    with pytest.raises(AdminError, match="CERTIFICATE_VERIFY_FAILED"):
        client.request("GET", "/v1/functions")


def test_a_plain_http_admin_api_costs_no_certificate_loading():
    """Loading the system's CA certificates is 30-150 ms of every command; plain HTTP never uses them."""
    plain = AdminClient("http://127.0.0.1:1", None)
    secure = AdminClient("https://127.0.0.1:1", None)
    assert plain.http._transport._pool._ssl_context.cert_store_stats()["x509_ca"] == 0  # type: ignore[attr-defined]
    assert secure.http._transport._pool._ssl_context.cert_store_stats()["x509_ca"] > 0  # type: ignore[attr-defined]
