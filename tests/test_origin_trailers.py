"""Trailer fields from an origin (after a chunked body's last chunk) are never header fields:
not served to the viewer, not read for the caching decision, whether they arrive in the same
packet as the body or later (RFC 9110 section 6.5.1). Trailers the parser refuses, or that never
end, break the body off. Raw-socket origins (tests/hostile_origin.py) in front of the real edge
(edge/upstream/h1conn.py)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from .hostile_origin import Reader, Scenario, Writer, answer, wait_for_close
from .test_origin_faults import Trial, error_page, hostile, streamed_and_cached  # noqa: F401  (hostile: a fixture)

HEAD = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: max-age=60\r\nContent-Type: text/plain\r\n"
        b"Trailer: Set-Cookie, Cache-Control, Location\r\n\r\n")
BODY = b"5\r\nhello\r\n6\r\n world\r\n0\r\n"
TRAILER = b"Set-Cookie: sess=victim\r\nCache-Control: no-store\r\nLocation: http://evil/\r\nX-Trailer: 1\r\n\r\n"


def _trailer_later(trailer: bytes) -> Scenario:
    """The head and body, then after a pause (the edge has read them) the trailer section."""

    async def scenario(reader: Reader, writer: Writer, head: bytes) -> bool:
        writer.write(HEAD + BODY)
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.write(trailer)
        await writer.drain()
        return True

    return scenario


SCENARIOS = {
    **streamed_and_cached("/same", answer(HEAD + BODY + TRAILER, keep=True)),
    **streamed_and_cached("/later", _trailer_later(TRAILER)),
}


def _without_trailer_fields(response: httpx.Response) -> None:
    assert (response.status_code, response.text) == (200, "hello world")
    assert "set-cookie" not in response.headers and "location" not in response.headers
    assert "x-trailer" not in response.headers and "trailer" not in response.headers
    assert response.headers.get_list("cache-control") == ["max-age=60"]


@pytest.mark.parametrize("path", ["/same", "/later"], ids=["same-packet", "later-packet"])
def test_trailer_fields_are_never_served_or_cached_as_headers(hostile, path):  # noqa: F811
    trial: Trial = hostile(SCENARIOS)
    _without_trailer_fields(trial.get(path))  # streamed (a behavior that caches nothing)
    first = trial.get("/cached" + path)
    _without_trailer_fields(first)
    assert first.headers["x-cache"] == "Miss from edge"
    hit = trial.get("/cached" + path)  # cached per its own Cache-Control, not the trailer's no-store
    _without_trailer_fields(hit)
    assert hit.headers["x-cache"] == "Hit from edge"
    assert sum(b"/cached" + path.encode() in head for head in trial.origin.heads) == 1
    after = trial.get("/next")  # the trailer was read whole: the next answer on the connection is its own
    assert (after.status_code, after.content) == (200, b"/next") and "set-cookie" not in after.headers


def test_the_same_whichever_packet_the_trailer_comes_in(hostile):  # noqa: F811
    trial: Trial = hostile(SCENARIOS)

    def names(response: httpx.Response) -> list[str]:
        return sorted(set(response.headers) - {"x-amz-cf-id", "date", "age"})

    same, later = trial.get("/cached/same"), trial.get("/cached/later")
    assert names(same) == names(later) and same.headers["x-cache"] == later.headers["x-cache"] == "Miss from edge"
    assert trial.get("/cached/same").headers["x-cache"] == trial.get("/cached/later").headers["x-cache"] == "Hit from edge"


async def _endless_trailer(reader: Reader, writer: Writer, head: bytes) -> bool:
    writer.write(HEAD + BODY + b"X-Big: ")
    await writer.drain()
    await asyncio.sleep(0.2)
    for _ in range(8):  # 128 KiB of one trailer field that does not end
        writer.write(b"a" * 16384)
        await writer.drain()
    await wait_for_close(reader)
    return False


BROKEN = {  # the trailer breaks the answer off after its whole body came
    "/length-trailer": (answer(HEAD + BODY + b"Content-Length: 11\r\nX-Trailer: 1\r\n\r\n", then_hold=True),
                        "OriginInvalidResponseError", "not valid HTTP/1.1"),
    "/endless-trailer": (_endless_trailer, "OriginHeaderTooBigError", "trailer fields"),
}


@pytest.mark.parametrize("path", BROKEN)
def test_a_trailer_the_parser_refuses_or_that_never_ends_breaks_the_body_off(hostile, path):  # noqa: F811
    scenario, result, said = BROKEN[path]
    trial: Trial = hostile(streamed_and_cached(path, scenario))
    with trial.edge.client.stream("GET", path) as streamed:
        assert streamed.status_code == 200 and "x-trailer" not in streamed.headers
        assert "content-length" not in streamed.headers  # chunked to the viewer, so the cut shows
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read|peer closed connection"):
            streamed.read()
    line = trial.access_line(streamed.headers["x-amz-cf-id"])
    assert (line["status"], line["result_type"], line["detailed_result_type"]) == (200, "Error", result)
    cached = trial.get("/cached" + path)  # read whole first: a 502, nothing stored
    error_page(trial, cached, 502, result, said)
    assert "x-trailer" not in cached.headers and "set-cookie" not in cached.headers
    assert trial.get("/cached" + path).status_code == 502
    assert trial.origin.settled(0)
    trial.still_serving()
