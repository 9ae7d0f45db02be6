"""Request coalescing when the one fetch cannot be shared, through the real edge app on a
loopback port in front of a misbehaving origin on 127.0.0.1 (tests/hostile_origin.py).

- The origin fails the fetch (silent past read_timeout, closes the connection): the viewers
  that waited for it fail with it at once (each its own error page and request id), or get
  their expired copy (stale-if-error); the origin is asked once, nobody waits twice.
- A valid answer not to be shared (private, a 403 without max-age): the others are not given
  it and fetch for themselves; the key then skips coalescing (hit-for-miss) until an answer
  can be stored again.
- The leading viewer leaves mid-fetch: the fetch goes on for the others.
- The origin-response function fails: not shared, each runs its own.

The checks count what reached the origin and when, not how long viewers waited in all (the
machine may be busy): a follower that fetched again shows as a second origin request, or as an
answer a whole origin latency after the others. read_timeout is 1 s (the least allowed) where
the origin is silent, so the file takes some 15 s.
"""

from __future__ import annotations

import asyncio
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from edge.cache import Coalescer

from . import modules as M
from .hostile_origin import HostileOrigin, Reader, Scenario, Writer, answer, wait_for_close

VIEWERS = 12

MANIFEST = """
[origins.hostile]
url = "http://127.0.0.1:{port}"
connect_timeout = 1
read_timeout = 1

[origins.slow]
url = "http://127.0.0.1:{port}"
read_timeout = 3

[functions.broken]
source = "broken.wat"

[[behaviors]]
path = "/silent"
origin = "hostile"

[[behaviors]]
path = "/stale"
origin = "hostile"

[[behaviors]]
path = "/stale500"
origin = "hostile"

[[behaviors]]
path = "/ores/*"
origin = "slow"
origin_response = "broken"

[[behaviors]]
path = "*"
origin = "slow"
"""
LATENCY = 1.0  # of the slow answers: a follower that waited twice would wait 2 s


def after(seconds: float, raw: bytes) -> Scenario:
    """Answer `raw` once `seconds` have passed, then keep the connection."""

    async def scenario(reader: Reader, writer: Writer, head: bytes) -> bool:
        await asyncio.sleep(seconds)
        return await answer(raw, keep=True)(reader, writer, head)

    return scenario


def numbered(seconds: float, headers: bytes, *, status: bytes = b"200 OK") -> Scenario:
    """After `seconds`, an answer whose body is its number among this path's requests (so a
    viewer given another's answer shows)."""
    count = 0

    async def scenario(reader: Reader, writer: Writer, head: bytes) -> bool:
        nonlocal count
        count += 1
        mine = b"answer %d" % count
        await asyncio.sleep(seconds)
        writer.write(b"HTTP/1.1 %s\r\n%sContent-Length: %d\r\n\r\n%s" % (status, headers, len(mine), mine))
        return True

    return scenario


async def silent(reader: Reader, writer: Writer, head: bytes) -> bool:
    await wait_for_close(reader)
    return False


async def closes_late(reader: Reader, writer: Writer, head: bytes) -> bool:
    await asyncio.sleep(LATENCY)
    return False  # closed without a word


def once_then_silent() -> Scenario:
    """A cacheable answer with a one-second lifetime, then silence (stale-if-error)."""
    served = False

    async def scenario(reader: Reader, writer: Writer, head: bytes) -> bool:
        nonlocal served
        if served:
            return await silent(reader, writer, head)
        served = True
        writer.write(b"HTTP/1.1 200 OK\r\nCache-Control: max-age=1\r\nContent-Length: 5\r\n\r\nfirst")
        return True

    return scenario


def once_then_500() -> Scenario:
    """A cacheable answer with a one-second lifetime, then a slow 500 (stale-if-error on a 5xx)."""
    served = False

    async def scenario(reader: Reader, writer: Writer, head: bytes) -> bool:
        nonlocal served
        if served:
            await asyncio.sleep(0.3)
            writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops")
            return True
        served = True
        writer.write(b"HTTP/1.1 200 OK\r\nCache-Control: max-age=1\r\nContent-Length: 5\r\n\r\nfirst")
        return True

    return scenario


