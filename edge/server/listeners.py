"""The server's listeners: edge traffic on one address, the admin API on another.

Both are binds of one Hypercorn server (so `--workers N` shares both sockets across the
worker processes); `app.Front` tells them apart by the port a request arrived on.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (imported where used: `edge serve`'s main process checks listeners without the request path)
    from hypercorn.config import Config

    from .options import ServerOptions


class ListenerError(ValueError):
    """A listener setup the server refuses (the message says why)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_admin(options: ServerOptions, edge_port: int) -> None:
    """Refuse an admin API that anyone on the network could use, or that would shadow edge traffic."""
    if not options.admin_enabled:
        return
    assert options.admin_host is not None and options.admin_port is not None
    from ..tokens import token_refusal

    refusal = token_refusal(options.admin_token)
    if refusal:
        raise ListenerError(refusal)
    if not options.admin_token and not is_loopback(options.admin_host):
        raise ListenerError(
            f"refusing to serve the admin API on non-loopback address {options.admin_host} without a token: "
            "set --admin-token (or EDGE_ADMIN_TOKEN), or keep the admin API on 127.0.0.1"
        )
    if options.admin_port == 0:
        raise ListenerError("the admin API needs a fixed port (--admin-port), not 0")
    if options.admin_port == edge_port:
        raise ListenerError(f"the admin port {options.admin_port} is the edge port: choose another --admin-port")


def hypercorn_config(
    options: ServerOptions,
    host: str,
    port: int,
    *,
    certfile: str | None = None,
    keyfile: str | None = None,
) -> Config:
    """Binds for edge traffic and (if enabled) the admin API. A loopback admin listener stays
    plain HTTP even when edge traffic uses TLS; a non-loopback one gets TLS with it."""
    from hypercorn.config import Config

    from ..websocket.upstream import MAX_MESSAGE as WEBSOCKET_MAX_MESSAGE

    check_admin(options, port)
    config = Config()
    config.bind = [bind(host, port)]
    config.certfile = certfile
    config.keyfile = keyfile
    if options.admin_enabled:
        admin = bind(options.admin_host, options.admin_port)  # type: ignore[arg-type]
        if certfile and is_loopback(options.admin_host):  # type: ignore[arg-type]
            config.insecure_bind = [admin]
        else:
            config.bind.append(admin)
    config.include_server_header = False
    config.include_date_header = False  # the app sets Date: the origin's, or its own (one Date only)
    config.accesslog = None
    config.websocket_max_message_size = WEBSOCKET_MAX_MESSAGE  # not buffered beyond what the edge relays
    return config


def listen(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A bound, listening, inheritable TCP socket (workers are handed it or share the port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
