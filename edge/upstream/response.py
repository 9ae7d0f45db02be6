"""What an origin answers, in one shape for every kind of origin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    """First value of a header, case-insensitively."""
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


@dataclass
class OriginResponse:
    """An origin's answer. `body` is buffered bytes, or None when `stream` carries it.

    Headers keep their original case and order; names may repeat.
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = b""
    stream: AsyncIterator[bytes] | None = None
    reason: str = ""
    elapsed_ms: float = 0.0
    # releases the origin connection; must run even when `stream` was never started
    closer: Callable[[], Awaitable[None]] | None = None
    # why the connection attempts before the one that answered failed (upstream/attempts.py)
    failed_attempts: tuple[str, ...] = ()
    # the origin's Transfer-Encoding (`chunked`), which is hop-by-hop and not in `headers`: an
    # origin-response function sees it, as on Lambda@Edge, but the edge frames its own answers
    transfer_encoding: str | None = None

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    async def read(self) -> bytes:
        """Buffer the whole body (consumes `stream`)."""
        if self.stream is not None:
            try:
                chunks = [chunk async for chunk in self.stream]
            finally:
                self.stream = None
                await self.aclose()
            self.body = b"".join(chunks)
        return self.body or b""

    async def aclose(self) -> None:
        await close_stream(self.stream, self.closer)
        self.closer = None


async def close_stream(stream: AsyncIterator[bytes] | None, closer: Callable[[], Awaitable[None]] | None) -> None:
    """Close a body stream and release what it holds, whether or not it was started (an
    async generator that never ran skips its `finally`, so the closer is called too)."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
    if closer is not None:
        await closer()
