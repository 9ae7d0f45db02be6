"""Origin bodies: buffered when small enough for a function to see, streamed otherwise."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator

from ..upstream.response import OriginResponse


async def read_capped(origin: OriginResponse, cap: int) -> bytes | None:
    """Buffer the body if it fits in `cap`; otherwise leave it streamable (prefix + rest)."""
    if origin.stream is None:
        body = origin.body or b""
        return body if len(body) <= cap else None
    length = origin.header("content-length")
    if length is not None and length.isdigit() and int(length) > cap:
        return None
    chunks: list[bytes] = []
    size = 0
    stream = origin.stream
    async for chunk in stream:
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            origin.stream = _prepend(chunks, stream)
            return None
    origin.stream = None
    await origin.aclose()
    origin.body = b"".join(chunks)
    return origin.body


async def read_prefix(origin: OriginResponse, cap: int) -> tuple[bytes, bool]:
    """The body's first `cap` bytes and whether there was more. A body that fits is buffered
    (as read_capped); a longer one stays whole and streamable (what was read goes first, each
    piece let go once sent), so what a function sees of it (Lambda@Edge's `inputTruncated`)
    costs the viewer nothing."""
    if origin.stream is None:
        body = origin.body or b""
        return (body, False) if len(body) <= cap else (body[:cap], True)
    chunks: list[bytes] = []
    size = 0
    stream = origin.stream
    async for chunk in stream:
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            seen = b"".join(chunks)[:cap]
            origin.stream = _prepend(chunks, stream)
            return seen, True
    origin.stream = None
    await origin.aclose()
    origin.body = b"".join(chunks)
    return origin.body, False


async def _prepend(chunks: list[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`chunks`, then `rest`; each read chunk is dropped once yielded (a 1 MB prefix is not held
    for the whole of a long download)."""
    pending = deque(chunks)
    chunks.clear()
    while pending:
        yield pending.popleft()
    async for chunk in rest:
        yield chunk


async def discard(origin: OriginResponse) -> None:
    """Drop an origin body nobody will read, releasing its connection."""
    await origin.aclose()
    origin.stream = None
