"""WebSocket connections, proxied to the behavior's origin as CloudFront proxies them.

A viewer's WebSocket handshake (`GET` with `Upgrade: websocket`) is matched to a behavior by
its path like any request. The edge opens a WebSocket to that behavior's origin with the
request CloudFront would send (the forward policy's headers, cookies and query string, the
origin's custom headers, `X-Forwarded-For`, `Via`), and once the origin accepts, accepts the
viewer's with the subprotocol the origin chose; then messages flow both ways until either
side closes, and the close code and reason pass through.

A behavior's viewer-request function runs on the handshake, as on a `GET` (it may answer it
instead: a 401, a redirect). Other functions cannot run on a WebSocket here, so a behavior with
one refuses it (403, saying why): a function must never be bypassed.

- `session.py`: one viewer connection: the checks, the viewer-request function, the handshakes.
- `relay.py`: the two-way flow once both sides accepted; closes, the message bound, idling.
- `upstream.py`: the origin's side: its URL, headers and TLS.
"""

from .session import serve_websocket

__all__ = ["serve_websocket"]
