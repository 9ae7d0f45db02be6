"""The origin's side of a proxied WebSocket: where it goes, with which headers, over which TLS."""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass

from ..config.behaviors import Behavior
from ..config.origins import OriginSpec
from ..pipeline.forward import origin_headers, origin_querystring
from ..upstream.target import target_bytes

# Handshake headers each hop makes for itself (the client library sends the origin its own), and
# what a GET with no body cannot carry on to it: a Content-Length would have the origin read the
# edge's frames as a body, conditions and ranges ask a WebSocket for nothing.
HANDSHAKE = frozenset({"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
                       "sec-websocket-protocol", "sec-websocket-accept", "upgrade", "connection",
                       "content-length", "transfer-encoding", "expect", "range", "if-range", "if-match",
                       "if-none-match", "if-modified-since", "if-unmodified-since"})
MAX_MESSAGE = 1024 * 1024  # bytes of one message, each way (the servers are told the same bound: listeners.py)


@dataclass(frozen=True)
class OriginSocket:
    """What the edge asks the origin for."""

    url: str  # ws(s)://<Host the origin gets>/<path>?<query>
    host: str  # where to connect
    port: int
    headers: list[tuple[str, str]]  # besides Host and the handshake's own
    subprotocols: list[str]
    tls: ssl.SSLContext | None
    open_timeout: float


def origin_socket(spec: OriginSpec, behavior: Behavior, uri: str, querystring: str,
                  headers: list[tuple[str, str]], subprotocols: list[str], client_ip: str, via: str) -> OriginSocket:
    """The origin's WebSocket request for a viewer's handshake (`headers`: the viewer's, as
    functions would see them; `subprotocols`: those the viewer offered)."""
    plain = [(k, v) for k, v in headers if k.lower() not in HANDSHAKE]
    sent = origin_headers(plain, behavior, spec, client_ip, via, cacheable=False)
    # the Host the origin gets is the URL's authority: the origin's own name, or the viewer's
    # (forward_host), which the session checked is one valid host[:port] and nothing else
    host = next((v for k, v in sent if k.lower() == "host"), None) or _authority(spec)
    sent = [(k, v) for k, v in sent if k.lower() != "host"] + list(spec.custom_headers)
    query = origin_querystring(querystring, behavior)
    scheme = "wss" if spec.protocol == "https" else "ws"
    url = f"{scheme}://{host}" + target_bytes(spec.path + uri, query).decode("ascii")
    tls = tls_context(spec.ca_file, spec.verify_tls) if spec.protocol == "https" else None
    return OriginSocket(url, spec.domain_name, spec.port, sent, subprotocols, tls, spec.connect_timeout + spec.read_timeout)


def _authority(spec: OriginSpec) -> str:
    default = 443 if spec.protocol == "https" else 80
    return spec.domain_name if spec.port == default else f"{spec.domain_name}:{spec.port}"


@functools.lru_cache(maxsize=64)
def tls_context(ca_file: str, verify: bool) -> ssl.SSLContext:
    """The origin's TLS as its HTTP requests get it: the public CAs, its `ca_file`, or none
    checked. Made once per setting (loading the CA store takes ~50 ms of the event loop)."""
    try:
        context = ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"ca_file {ca_file!r} cannot be read ({exc})") from None
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
