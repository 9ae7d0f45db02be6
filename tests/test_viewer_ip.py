"""The viewer's address on a dual-stack listener (`edge serve --host ::`): an IPv4 viewer arrives
in the ASGI scope as `::ffff:127.0.0.1`, a form CloudFront never shows. Functions (an IPv4 allow
list on `clientIp`), the origin's X-Forwarded-For and the country lookup get `127.0.0.1`, as on
CloudFront; an IPv6 viewer keeps its address."""

from __future__ import annotations

import socket

import httpx
import pytest

from .control_helpers import serving


def dual_stack() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            probe.bind(("::", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not dual_stack(), reason="this machine has no dual-stack IPv6 sockets")
def test_an_ipv4_viewer_of_a_dual_stack_listener_is_its_ipv4_address(tmp_path):
    (tmp_path / "m.toml").write_text('[origins.echo]\ntype = "echo"\n\n[[behaviors]]\npath = "*"\norigin = "echo"\n'
                                     'cache = "disabled"\n')
    with serving(tmp_path, tmp_path / "m.toml", tmp_path / "state", "--host", "::") as server:
        server.wait_ready()
        for base, viewer in ((f"http://127.0.0.1:{server.port}", "127.0.0.1"), (f"http://[::1]:{server.port}", "::1")):
            echoed = httpx.get(f"{base}/where", timeout=10).json()
            assert dict(echoed["headers"])["X-Forwarded-For"] == viewer, echoed
