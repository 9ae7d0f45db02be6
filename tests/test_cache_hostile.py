"""What a hostile viewer or origin tried against the cache, each now refused or kept apart:
a GET with a body (the body ignored by the key, read by the origin), a 304 that sets a cookie,
an answer already old when it arrived (`Age`), an answer fetched before an invalidation."""

from __future__ import annotations

import socket
import threading
import time

from .control_helpers import ControlServer
from .test_pipeline import start


def raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while b"\r\n\r\n" not in reply or (not request.startswith(b"HEAD ")
                                              and len(reply) < reply.index(b"\r\n\r\n") + 4 + _length(reply)):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply


def _length(reply: bytes) -> int:
    for line in reply.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def test_a_get_or_head_with_a_body_is_403_and_never_reaches_the_origin_or_the_cache(edge_factory, fresh_origin):
    """CloudFront answers 403 to a GET with a body: here the body also never reaches an origin
    (re-framed as chunked, it would answer under a key that ignores it: cache poisoning)."""
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/echo*"
origin = "api"
""")
    for request in (b"GET /echo/a HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n<script>x()",
                    b"GET /echo/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n<script>x()\r\n0\r\n\r\n",
                    b"HEAD /echo/a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"):
        reply = raw(edge.url, request)
        assert reply.startswith(b"HTTP/1.1 403 "), reply[:200]
        assert b"\r\nx-cache: Error from edge\r\n" in reply, reply[:400]
        if not request.startswith(b"HEAD"):
            assert b"does not accept a GET or HEAD request with a body" in reply
    assert fresh_origin.hits["/echo/a"] == 0
    empty = raw(edge.url, b"GET /echo/a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")  # no body: fine
    assert empty.startswith(b"HTTP/1.1 200 ") and fresh_origin.hits["/echo/a"] == 1
    assert edge.get("/echo/a").headers["x-cache"] == "Hit from edge"


def test_a_304_that_sets_a_cookie_refreshes_only_that_viewers_copy(edge_factory, fresh_origin):
    """The cookie a revalidation's 304 sets is that viewer's: the stored entry is not refreshed
    with it (a later viewer got it as a Hit); as for a 200, a response that sets a cookie is not
    stored for everyone unless the origin says `public`."""
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/r*"
origin = "api"
cache = { min_ttl = 0, default_ttl = 1, max_ttl = 60, query_strings = "all" }
""")
    path = "/r?etag=%22v1%22&cc=max-age%3D60&cookie304=session"
    assert edge.get(path).headers["x-cache"] == "Miss from edge"
    for entry in edge.state.cache._entries.values():
        entry.stored_at -= 120  # expired: the next request revalidates
    first = edge.get(path)
    assert first.headers["x-cache"] == "RefreshHit from edge" and first.headers["set-cookie"] == "session-2"
    second = edge.get(path)  # not a Hit carrying the first viewer's cookie: its own revalidation
    assert second.headers["x-cache"] == "RefreshHit from edge" and second.headers["set-cookie"] == "session-3"
    assert fresh_origin.hits["/r"] == 3


def test_an_answer_already_old_when_it_arrived_is_fresh_only_for_what_is_left(edge_factory, fresh_origin):
    """The origin's `Age` (an answer from another cache) counts in the entry's age (RFC 9111,
    section 4.2.3): max-age=60 with Age: 100 is stale at once; with Age: 10 a hit says Age >= 10."""
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/aged*"
origin = "api"
cache = { query_strings = "all" }
""")
    assert edge.get("/aged?cc=max-age%3D60&age=100").headers["x-cache"] == "Miss from edge"
    assert edge.get("/aged?cc=max-age%3D60&age=100").headers["x-cache"] == "Miss from edge"
    assert fresh_origin.hits["/aged"] == 2
    edge.get("/aged?cc=max-age%3D60&age=10")
    hit = edge.get("/aged?cc=max-age%3D60&age=10")
    assert hit.headers["x-cache"] == "Hit from edge" and 10 <= int(hit.headers["age"]) < 20


def test_an_answer_fetched_before_an_invalidation_is_not_stored(tmp_path, fresh_origin):
    """An invalidation made while an origin request is in flight covers its answer too: it is
    served to the viewer who asked but not stored (it was kept for its whole TTL, serving the
    content the invalidation was made to remove)."""
    (tmp_path / "m.toml").write_text(f"""
[origins.api]
url = "{fresh_origin.server.url}"

[[behaviors]]
path = "/slow*"
origin = "api"
cache = {{ query_strings = "all" }}

[[behaviors]]
path = "*"
origin = "api"
""")
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        replies: list = []
        asking = threading.Thread(target=lambda: replies.append(server.edge.get("/slow/inv?s=1.0")))
        asking.start()
        deadline = time.monotonic() + 10
        while fresh_origin.hits["/slow/inv"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        r = server.admin.post("/v1/invalidations", json={"paths": ["/slow/*"]})
        assert r.status_code == 201, r.text
        asking.join(15)
        assert replies[0].status_code == 200 and replies[0].headers["x-cache"] == "Miss from edge"
        later = server.edge.get("/slow/inv?s=1.0")
        assert later.headers["x-cache"] == "Miss from edge", later.headers  # not stored: fetched again
        assert fresh_origin.hits["/slow/inv"] == 2
        assert server.edge.get("/slow/inv?s=1.0").headers["x-cache"] == "Hit from edge"  # stored now
    finally:
        server.stop()
