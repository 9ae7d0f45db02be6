"""Origin bodies: buffered when small enough for a function to see, streamed otherwise."""

from __future__ import annotations

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


async def _prepend(chunks: list[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
    async for chunk in rest:
        yield chunk


async def discard(origin: OriginResponse) -> None:
    """Drop an origin body nobody will read, releasing its connection."""
    await origin.aclose()
    origin.stream = None
