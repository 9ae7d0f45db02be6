"""A native Python endpoint doing what the `static-content` sample function does, for the
benchmark's sandbox-cost scenario (`edge serve --bench-native`; off by default).

`GET /_native/static-content` answers exactly what the distribution answers for a request
whose viewer-request function is `samples/static-content`: the same status, body and
headers (`Cache-Control`, `Content-Type`, `Content-Length`, and the `Server`, `X-Cache`,
`Via` and `X-Amz-Cf-Id` the edge adds to a generated response), from the same Starlette app and
server, without the sandbox and without the pipeline. Comparing the two measures what
running the logic as a sandboxed function costs (bench/README.md, scenario 3).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from ..cache import xcache
from ..pipeline.events import new_request_id
from ..pipeline.flow import VIA
from ..wire import SERVER_WIRE

PATH = "/_native/static-content"

# samples/static-content/main.c
CONTENT = (
    "\n"
    "<!DOCTYPE html>\n"
    '<html lang="en">\n'
    "  <head>\n"
    '    <meta charset="utf-8">\n'
    "    <title>Simple Lambda@Edge Static Content Response</title>\n"
    "  </head>\n"
    "  <body>\n"
    "    <p>Hello from Lambda@Edge!</p>\n"
    "  </body>\n"
    "</html>\n"
).encode()


async def static_content(scope: Scope, receive: Receive, send: Send) -> None:
    """The sample's logic in Python: a 200 with a fixed page, as a generated response."""
    headers = [
        (b"cache-control", b"max-age=100"),
        (b"content-type", b"text/html"),
        SERVER_WIRE,
        (b"content-length", str(len(CONTENT)).encode()),
        (b"x-cache", xcache.LAMBDA_GENERATED.encode()),
        (b"via", VIA.encode()),
        (b"x-amz-cf-id", new_request_id().encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else CONTENT})


class NativeRoutes:
    """The router's default endpoint, with the native path answered first."""

    def __init__(self, edge: ASGIApp) -> None:
        self.edge = edge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH:
            await static_content(scope, receive, send)
            return
        await self.edge(scope, receive, send)


def install(app: Starlette) -> None:
    app.router.default = NativeRoutes(app.router.default)  # type: ignore[assignment]
