"""Non-ASCII in a request's uri or querystring reaches the origin as an ASCII target.

A function that writes `/日本/€` or `q=日本` into a request got a bare 500 (an exception in the
upstream client, no CloudFront error, no log line); one writing `/café` got a 502 blaming spaces
or control characters. AWS sends a changed uri or querystring as UTF-8: it arrives
percent-encoded as its UTF-8 bytes, through the plain-HTTP client and the HTTPS one alike. A
viewer's raw bytes above 0x7F in its query string (the event shows them as ISO-8859-1
characters, as CloudFront does) are percent-encoded byte for byte on the way to the origin,
where they were a 502.
"""

from __future__ import annotations

import ssl

import pytest

from .hostile_origin import HostileOrigin
from .test_cache_hostile import raw
from .test_hardening_http import start, stop


def c_function(change: str) -> str:
    return f"""#define EDGE_IMPLEMENTATION
#include "edge.h"

int edge_main(edge_event *ev) {{
    if ({change} < 0) return -1;
    return EDGE_OK;
}}
"""


FUNCTIONS = {
    "cjk/main.c": c_function('edge_set_uri(ev, "/日本/€")'),
    "latin/main.c": c_function('edge_set_uri(ev, "/café/ü")'),
    "query/main.c": c_function('edge_set_querystring(ev, "q=日本&x=é&kept=%41")'),
}


@pytest.fixture(scope="module")
def ca():  # type: ignore[no-untyped-def]
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


def _tls(ca) -> ssl.SSLContext:  # type: ignore[no-untyped-def]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    context.set_alpn_protocols(["http/1.1"])
    return context


@pytest.fixture
def served(ca, edge_factory, tmp_path):  # type: ignore[no-untyped-def]
    plain, secure = HostileOrigin({}).start(), HostileOrigin({}, tls=_tls(ca)).start()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    manifest = (f'[origins.plain]\nurl = "http://127.0.0.1:{plain.port}"\n'
                f'[origins.secure]\nurl = "https://127.0.0.1:{secure.port}"\nca_file = "ca.pem"\n'
                '[functions.cjk]\nsource = "cjk/"\n[functions.latin]\nsource = "latin/"\n'
                '[functions.query]\nsource = "query/"\n')
    for prefix, origin in (("", "plain"), ("/tls", "secure")):
        manifest += (f'[[behaviors]]\npath = "{prefix}/cjk/*"\norigin = "{origin}"\ncache = "disabled"\n'
                     'viewer_request = "cjk"\n'
                     f'[[behaviors]]\npath = "{prefix}/latin/*"\norigin = "{origin}"\ncache = "disabled"\n'
                     'viewer_request = "latin"\n'
                     f'[[behaviors]]\npath = "{prefix}/query/*"\norigin = "{origin}"\ncache = "disabled"\n'
                     'origin_request = "query"\n')
    manifest += '[[behaviors]]\npath = "*"\norigin = "plain"\ncache = "disabled"\n'
    try:
        yield edge_factory(manifest, FUNCTIONS), plain, secure
    finally:
        plain.stop()
        secure.stop()


def _target(origin: HostileOrigin) -> bytes:
    """The request target of the origin's last request, as the bytes it received."""
    return origin.heads[-1].split(b"\r\n", 1)[0].split(b" ")[1]


def test_a_functions_non_ascii_uri_and_querystring_reach_the_origin_as_utf8_escapes(served):
    edge, plain, secure = served
    for prefix, origin in (("", plain), ("/tls", secure)):
        for path, target in ((f"{prefix}/cjk/x", b"/%E6%97%A5%E6%9C%AC/%E2%82%AC"),
                             (f"{prefix}/latin/x", b"/caf%C3%A9/%C3%BC"),
                             (f"{prefix}/query/x", f"{prefix}/query/x?q=%E6%97%A5%E6%9C%AC&x=%C3%A9&kept=%41".encode())):
            response = edge.get(path)
            assert response.status_code == 200, (path, response.status_code, response.text)
            assert _target(origin) == target, path


def test_a_viewers_raw_query_bytes_are_escaped_byte_for_byte(ca, tmp_path):
    """Under Granian, the default server (Hypercorn's h11 refuses such a target with a 400)."""
    plain, secure = HostileOrigin({}).start(), HostileOrigin({}, tls=_tls(ca)).start()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    manifest = (f'[origins.plain]\nurl = "http://127.0.0.1:{plain.port}"\n'
                f'[origins.secure]\nurl = "https://127.0.0.1:{secure.port}"\nca_file = "ca.pem"\n'
                '[[behaviors]]\npath = "/tls/*"\norigin = "secure"\ncache = "disabled"\n'
                'forward = { query_strings = "all" }\n'
                '[[behaviors]]\npath = "*"\norigin = "plain"\ncache = "disabled"\n'
                'forward = { query_strings = "all" }\n')
    served = start(tmp_path, "granian", manifest=manifest)
    try:
        for prefix, origin in (("", plain), ("/tls", secure)):
            request = f"GET {prefix}/raw?q=".encode() + "日本".encode() + b"&l=\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n"
            reply = raw(f"http://127.0.0.1:{served.port}", request)
            assert reply.startswith(b"HTTP/1.1 200"), reply[:300]
            assert _target(origin) == f"{prefix}/raw?q=%E6%97%A5%E6%9C%AC&l=%C3%A9".encode()
    finally:
        stop(served.proc)
        plain.stop()
        secure.stop()
