"""WebSocket connections, proxied to the behavior's origin as CloudFront proxies them.

A viewer's WebSocket handshake (`GET` with `Upgrade: websocket`) is matched to a behavior by
its path like any request. The edge opens a WebSocket to that behavior's origin with the
request CloudFront would send (the forward policy's headers, cookies and query string, the
origin's custom headers, `X-Forwarded-For`, `Via`), and once the origin accepts, accepts the
viewer's with the subprotocol the origin chose; then messages flow both ways until either
side closes, and the close code and reason pass through.

Functions do not run on WebSocket connections here, so a behavior with a function associated
refuses them (403, saying why): an authorization function must never be bypassed. Route
WebSocket paths to a behavior without functions.

- `session.py`: one viewer connection: the checks, the handshake, the two-way flow.
- `upstream.py`: the origin's side: its URL, headers and TLS.
"""

from .session import serve_websocket

__all__ = ["serve_websocket"]
