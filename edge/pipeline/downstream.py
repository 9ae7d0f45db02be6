"""What the front door hands the pipeline: the viewer's request, before any event is built."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass


class RequestTooLarge(Exception):
    pass


class ViewerFailed(Exception):
    """The viewer's side failed while the pipeline read from it (a request body that stalled or
    broke off): the front door answers it (408, 400), so the pipeline lets it through."""


@dataclass(slots=True)
class ViewerRequest:
    """What the front door hands the pipeline."""

    method: str
    uri: str  # raw path as received (percent-encoding kept), no query
    querystring: str
    headers: list[tuple[str, str]]  # what functions may see: no CloudFront-*, no disallowed headers
    client_ip: str
    read_body: Callable[[int], Awaitable[bytes]]  # buffer up to n bytes (raises RequestTooLarge)
    body_stream: Callable[[], AsyncIterator[bytes]]
    has_body: bool = False
    scheme: str = "http"  # the viewer's protocol (CloudFront-Forwarded-Proto)
    client_port: int = 0  # the viewer's source port (CloudFront-Viewer-Address)
    country: str | None = None  # the trusted load-balancer country header's value ([viewer] country_header)
    conditional: bool = False  # If-None-Match or If-Modified-Since came (conditional.py)
    ranged: bool = False  # a Range header came (ranges.py)
    http_version: str = "1.1"  # as the server reports it ("1.1", "2"; CloudFront-Viewer-Http-Version)
    raw_headers: list[tuple[bytes, bytes]] | None = None  # every header as it came (CloudFront-Viewer-Header-Order)
