"""An https origin's `keepalive_timeout` (CloudFront's origin keep-alive timeout), through the
whole edge against real TLS origins on 127.0.0.1 with a certificate from a test CA: an idle
connection is reused within it and not after it (connections are counted where the origin
accepts them), over HTTP/1.1 and HTTP/2, and an origin-request function's `keepaliveTimeout`
governs its own request. Pauses straddle the 1 s timeout (0.2 s, 1.2 s); 5 s is the default.
Which timeout a request a function switched to another origin takes: Origins.resolve."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from edge.config.origins import OriginSpec
from edge.pipeline.events import event_origin
from edge.upstream.http import HttpUpstream
from edge.upstream.origins import Origins

from .hostile_origin import HostileOrigin, http2_only
from .test_origin_faults import _tls

# An origin-request function setting keepaliveTimeout 1 (C with the SDK: any language's would do)
SHORTEN = """#define EDGE_IMPLEMENTATION
#include "edge.h"

int edge_main(edge_event *ev) {
    return edge_set_number(ev, "request.origin.custom.keepaliveTimeout", 1) < 0 ? -1 : EDGE_OK;
}
"""

PAST = 1.2  # more than the 1 s timeout
WITHIN = 0.2


@pytest.fixture(scope="module")
def ca():  # type: ignore[no-untyped-def]
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


@pytest.fixture
def origin(ca) -> Iterator[HostileOrigin]:  # type: ignore[no-untyped-def]
    """An HTTP/1.1 https origin answering every request on a kept-alive connection."""
    started = HostileOrigin({}, tls=_tls(ca.issue_cert("127.0.0.1"))).start()
    yield started
    started.stop()


def _edge(edge_factory, tmp_path, ca, origin: HostileOrigin, settings: str = "", files=None):  # type: ignore[no-untyped-def]
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    return edge_factory(
        f'[origins.tls]\nurl = "https://127.0.0.1:{origin.port}"\nca_file = "ca.pem"\n{settings}\n'
        + ('[functions.shorten]\nsource = "shorten/"\n'
           '[[behaviors]]\npath = "/short/*"\norigin = "tls"\ncache = "disabled"\norigin_request = "shorten"\n'
           if files else "")
        + '[[behaviors]]\npath = "*"\norigin = "tls"\ncache = "disabled"\n',
        files,
    )


def _fetch(edge, path: str) -> None:  # type: ignore[no-untyped-def]
    answered = edge.get(path)
    assert answered.status_code == 200 and answered.content == path.encode(), answered.text


def test_an_idle_https_connection_is_reused_only_within_the_keepalive_timeout(ca, origin, edge_factory, tmp_path):
    edge = _edge(edge_factory, tmp_path, ca, origin, "keepalive_timeout = 1")
    _fetch(edge, "/a")
    time.sleep(WITHIN)
    _fetch(edge, "/b")
    assert origin.accepted == 1  # within the timeout: the same connection
    time.sleep(PAST)
    _fetch(edge, "/c")
    assert origin.accepted == 2  # idle too long: a new connection
    assert origin.settled(1)  # and the old one was closed, not left open


def test_the_default_keeps_5_s_and_a_functions_keepalive_timeout_governs_its_request(ca, origin, edge_factory, tmp_path):
    """The origin has the default 5 s; behind /short/* a function sets keepaliveTimeout = 1.
    Both share the origin's pool: each request judges an idle connection by its own timeout."""
    edge = _edge(edge_factory, tmp_path, ca, origin, files={"shorten/main.c": SHORTEN})
    _fetch(edge, "/a")
    time.sleep(PAST)
    _fetch(edge, "/b")
    assert origin.accepted == 1  # 1.2 s idle is within the default 5 s
    _fetch(edge, "/short/c")
    assert origin.accepted == 1  # idle for no time: within the function's 1 s too
    time.sleep(PAST)
    _fetch(edge, "/short/d")
    assert origin.accepted == 2  # 1.2 s idle is past the function's 1 s: a new connection
    assert origin.settled(1)
    _fetch(edge, "/e")
    assert origin.accepted == 2  # the new connection serves the origin's own requests as before


def test_an_http2_origin_keeps_its_keepalive_timeout_too(ca, edge_factory, tmp_path):
    h2 = HostileOrigin({}, tls=_tls(ca.issue_cert("127.0.0.1"), ("h2",)), connection=http2_only).start()
    try:
        edge = _edge(edge_factory, tmp_path, ca, h2, "http2 = true\nkeepalive_timeout = 1")
        for path in ("/a", "/b"):
            answered = edge.get(path)
            assert answered.status_code == 200 and answered.content == b"over h2", answered.text
            time.sleep(WITHIN)
        assert h2.accepted == 1  # one connection, reused
        time.sleep(PAST - WITHIN)
        assert edge.get("/c").content == b"over h2"
        assert h2.accepted == 2  # idle past 1 s: a new connection
        assert h2.settled(1)  # the expired one closed
    finally:
        h2.stop()


def test_which_keepalive_timeout_a_request_a_function_switched_takes(tmp_path):
    """A value the function set; else, left as the event showed it (whole seconds), the
    setting of the origin the request goes to (an allowed host: the allowing origin's)."""
    specs = {
        "a": OriginSpec.parse("a", {"url": "https://a.example", "keepalive_timeout": 2.5,
                                    "allow_hosts": ["b.example"]}, tmp_path),
        "c": OriginSpec.parse("c", {"url": "https://c.example", "keepalive_timeout": 30}, tmp_path),
    }
    origins = Origins(specs, HttpUpstream())
    shown = event_origin(specs["a"])["custom"]
    assert shown["keepaliveTimeout"] == 2

    def keepalive(**changed: object) -> float:
        resolved = origins.resolve(specs["a"], {"custom": {**shown, **changed}})
        assert resolved is not None
        return resolved[1].keepalive_timeout

    assert keepalive() == 2.5  # left as shown: the setting, not its whole seconds
    assert keepalive(keepaliveTimeout=1) == 1.0
    assert keepalive(domainName="c.example") == 30.0  # another declared origin: its own
    assert keepalive(domainName="c.example", keepaliveTimeout=7) == 7.0
    assert keepalive(domainName="b.example") == 2.5  # an allowed host: the allowing origin's
    assert keepalive(domainName="b.example", keepaliveTimeout=9) == 9.0
