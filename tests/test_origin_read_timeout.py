"""An origin-request function's `readTimeout` (CloudFront's origin response timeout, 4-60 s)
on a declared origin, through the whole edge against a real slow origin on 127.0.0.1: the
function's value governs its request; one left as the event showed it keeps the origin's own
`read_timeout`; one outside 4-60 is still refused. Which read timeout a request a function
switched to another origin, or to an `allow_hosts` host, takes: Origins.resolve (the fractional
and switched cases a whole-second event cannot show).

The waits are CloudFront's minimum (4 s) and a little more; the two slow requests run side by
side, so the file takes about 5 s."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from edge.config.origins import OriginSpec
from edge.pipeline.events import event_origin
from edge.upstream.http import HttpUpstream
from edge.upstream.origins import Origins

from .hostile_origin import HostileOrigin, Reader, Scenario, Writer, answer

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nanswered"


def after(seconds: float) -> Scenario:
    """Answer OK once `seconds` have passed (a slow origin, not a silent one)."""

    async def scenario(reader: Reader, writer: Writer, head: bytes) -> bool:
        await asyncio.sleep(seconds)
        return await answer(OK)(reader, writer, head)

    return scenario


def function(change: str) -> str:
    """An origin-request function (C, with the SDK: what is under test is what the edge does with
    the request it returns, in any language) making one change to the request's origin."""
    return f"""#define EDGE_IMPLEMENTATION
#include "edge.h"

int edge_main(edge_event *ev) {{
    if ({change} < 0) return -1;
    return EDGE_OK;
}}
"""


SHORTEN = function('edge_set_number(ev, "request.origin.custom.readTimeout", 4)')
# changes the origin (so it is looked up again) but leaves readTimeout as the event showed it
KEEP = function('edge_header_set_keyed(edge_origin_headers(ev), "x-touched", "X-Touched", "yes")')
TOO_SHORT = function('edge_set_number(ev, "request.origin.custom.readTimeout", 3)')


def test_a_functions_read_timeout_governs_its_request_on_a_declared_origin(edge_factory):
    origin = HostileOrigin({"/shorten/5s": after(5), "/keep/4.5s": after(4.5)}).start()
    try:
        edge = edge_factory(
            f'[origins.slow]\nurl = "http://127.0.0.1:{origin.port}"\nread_timeout = 10\n'
            + "".join(f'[functions.{name}]\nsource = "{name}/"\n'
                      f'[[behaviors]]\npath = "/{name}/*"\norigin = "slow"\ncache = "disabled"\n'
                      f'origin_request = "{name}"\n' for name in ("shorten", "keep", "too_short"))
            + '[[behaviors]]\npath = "*"\norigin = "slow"\ncache = "disabled"\n',
            {"shorten/main.c": SHORTEN, "keep/main.c": KEEP, "too_short/main.c": TOO_SHORT},
        )
        refused = edge.get("/too_short/x")  # as before: a function's own value must be 4-60
        assert refused.status_code == 502, refused.text
        assert refused.headers["x-cache"] == "LambdaValidationError from edge"
        assert origin.accepted == 0  # nothing was sent

        def timed(path: str) -> tuple[httpx.Response, float]:
            started = time.monotonic()
            response = edge.get(path)
            return response, time.monotonic() - started

        with ThreadPoolExecutor(2) as pool:
            shortened, kept = pool.submit(timed, "/shorten/5s"), pool.submit(timed, "/keep/4.5s")
            (short, short_took), (keep, keep_took) = shortened.result(timeout=30), kept.result(timeout=30)
        # readTimeout 4 from the function, not the origin's 10: CloudFront's 504 after 4 s
        assert short.status_code == 504 and short.headers["x-cache"] == "Error from edge", short.text
        assert 3.5 <= short_took <= 7, short_took
        # readTimeout left as shown: the origin's 10 s, so an answer after 4.5 s arrives
        assert (keep.status_code, keep.content) == (200, b"answered"), keep.text
        assert keep_took >= 4.4, keep_took
        assert any(b"\r\nX-Touched: yes\r\n" in head for head in origin.heads)  # the keep function ran
    finally:
        origin.stop()


def test_which_read_timeout_a_request_a_function_sent_takes(tmp_path):
    """A value the function set, wherever the request goes; else, left as the event showed it
    (whole seconds), the setting of the origin the request goes to (an allowed host: the
    allowing origin's). The keep-alive timeout follows the same rule, each on its own."""
    specs = {
        "a": OriginSpec.parse("a", {"url": "https://a.example", "read_timeout": 10.5, "keepalive_timeout": 2.5,
                                    "allow_hosts": ["b.example"]}, tmp_path),
        "c": OriginSpec.parse("c", {"url": "https://c.example", "read_timeout": 90}, tmp_path),
    }
    origins = Origins(specs, HttpUpstream())
    shown = event_origin(specs["a"])["custom"]
    assert shown["readTimeout"] == 10

    def timeouts(**changed: object) -> tuple[float, float]:
        resolved = origins.resolve(specs["a"], {"custom": {**shown, **changed}})
        assert resolved is not None
        return resolved[1].read_timeout, resolved[1].keepalive_timeout

    assert timeouts() == (10.5, 2.5)  # left as shown: the settings, not their whole seconds
    assert timeouts(readTimeout=4) == (4.0, 2.5)
    assert timeouts(domainName="c.example") == (90.0, 5.0)  # another declared origin: its own
    assert timeouts(domainName="c.example", readTimeout=60) == (60.0, 5.0)
    assert timeouts(domainName="b.example") == (10.5, 2.5)  # an allowed host: the allowing origin's
    assert timeouts(domainName="b.example", readTimeout=7, keepaliveTimeout=9) == (7.0, 9.0)
