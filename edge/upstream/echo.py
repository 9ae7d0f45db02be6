"""The built-in echo origin: answers every request with a JSON description of what it
received (method, uri, query, headers, body). For developing functions locally: it shows
exactly what an origin would get after the request hooks ran."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import orjson

from .response import OriginResponse


class EchoOrigin:
    def __init__(self, max_body: int = 1024 * 1024) -> None:
        self.max_body = max_body

    async def fetch(
        self,
        method: str,
        uri: str,
        querystring: str,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> OriginResponse:
        if body is not None and not isinstance(body, bytes):
            chunks, size = [], 0
            async for chunk in body:
                size += len(chunk)
                if size <= self.max_body:
                    chunks.append(chunk)
            body = b"".join(chunks)
        data = body or b""
        try:
            text: str | None = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        payload = orjson.dumps(
            {
                "method": method,
                "uri": uri,
                "querystring": querystring,
                "headers": [[k, v] for k, v in headers],
                "body": text,
                "body_base64": None if text is not None else base64.b64encode(data).decode(),
            },
            option=orjson.OPT_INDENT_2,
        ) + b"\n"
        return OriginResponse(
            status=200,
            headers=[("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                     ("Cache-Control", "no-store")],
            body=payload if method != "HEAD" else b"",
            reason="OK",
        )
