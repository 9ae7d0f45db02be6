"""Can `edge serve` listen where it was asked to? Checked before anything starts, so that a
taken or privileged port is one line naming the port and what to do, not a traceback
from deep inside the ASGI server."""

from __future__ import annotations

import errno
import ipaddress
import socket
import time

ADDRESS_HINT = ("give an IP address of this machine (127.0.0.1 for this machine alone, 0.0.0.0 for every IPv4 "
                "interface, :: for every IPv6 one) or a host name that resolves to one")


class PortUnavailable(OSError):
    """The message names the port (or address), what it was for and the option that chooses another."""


def listen_address(host: str, option: str = "--host") -> str:
    """The IP address to listen on for `host`: an IP address as given (an IPv6 one without its
    brackets), or a host name's address. Granian takes only an address (`localhost` was
    `ValueError: invalid IP address syntax` from inside it); a name resolves as the other
    servers' binds resolve it, to its IPv4 address first (`localhost` is 127.0.0.1), else its
    IPv6 one. PortUnavailable naming `option` when it is neither."""
    bare = host.strip("[]") if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(bare.partition("%")[0])  # (an IPv6 scope, fe80::1%eth0, is the OS's to check)
        return bare
    except ValueError:
        pass
    problem = "a host name has no spaces or control characters" if bare else "it is empty"
    if bare and bare.isprintable() and " " not in bare:
        for family in (socket.AF_INET, socket.AF_INET6):
            try:
                infos = socket.getaddrinfo(bare, None, family, socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as exc:
                problem = getattr(exc, "strerror", None) or str(exc)
                continue
            if infos:
                return str(infos[0][4][0])
    raise PortUnavailable(f"{option} {host!r} is neither an IP address nor a host name this machine resolves "
                          f"({problem}): {ADDRESS_HINT}")


def describe(exc: OSError, host: str, port: int, what: str, option: str, host_option: str = "--host") -> str | None:
    """A one-line explanation of a bind failure, or None when it is not about the port or address."""
    where = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} ({what}, {where}) is already in use, perhaps by another edge serve: "
                f"choose another with {option}, or stop what is using it")
    if exc.errno == errno.EACCES:
        return (f"no permission to listen on port {port} ({what}, {where}): ports below 1024 need root or "
                f"CAP_NET_BIND_SERVICE (`edge docs deploy`); choose another with {option}")
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {where} ({what}): {host} is not an address of this machine; check {host_option}"
    return None


def check_free(host: str, port: int, what: str, option: str, host_option: str = "--host") -> None:
    """Bind (and release) the address the way the servers do; PortUnavailable if that fails.
    `option` chooses the port, `host_option` the address."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, family, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PortUnavailable(f"cannot listen on {host}:{port} ({what}): {host} is not an address this machine "
                              f"resolves ({reason}); check {host_option}") from None
    with socket.socket(infos[0][0], socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(infos[0][4])
            sock.listen(1)
        except OSError as exc:
            message = describe(exc, host, port, what, option, host_option)
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
