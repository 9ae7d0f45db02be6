"""What an origin answers, in one shape for every kind of origin."""

from __future__ import annotations

from collections.abc import AsyncIterator
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

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    async def read(self) -> bytes:
        """Buffer the whole body (consumes `stream`)."""
        if self.stream is not None:
            chunks = [chunk async for chunk in self.stream]
            self.stream = None
            self.body = b"".join(chunks)
        return self.body or b""
