"""The declared origins of a distribution and how a request reaches one.

An origin is identified the way a request reaches it: an HTTP origin by scheme, host and
port (and path), an S3 origin by its bucket domain name, the built-in static and echo
origins by their names. An origin-request function may switch `request.origin` only to a
declared origin, or to a `host[:port]` its current origin's `allow_hosts` lists — never to
an arbitrary host, and never to this server's own listeners unless they are declared. A
request goes with the connection settings (`connect_timeout`, `connection_attempts`) of the
origin it goes to; an `allow_hosts` host has those of the origin that allows it. A
`readTimeout` or `keepaliveTimeout` the function set applies to that request, whichever
origin it goes to; one left as the event showed it keeps that origin's own setting.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import ipaddress
import socket
from collections.abc import AsyncIterator

from ..config.origins import OriginSpec
from . import faults
from .echo import EchoOrigin
from .http import HttpUpstream, OriginError, Target
from .response import OriginResponse
from .s3 import Signer, endpoint_target, host_header
from .static import StaticOrigin

Listener = tuple[str, int]


class Origins:
    def __init__(
        self, specs: dict[str, OriginSpec], upstream: HttpUpstream, *, own_listeners: tuple[Listener, ...] = ()
    ) -> None:
        self.specs = specs
        self.upstream = upstream
        self.own_listeners = own_listeners  # (host, port) of this server's edge and admin listeners
        self.static = {
            name: StaticOrigin(spec.root, index=spec.index)
            for name, spec in specs.items() if spec.root is not None
        }
        self.echo = {name: EchoOrigin() for name, spec in specs.items() if spec.kind == "echo"}
        self.signers = {
            name: Signer(spec.region, f"[origins.{name}]") for name, spec in specs.items() if spec.sign
        }
        self.targets = {name: _target(spec) for name, spec in specs.items()}
        self._named: dict[str, OriginSpec] = {}  # static, echo: no real address, known by name
        self._http: dict[tuple[str, str, int], list[OriginSpec]] = {}
        self._s3: dict[str, OriginSpec] = {}
        for spec in specs.values():
            if spec.kind == "s3":
                self._s3[spec.domain_name] = spec
            elif spec.kind == "http":
                self._http.setdefault((spec.protocol, spec.domain_name.lower(), spec.port), []).append(spec)
            else:
                self._named[spec.domain_name.lower()] = spec

    def allowed(self, base: OriginSpec, origin: dict) -> bool:
        """May a function switch a request from `base` to this `origin` object?"""
        return self.resolve(base, origin) is not None

    def resolve(self, base: OriginSpec, origin: dict) -> tuple[OriginSpec, Target] | None:
        """The declared origin (or allowed host) an `origin` object names, and where to send."""
        s3 = origin.get("s3")
        if isinstance(s3, dict):
            spec = self._s3.get(str(s3.get("domainName", "")).lower())
            if spec is None or (s3.get("region") or spec.region) != spec.region:
                return None
            return spec, _target(spec, path=s3.get("path") or "")
        custom = origin.get("custom")
        if not isinstance(custom, dict):
            return None
        domain = str(custom.get("domainName", "")).lower()
        named = self._named.get(domain)
        if named is not None:
            return named, _target(named, path=custom.get("path") or "")
        protocol = custom.get("protocol", "http")
        try:
            port = int(custom.get("port", 443 if protocol == "https" else 80))
        except (TypeError, ValueError):
            return None
        path = custom.get("path", "") or ""
        candidates = self._http.get((protocol, domain, port))
        if candidates:
            spec = next((c for c in candidates if c.path == path), candidates[0])
            read, keepalive = _timeouts(custom, base, spec)
            return spec, dataclasses.replace(_target(spec, path=path), read_timeout=read, keepalive_timeout=keepalive)
        if any(entry.permits(domain, port, protocol) for entry in base.allow_hosts):
            if _is_address(domain) and self._is_own(domain, port):
                return None  # the server's own listeners are reachable only when declared
            read, keepalive = _timeouts(custom, base, base)
            return base, Target(
                protocol=protocol, host=domain, port=port, path=path,
                connect_timeout=base.connect_timeout, connection_attempts=base.connection_attempts,
                read_timeout=read, keepalive_timeout=keepalive,
                http2=base.http2, verify_tls=base.verify_tls, ca_file=base.ca_file, guarded=True,
            )
        return None

    async def fetch(
        self,
        spec: OriginSpec,
        target: Target,
        method: str,
        uri: str,
        querystring: str,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> OriginResponse:
        static = self.static.get(spec.name)
        if static is not None:
            return await static.fetch(method, target.path + uri, headers)
        echo = self.echo.get(spec.name)
        if echo is not None:
            return await echo.fetch(method, uri, querystring, headers, body)
        if spec.kind == "s3":
            headers = [(k, v) for k, v in headers if k.lower() != "host"]
            headers.insert(0, ("Host", host_header(target)))  # what the endpoint (and its signature) expects
            signer = self.signers.get(spec.name)
            if signer is not None:
                url = str(target.url(uri, querystring))
                headers.extend(signer.headers(method, url, headers, body))
        if target.guarded:
            target = await self._pinned(target)
        return await self.upstream.fetch(target, method, uri, querystring, headers, body)

    async def _pinned(self, target: Target) -> Target:
        """An allowed (undeclared) host: resolve it once, refuse this server's own listeners,
        and connect to that address (TLS still checks the name), so DNS cannot change between
        the check and the connection."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                target.host, target.port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise OriginError("unreachable", f"origin {target.host}: cannot resolve ({exc})", faults.DNS) from None
        addresses = [info[4][0] for info in infos]
        if not addresses:
            raise OriginError("unreachable", f"origin {target.host}: no address", faults.DNS)
        for address in addresses:
            if self._is_own(address, target.port):
                raise OriginError(
                    "unreachable",
                    f"origin {target.host}:{target.port} is this server's own listener; declare it as an origin to use it",
                )
        return dataclasses.replace(target, host=addresses[0], sni=target.host, guarded=False)

    def _is_own(self, address: str, port: int) -> bool:
        for host, listen_port in self.own_listeners:
            if listen_port != port:
                continue
            if host in ("", "0.0.0.0", "::", "[::]"):
                if _is_local(address):
                    return True
            elif host == "localhost" or _is_loopback(host):
                if _is_loopback(address) or address == host:
                    return True
            elif _same_address(address, host):
                return True
            elif _ip(host) is None and any(_same_address(address, a) or (_is_loopback(a) and _is_loopback(address))
                                           for a in _addresses_of(host)):
                return True  # a listener given by name (--admin-host vm): the addresses it names
        return False


