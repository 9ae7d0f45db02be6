"""Can `edge serve` listen where it was asked to? Checked before anything starts, so that a
taken or privileged port is one line naming the port and what to do, not a traceback
from deep inside the ASGI server."""

from __future__ import annotations

import errno
import socket
import time


class PortUnavailable(OSError):
    """The message names the port, what it was for and the option that chooses another."""


def describe(exc: OSError, host: str, port: int, what: str, option: str) -> str | None:
    """A one-line explanation of a bind failure, or None when it is not about the port."""
    where = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} ({what}, {where}) is already in use, perhaps by another edge serve: "
                f"choose another with {option}, or stop what is using it")
    if exc.errno == errno.EACCES:
        return (f"no permission to listen on port {port} ({what}, {where}): ports below 1024 need root or "
                f"CAP_NET_BIND_SERVICE (`edge docs deploy`); choose another with {option}")
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {where} ({what}): {host} is not an address of this machine; check {option}"
    return None


def check_free(host: str, port: int, what: str, option: str) -> None:
    """Bind (and release) the address the way the servers do; PortUnavailable if that fails."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, family, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PortUnavailable(f"cannot listen on {host}:{port} ({what}): {exc.strerror}; check {option}") from None
    with socket.socket(infos[0][0], socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(infos[0][4])
            sock.listen(1)
        except OSError as exc:
            message = describe(exc, host, port, what, option)
            raise PortUnavailable(message or f"cannot listen on {host}:{port} ({what}): {exc.strerror}") from None


def wait_listening(host: str, port: int, timeout: float = 30.0) -> bool:
    """Wait until a TCP connection to (host, port) is accepted; False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
