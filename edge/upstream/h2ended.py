"""What ended an HTTP/2 request before its answer came, and whether it may be sent again.

httpcore (1.0.9, the latest; its GOAWAY fix is an open pull request, encode/httpcore#1054)
tells what an HTTP/2 origin said only through the h2 event or error inside its exception,
which httpx passed on as "the answer is not valid HTTP (<StreamReset stream_id:9, ...>)":

- a GOAWAY: `RemoteProtocolError(ConnectionTerminated)`, at once for a stream above its last
  stream id, and for one at or below it only when the connection ended before its answer
  did (h2pools.py, `_H2Connection`, reads on for those: the origin may still answer them);
- an RST_STREAM before the answer: `RemoteProtocolError(StreamReset)`;
- a stream the origin allows no more of (SETTINGS_MAX_CONCURRENT_STREAMS 0, as Hypercorn
  sets when it stops): `LocalProtocolError(TooManyStreamsError)`, raised before its HEADERS left.

`StreamTrace` notes, through httpcore's public `trace` extension, which stream a request went
on and whether its HEADERS were sent; `ended` reads the exception with it, by RFC 9113:

- not processed, so safe to send again whatever the method (sections 6.8, 8.7): a stream
  above the GOAWAY's last stream id, or whose HEADERS never left; one the origin reset with
  REFUSED_STREAM; one reset with NO_ERROR before any answer (Hypercorn, stopping, resets the
  streams it will not take so), sent again once only: the RFC promises "not processed" for
  REFUSED_STREAM, and an origin that processed a POST and then reset it with NO_ERROR would
  see it at most twice;
- ended before any answer, perhaps processed: a stream at or below a GOAWAY's last stream id
  (any error code): sent again only if idempotent (attempts.py, `replayable`);
- a reset with any other code: the origin's answer to this request, not sent again.

All are "the connection (or stream) ended before the answer": `OriginReadError`, never
`OriginInvalidResponseError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import h2.errors
import h2.events
import h2.exceptions
import httpx

Trace = Callable[[str, dict[str, Any]], Awaitable[None]]

_UNPROCESSED_RESETS = frozenset({h2.errors.ErrorCodes.NO_ERROR, h2.errors.ErrorCodes.REFUSED_STREAM})
_RESENT_ONCE_RESETS = frozenset({h2.errors.ErrorCodes.NO_ERROR})  # not the RFC's promise: see above


RECORDED = 64 * 1024  # a streamed request body kept up to this size, to send again if refused


class BodyGone(Exception):
    """A streamed request body asked for a second time, which was not kept whole."""


class RecordedBody:
    """A streamed request body (the viewer's, passed on as it comes) that can be sent once
    more when the origin refused its stream unprocessed: the chunks taken from the viewer are
    kept, up to `RECORDED` bytes in all. Asked for again, it replays them and goes on with the
    viewer's; once over that bound it keeps nothing and raises `BodyGone` (a long body is
    never held in memory whole)."""

    __slots__ = ("_chunks", "_size", "_source", "_started")

    def __init__(self, source: AsyncIterator[bytes]) -> None:
        self._source = source
        self._chunks: list[bytes] | None = []  # None: over the bound (or answered), not kept
        self._size = 0
        self._started = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        if not self._started:
            self._started = True
            return self._pull()
        if self._chunks is None:
            raise BodyGone()
        return self._again(list(self._chunks))

    @property
    def resendable(self) -> bool:
        """Never sent, or all that was sent of it is kept."""
        return not self._started or self._chunks is not None

    def release(self) -> None:
        """The answer came: nothing will be sent again."""
        self._chunks = None

    async def _pull(self) -> AsyncIterator[bytes]:
        async for chunk in self._source:
            if self._chunks is not None:
                self._size += len(chunk)
                if self._size <= RECORDED:
                    self._chunks.append(bytes(chunk))
                else:
                    self._chunks = None
            yield chunk

    async def _again(self, kept: list[bytes]) -> AsyncIterator[bytes]:
        for chunk in kept:
            yield chunk
        async for chunk in self._pull():  # the rest, if the first try stopped before the end
            yield chunk


class StreamTrace:
    """httpcore's `trace` extension for one try of a request: passes every event on to `inner`
    (the connection budget's, attempts.py) and notes the HTTP/2 stream the request went on."""

    __slots__ = ("_inner", "headers_sent", "stream_id")

    def __init__(self, inner: Trace) -> None:
        self._inner = inner
        self.stream_id: int | None = None
        self.headers_sent = False  # the request's HEADERS frame was written

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event == "http2.send_request_headers.started":
            self.stream_id = info.get("stream_id")
            self.headers_sent = False
        elif event == "http2.send_request_headers.complete":
            self.headers_sent = True
        await self._inner(event, info)


@dataclass(frozen=True)
class Ended:
    """How an HTTP/2 request ended before its answer: `unprocessed`, the origin never acted on
    it (safe to send again, any method; `once`: but only once); `closed`, its connection ended
    under it (safe again only if idempotent); neither, a failure. `says`: what happened, for
    the log."""

    says: str
    unprocessed: bool = False
    closed: bool = False
    once: bool = False


def ended(exc: BaseException, stream: StreamTrace | None) -> Ended | None:
    """What the origin's HTTP/2 frames did to this request, if httpcore's exception holds them."""
    if not isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError)):
        return None
    cause = exc.__cause__ or exc.__context__  # httpcore's exception; h2's event or error its argument
    said = cause.args[0] if cause is not None and cause.args else None
    sid = stream.stream_id if stream is not None else None
    named = f"stream {sid}" if sid is not None else "the request's stream"
    if isinstance(said, h2.events.ConnectionTerminated):
        last = said.last_stream_id or 0
        goaway = f"GOAWAY ({_code(said.error_code)}, last stream {last})"
        if stream is not None and (not stream.headers_sent or (sid is not None and sid > last)):
            return Ended(f"the origin refused {named} unprocessed with a {goaway}", unprocessed=True)
        return Ended(f"the origin closed the connection with a {goaway} before answering {named}", closed=True)
    if isinstance(said, h2.events.StreamReset):
        code = _code(said.error_code)
        if said.error_code in _UNPROCESSED_RESETS:
            return Ended(f"the origin reset stream {said.stream_id} ({code}) before answering: "
                         "not processed", unprocessed=True, once=said.error_code in _RESENT_ONCE_RESETS)
        return Ended(f"the origin reset stream {said.stream_id} ({code}) before answering")
    if isinstance(said, h2.exceptions.TooManyStreamsError):
        return Ended(f"the origin takes no new stream on this connection ({said})", unprocessed=True)
    return None


def broken_off(exc: httpx.HTTPError) -> str | None:
    """What an RST_STREAM or GOAWAY in the middle of a body was, in words, if it was one."""
    cause = exc.__cause__ or exc.__context__
    said = cause.args[0] if cause is not None and cause.args else None
    if isinstance(said, h2.events.StreamReset):
        return f"the origin reset stream {said.stream_id} ({_code(said.error_code)})"
    if isinstance(said, h2.events.ConnectionTerminated):
        return f"the origin closed the connection with a GOAWAY ({_code(said.error_code)}, " \
               f"last stream {said.last_stream_id or 0})"
    return None


def _code(code: object) -> str:
    """h2's error code by its RFC name (`NO_ERROR`), or the number it does not know."""
    return getattr(code, "name", None) or str(code)
