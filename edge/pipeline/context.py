"""One request's state as it moves through the pipeline (flow.py) and its origin leg
(origin_leg.py): the routing it started with, the behavior, the viewer's request and what
the viewer-request function made of it, and its cache key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cache.vary import Vary
from ..config.behaviors import Behavior
from . import events
from .downstream import ViewerRequest
from .routing import Routing
from .trace import Trace


@dataclass(slots=True)
class RequestContext:
    routing: Routing
    trace: Trace
    viewer: ViewerRequest
    behavior: Behavior
    request_object: dict[str, Any] | None  # the viewer request (after viewer-request); built when first needed
    headers: list[tuple[str, str]]  # its headers, plus the edge's generated CloudFront-* headers
    body: bytes | None  # buffered viewer body (None: stream it)
    key: str | None
    uri: str  # the request's path (after viewer-request)
    query: str  # and its query string
    vary: Vary | None = None  # what the entry stored for this request remembers (Vary), if any

    @property
    def request(self) -> dict[str, Any]:
        """The viewer request object. Without a viewer-request function a cache hit never
        needs it, so it is built on first use (origin and viewer-response events)."""
        if self.request_object is None:
            viewer = self.viewer
            self.request_object = events.viewer_request(
                client_ip=viewer.client_ip, method=viewer.method, uri=viewer.uri,
                querystring=viewer.querystring, headers=viewer.headers,
            )
        return self.request_object
