"""The admin API's HTTP plumbing: its JSON error shape, the guard in front of every handler
(bearer token, no web pages, loopback Host without a token), request bodies read within a
bound, and the exception handlers that turn every failure into that JSON.

Every refusal is `{"error": {"status", "code", "message"}}` and changes nothing.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..control.errors import ControlError, bad_request
from ..control.rows import one_line
from ..control.store import StoreBusy, StoreError, StoreRefused, StoreUnavailable
from .guard import BodyTimeout
from .listeners import is_loopback

log = logging.getLogger("edge.admin")

MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 32  # nesting of a JSON body or header: every document the API takes needs a handful
MAX_NUMBER_DIGITS = 18  # a number from a path, query or header: past it, no limit or version fits
DRAIN_EXTRA = 1024 * 1024
DRAIN_SECONDS = 5.0
PROBES = frozenset({"/healthz", "/readyz"})  # liveness/readiness: load balancers carry no token


class AdminGuard:
    """ASGI middleware run before any handler.

    - `Authorization: Bearer <token>` (constant-time comparison) when a token is set: 401.
    - Requests with an `Origin` header come from a web page (CLI and scripts send none): 403,
      so a page the operator visits cannot deploy to a local server (CSRF).
    - Without a token (allowed on loopback only), the Host must be a loopback name: 403
      otherwise, so DNS rebinding cannot turn a page into a same-origin admin client; and a
      request an edge forwarded (its `Via` names an edge) is refused too: an edge carries any
      viewer's request, so trusting loopback must not extend to what reaches loopback through one
      (an origin-request function aimed at this listener; edge/upstream/origins.py refuses that
      first).
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in PROBES:  # probes: no credentials
            headers = dict(scope["headers"])
            refusal = self._refusal(headers)
            if refusal is None and self.token is None and any(
                    name == b"via" and b"(edge)" in value for name, value in scope["headers"]):
                refusal = error_response(403, "forbidden", "the admin API without a token does not accept requests "
                                         "an edge forwarded (Via); set an admin token to reach it through one")
            if refusal is not None:
                if headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers:
                    # the unread upload is left on the connection: close it, so a client
                    # does not send its next request into a connection the server drops
                    refusal.headers["Connection"] = "close"
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, headers: dict[bytes, bytes]) -> Response | None:
        if b"origin" in headers:
            return error_response(403, "forbidden", "the admin API does not accept requests from web pages (Origin header)")
        if self.token is None:
            host = headers.get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if not is_loopback(name.strip("[]")):
                return error_response(403, "forbidden", f"Host {host!r} is not a loopback name; set an admin token to "
                              "use other names")
            return None
        value = headers.get(b"authorization", b"")
        scheme, _, credential = value.partition(b" ")
        provided = credential.strip() if scheme.lower() == b"bearer" else b""
        if hmac.compare_digest(provided, self.token):
            return None
        reason = "missing bearer token" if not provided else "wrong bearer token"
        response = error_response(401, "unauthorized", f"{reason}: send Authorization: Bearer <admin token>")
        response.headers["WWW-Authenticate"] = 'Bearer realm="edge-admin"'
        return response


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "code": code, "message": message}}, status_code=status)


def json_response(data: Any, status: int = 200) -> Response:
    try:
        body = orjson.dumps(data)
    except TypeError:  # a lone surrogate an earlier release stored (JSON's "\ud800"): shown escaped
        body = orjson.dumps(_escaped(data))
    return Response(body, status_code=status, media_type="application/json")


def _escaped(value: Any) -> Any:
    """`value` with every string that is not Unicode text shown with backslash escapes
    (`"\\ud800"`: the six characters), so an answer can still be sent."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_escaped(key): _escaped(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(item) for item in value]
    return value


async def read_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed `limit`
    (from Content-Length before reading anything, else while streaming). Nothing past the
    limit is kept in memory."""
    too_large = ControlError(413, "too_large", f"{what} is larger than the {limit}-byte limit")
    length = request.headers.get("content-length")
    if length is not None:
        if not (length.isascii() and length.isdigit()):
            raise bad_request("Content-Length is not a number")
        if len(length) > MAX_NUMBER_DIGITS or int(length) > limit:
            await discard_body(request, limit)
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            await discard_body(request, limit)
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def discard_body(request: Request, limit: int) -> None:
    """Read and drop the rest of a refused upload, up to a bound in bytes and time, so that a
    client still sending (no `Expect: 100-continue`) can read our 413 instead of a reset.
    Beyond the bound the connection is closed."""
    budget = 2 * limit + DRAIN_EXTRA

    async def drain() -> None:
        nonlocal budget
        async for chunk in request.stream():
            budget -= len(chunk)
            if budget < 0:
                return

    try:
        await asyncio.wait_for(drain(), DRAIN_SECONDS)
    except (asyncio.TimeoutError, RuntimeError, OSError, ClientDisconnect, BodyTimeout):  # RuntimeError: consumed
        pass