class StreamThenQuick:
    """The first request: after 0.6 s, a private chunked answer whose body never ends (the edge
    streams it), held until the edge closes the connection, which is timed; the others: a quick
    private answer."""

    def __init__(self) -> None:
        self.count = 0
        self.closed_after: list[float] = []

    async def __call__(self, reader: Reader, writer: Writer, head: bytes) -> bool:
        self.count += 1
        if self.count > 1:
            writer.write(b"HTTP/1.1 200 OK\r\nCache-Control: private\r\nContent-Length: 5\r\n\r\nquick")
            return True
        await asyncio.sleep(0.6)
        writer.write(b"HTTP/1.1 200 OK\r\nCache-Control: private\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await writer.drain()
        answered = time.monotonic()
        await wait_for_close(reader, hold=20)
        self.closed_after.append(time.monotonic() - answered)
        return False


def private_then_public(private_answers: int) -> Scenario:
    """`private_answers` private answers, then cacheable ones (0.2 s each)."""
    count = 0

    async def scenario(reader: Reader, writer: Writer, head: bytes) -> bool:
        nonlocal count
        count += 1
        mine = b"answer %d" % count
        cc = b"private" if count <= private_answers else b"max-age=60"
        await asyncio.sleep(0.2)
        writer.write(b"HTTP/1.1 200 OK\r\nCache-Control: %s\r\nContent-Length: %d\r\n\r\n%s" % (cc, len(mine), mine))
        return True

    return scenario


@pytest.fixture
def hostile():
    origin = HostileOrigin({
        "/silent": silent,
        "/closes": closes_late,
        "/stale": once_then_silent(),
        "/stale500": once_then_500(),
        "/leader-stream": StreamThenQuick(),
        "/private": numbered(LATENCY, b"Cache-Control: private\r\n"),
        "/forbidden": numbered(LATENCY, b"", status=b"403 Forbidden"),
        "/flip": private_then_public(VIEWERS + 1),
        "/leader-leaves": after(0.6, b"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nContent-Length: 6\r\n\r\nshared"),
        "/ores/x": numbered(0.3, b"Cache-Control: max-age=60\r\n"),
    }).start()
    yield origin
    origin.stop()


@pytest.fixture
def edge(edge_factory, hostile):
    return edge_factory(MANIFEST.format(port=hostile.port), {"broken.wat": M.UNREACHABLE}, debug_errors=False)


def together(edge, path: str, count: int = VIEWERS) -> tuple[list[httpx.Response], float]:
    """`count` viewers asking for `path` at once (one event loop, so they are all sent within
    moments); their answers, and how far apart the first and the last came."""

    async def main() -> list[tuple[httpx.Response, float]]:
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(base_url=edge.url, timeout=30, limits=limits) as client:
            async def one() -> tuple[httpx.Response, float]:
                response = await client.get(path)
                return response, time.monotonic()

            return await asyncio.gather(*(one() for _ in range(count)))

    results = asyncio.run(main())
    done = [at for _, at in results]
    return [r for r, _ in results], max(done) - min(done)


class Peak:
    """The most requests for one path the origin held at once (a scenario wrapped)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.now = self.most = 0

    async def __call__(self, reader: Reader, writer: Writer, head: bytes) -> bool:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            return await self.scenario(reader, writer, head)
        finally:
            self.now -= 1


def asked(origin: HostileOrigin, path: str) -> int:
    return sum(1 for head in origin.heads if head.split(b" ", 2)[1].split(b"?")[0] == path.encode())


def own_error_pages(replies: list[httpx.Response], status: int) -> None:
    ids = set()
    for r in replies:
        assert r.status_code == status, (r.status_code, r.text)
        assert r.headers["x-cache"] == "Error from edge"
        rid = r.headers["x-amz-cf-id"]
        assert f"Request ID: {rid}" in r.text  # its own page, not the leader's
        ids.add(rid)
    assert len(ids) == len(replies)


@pytest.mark.parametrize(("path", "status"), [("/silent", 504), ("/closes", 502)])
def test_an_origin_failure_reaches_everyone_who_waited_once(edge, hostile, path, status):
    replies, spread = together(edge, path)
    own_error_pages(replies, status)
    assert asked(hostile, path) == 1  # nobody asked again
    assert spread < 0.8, spread  # all answered when the one fetch failed, none a timeout later
    # each failure is logged under its own request id, with the origin's reason
    for r in replies:
        (record,) = [x for x in edge.state.logs.query(request_id=r.headers["x-amz-cf-id"]) if x.level == "ERROR"]
        assert record.message.startswith(f"{status}: ")
    assert len(edge.state.pipeline.coalescer._passes) == 0  # a failure is no reason to stop coalescing


def test_a_failure_serves_each_waiting_viewer_its_expired_copy(edge, hostile):
    assert edge.get("/stale").text == "first"
    time.sleep(1.2)  # expired
    replies, spread = together(edge, "/stale")
    assert all(r.status_code == 200 and r.text == "first" and r.headers["x-cache"] == "Hit from edge" for r in replies)
    assert all(int(r.headers["age"]) >= 1 for r in replies)  # the copy's own age, not a fresh one's
    assert asked(hostile, "/stale") == 2
    assert spread < 0.8, spread


def test_an_origin_5xx_serves_each_waiting_viewer_its_own_expired_copy(edge, hostile):
    """The origin answers (500) instead of failing: the leader serves its expired copy, and each
    follower serves its own, with its real Age (it was handed the leader's with Age 0)."""
    assert edge.get("/stale500").text == "first"
    time.sleep(1.2)  # expired
    replies, _ = together(edge, "/stale500")
    assert all(r.status_code == 200 and r.text == "first" and r.headers["x-cache"] == "Hit from edge" for r in replies)
    assert all(int(r.headers["age"]) >= 1 for r in replies), [r.headers["age"] for r in replies]
    assert asked(hostile, "/stale500") == 2  # the first answer and one revalidation for all


@pytest.mark.parametrize("path", ["/private", "/forbidden"])
def test_an_answer_not_to_share_is_not_shared_and_the_key_skips_coalescing(edge, hostile, path):
    replies, _ = together(edge, path)
    # nobody got another's answer: one origin answer each
    assert sorted(r.text for r in replies) == sorted(f"answer {n}" for n in range(1, VIEWERS + 1))
    assert asked(hostile, path) == VIEWERS
    assert len(edge.state.pipeline.coalescer._passes) == 1
    # hit-for-miss: the next viewers go to the origin side by side, none queues behind another
    peak = hostile.scenarios[path] = Peak(hostile.scenarios[path])
    again, spread = together(edge, path)
    assert peak.most == VIEWERS  # queued behind one fetch, at most VIEWERS - 1 would be at once
    assert spread < 0.8 * LATENCY, spread
    assert len({r.text for r in again}) == VIEWERS
    assert asked(hostile, path) == 2 * VIEWERS
    assert len(edge.state.pipeline.coalescer._passes) == 1  # renewed by each such answer


def test_a_cacheable_answer_ends_hit_for_miss(edge, hostile):
    together(edge, "/flip")  # private: the key skips coalescing now
    assert edge.get("/flip").headers["x-cache"] == "Miss from edge"  # the last private one
    stored = edge.get("/flip")  # cacheable: stored, and coalescing is back
    assert stored.headers["x-cache"] == "Miss from edge"
    hit = edge.get("/flip")
    assert hit.headers["x-cache"] == "Hit from edge" and hit.text == stored.text
    assert asked(hostile, "/flip") == VIEWERS + 2


def test_the_fetch_goes_on_for_the_others_when_the_leading_viewer_leaves(edge, hostile):
    port = int(edge.url.rsplit(":", 1)[1])
    leader = socket.create_connection(("127.0.0.1", port))
    leader.sendall(b"GET /leader-leaves HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.15)  # it leads the fetch
    with ThreadPoolExecutor(1) as pool:
        followers = pool.submit(together, edge, "/leader-leaves", VIEWERS - 1)
        time.sleep(0.15)
        leader.close()  # gone mid-fetch
        replies, _ = followers.result(timeout=30)
    assert all(r.status_code == 200 and r.text == "shared" for r in replies)
    assert {r.headers["x-cache"] for r in replies} == {"Hit from edge"}
    assert asked(hostile, "/leader-leaves") == 1


def test_a_streamed_answer_nobody_reads_releases_its_origin_connection(edge, hostile):
    """The leading viewer leaves while others wait; its fetch's answer cannot be shared and is
    streamed: nobody reads it, so it is closed at once and its origin connection released
    (before, that was left to the object's collection, prompt only while nothing kept it)."""
    port = int(edge.url.rsplit(":", 1)[1])
    leader = socket.create_connection(("127.0.0.1", port))
    leader.sendall(b"GET /leader-stream HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.15)  # it leads the fetch
    with ThreadPoolExecutor(1) as pool:
        follower = pool.submit(edge.get, "/leader-stream")
        time.sleep(0.15)
        leader.close()  # gone mid-fetch; the follower keeps the fetch going
        reply = follower.result(timeout=30)
    assert reply.status_code == 200 and reply.text == "quick"  # not given the leader's private answer
    scenario = hostile.scenarios["/leader-stream"]
    deadline = time.monotonic() + 15
    while not scenario.closed_after and time.monotonic() < deadline:
        time.sleep(0.05)
    # released: at once when its answer lands after the leader left, or when the leader's own send
    # notices it is gone; at the latest when the stalled body meets read_timeout (3 s here)
    assert scenario.closed_after and scenario.closed_after[0] < 5, scenario.closed_after


def test_a_failing_origin_response_function_is_not_shared(edge, hostile):
    replies, _ = together(edge, "/ores/x", 6)
    own = {r.headers["x-amz-cf-id"] for r in replies}
    assert len(own) == 6
    assert all(r.status_code == 503 and r.headers["x-cache"] == "LambdaExecutionError from edge" for r in replies)
    assert asked(hostile, "/ores/x") == 6  # each ran its own function on its own answer


# -- the hit-for-miss memory ------------------------------------------------------------------


def test_hit_for_miss_expires_and_is_bounded():
    now = [0.0]
    coalescer = Coalescer(pass_seconds=10, max_passes=3, clock=lambda: now[0])
    coalescer.answered("a", shareable=False)
    assert coalescer.passes("a") and not coalescer.passes("b")
    now[0] = 10.0
    assert not coalescer.passes("a")  # expired, and forgotten
    for key in "bcde":
        coalescer.answered(key, shareable=False)
        now[0] += 1
    assert [coalescer.passes(k) for k in "bcde"] == [False, True, True, True]  # the oldest went
    coalescer.answered("c", shareable=True)
    assert not coalescer.passes("c")
    now[0] = 100.0
    coalescer.answered("f", shareable=False)  # the expired ones are dropped on the way
    assert len(coalescer._passes) == 1