def _timeouts(custom: dict, base: OriginSpec, own: OriginSpec) -> tuple[float, float]:
    """The read and keep-alive timeouts of a request an origin-request function sent from
    `base` to a custom origin with `own`'s settings (an `allow_hosts` host: `base`'s). The
    event showed `base`'s settings in whole seconds (an S3 origin shows none)."""
    shown = base.kind != "s3"
    return (
        _set_or_own(custom.get("readTimeout"), int(base.read_timeout) if shown else None, own.read_timeout),
        _set_or_own(custom.get("keepaliveTimeout"), int(base.keepalive_timeout) if shown else None,
                    own.keepalive_timeout),
    )


def _set_or_own(value: object, shown: int | None, own: float) -> float:
    """The function's value when it changed the one the event showed (validation kept it in
    CloudFront's range), else `own`, the setting of the origin the request goes to: a value
    left as shown is not read back as the setting (2.5 s shown as 2 stays 2.5 s), nor is one
    origin's shown value given to another the function switched to."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value == shown:
        return own
    return float(value)


def _target(spec: OriginSpec, path: str | None = None) -> Target:
    if spec.kind == "s3" and spec.endpoint:
        return endpoint_target(spec, path)
    return Target(
        protocol=spec.protocol,
        host=spec.domain_name,
        port=spec.port,
        path=spec.path if path is None else path,
        connect_timeout=spec.connect_timeout,
        connection_attempts=spec.connection_attempts,
        read_timeout=spec.read_timeout,
        keepalive_timeout=spec.keepalive_timeout,
        http2=spec.http2,
        verify_tls=spec.verify_tls,
        ca_file=spec.ca_file,
    )


def _is_address(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=64)
def _addresses_of(name: str) -> tuple[str, ...]:
    """The addresses a listener's host name resolves to (once: listeners do not move)."""
    try:
        return tuple({info[4][0] for info in socket.getaddrinfo(name.strip("[]"), None, type=socket.SOCK_STREAM)})
    except OSError:
        return ()


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`host` as the address a connection to it reaches: an IPv4-mapped IPv6 address
    (`::ffff:127.0.0.1`, which Linux connects to the IPv4 address) as that IPv4 address; None
    for a name."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _is_loopback(host: str) -> bool:
    """Does a connection to `host` stay on this machine's loopback? Also for the unspecified
    addresses (`0.0.0.0`, `::`): a connection to one reaches this machine."""
    if host == "localhost":
        return True
    ip = _ip(host)
    return ip is not None and (ip.is_loopback or ip.is_unspecified)


def _same_address(a: str, b: str) -> bool:
    ip_a, ip_b = _ip(a), _ip(b)
    if ip_a is None or ip_b is None:
        return a == b
    return ip_a == ip_b


def _is_local(address: str) -> bool:
    """Is this one of this machine's addresses? (Binding to it succeeds only then.)"""
    if _is_loopback(address):
        return True
    ip = _ip(address)
    if ip is None:
        return False
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((str(ip), 0))
        except OSError:
            return False
    return True