async def read_json(request: Request, what: str, hint: str = "") -> Any:
    """The body as JSON; `hint` is added to the message when it is not JSON."""
    body = await read_body(request, MAX_JSON_BYTES, what)
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"{what} is not valid JSON: {exc}{hint}", "bad_json") from None
    check_depth(value, what, "bad_json")
    return value


def check_depth(value: Any, what: str, code: str) -> None:
    """400 for JSON nested deeper than MAX_JSON_DEPTH: no document of the API needs it, and
    messages that show a value (and Python's own recursion) would fail on it."""
    level = [value]
    for _ in range(MAX_JSON_DEPTH):
        level = [child for item in level if isinstance(item, (dict, list))
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return
    raise bad_request(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep", code)


def number_param(raw: str, what: str, lowest: int, highest: int) -> int:
    """A whole number from a path or query: 400 naming `what` and the range for anything else
    (a sign, "²", or thousands of digits, which Python refuses to convert)."""
    digits = raw.isascii() and raw.isdigit()
    if not digits or len(raw) > MAX_NUMBER_DIGITS or not lowest <= int(raw) <= highest:
        shown = shorten(raw) if not digits else raw if len(raw) <= 40 else f"{raw[:20]}... ({len(raw)} digits)"
        raise bad_request(f"{what} must be a whole number from {lowest} to {highest}, got {shown}")
    return int(raw)


def shorten(text: str, limit: int = 40) -> str:
    """`repr(text)`, cut to about `limit` characters with the length said when longer."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


async def _control_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ControlError)
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=exc.headers or None)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: f"no such admin endpoint: {request.method} {request.url.path}",
               405: f"{request.method} is not allowed on {request.url.path}"}.get(exc.status_code, str(exc.detail))
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
    allowed = (exc.headers or {}).get("Allow")
    if allowed is None:
        return error_response(exc.status_code, code, message)
    allow = ", ".join(sorted(m.strip() for m in allowed.split(",")))  # a 405 names what the path takes (RFC 9110)
    response = error_response(exc.status_code, code, f"{message} (it takes {allow})")
    response.headers["Allow"] = allow
    return response


async def _body_timeout(request: Request, exc: Exception) -> Response:
    response = error_response(408, "body_timeout", str(exc))
    response.headers["Connection"] = "close"
    return response


async def _client_gone(request: Request, exc: Exception) -> Response:
    return error_response(400, "bad_request", "the request body is incomplete (the client went away)")


async def _store_busy(request: Request, exc: Exception) -> Response:
    if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return _disk_full(request, f"the store's database ({exc})")
    if isinstance(exc, sqlite3.DataError):  # a value of the request (e.g. a string too big): retrying cannot help
        return error_response(400, "bad_request", f"the store refused a value of this request: {exc}; "
                              "nothing was changed")
    log.warning("store error on %s %s: %s", request.method, request.url.path, one_line(exc))
    return error_response(503, "store_busy", f"the store is busy or unavailable, try again: {exc}")


async def _store_error(request: Request, exc: Exception) -> Response:
    """The store's database is unreachable (or busy): nothing was changed; retry later. Or it
    refused a value of the request: nothing was changed, and a retry cannot succeed (400)."""
    if isinstance(exc, StoreRefused):
        log.info("store refused a value on %s %s: %s", request.method, request.url.path, one_line(exc))
        return error_response(400, "bad_request", f"{exc}; nothing was changed")
    unavailable = isinstance(exc, StoreUnavailable) and not isinstance(exc, StoreBusy)  # busy: the database answers
    # passwords are masked; one line (a database's error spans several: LINE 1:, DETAIL, HINT)
    log.warning("store error on %s %s: %s", request.method, request.url.path, one_line(exc))
    response = error_response(503, "store_unavailable" if unavailable else "store_busy",
                      f"{exc}; nothing was changed, try again" if unavailable else f"{exc}")
    response.headers["Retry-After"] = "5" if unavailable else "1"
    return response


FULL = (errno.ENOSPC, errno.EDQUOT)


async def _os_error(request: Request, exc: Exception) -> Response:
    """A full disk (or quota) is the operator's to fix, not a bug: 507 saying so. Other
    system errors are unexpected."""
    if isinstance(exc, OSError) and exc.errno in FULL:
        where = f" ({exc.filename})" if exc.filename else ""
        return _disk_full(request, f"a file{where}: {exc.strerror}")
    return await _unexpected(request, exc)


def _disk_full(request: Request, what: str) -> Response:
    log.error("%s %s: no space left writing %s; nothing was changed", request.method, request.url.path, what)
    return error_response(507, "insufficient_storage",
                          f"the server ran out of disk space writing {what}; nothing was changed: free space "
                          "where the server keeps its state (--state-dir) and try again")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("admin request %s %s failed", request.method, request.url.path)
    return error_response(500, "internal", f"internal error: {type(exc).__name__}: {exc}")


EXCEPTION_HANDLERS: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
    ControlError: _control_error,
    BodyTimeout: _body_timeout,
    ClientDisconnect: _client_gone,
    HTTPException: _http_error,
    sqlite3.Error: _store_busy,
    StoreError: _store_error,
    OSError: _os_error,
    Exception: _unexpected,
}
