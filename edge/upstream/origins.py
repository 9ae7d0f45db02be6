"""The declared origins of a distribution and how a request reaches one.

An origin-request function may switch `request.origin`, but only to a declared origin
(matched by domain name, port and protocol) or a host an origin's `allow_hosts` lists:
never an outbound request to an arbitrary host.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..config.origins import OriginSpec
from ..pipeline.events import custom_origin
from ..pipeline.headers import to_cf_headers
from .echo import EchoOrigin
from .http import HttpUpstream, Target
from .response import OriginResponse
from .static import StaticOrigin


class Origins:
    def __init__(self, specs: dict[str, OriginSpec], upstream: HttpUpstream) -> None:
        self.specs = specs
        self.upstream = upstream
        self.static = {name: StaticOrigin(spec.root, index=spec.index) for name, spec in specs.items() if spec.kind == "static"}
        self.echo = {name: EchoOrigin() for name, spec in specs.items() if spec.kind == "echo"}
        self.targets = {name: _target(spec) for name, spec in specs.items()}
        self._by_domain = {spec.domain_name.lower(): spec for spec in specs.values()}

    def event_origin(self, spec: OriginSpec) -> dict:
        """The `origin` object functions see: every origin is presented as a custom origin."""
        return custom_origin(
            domain_name=spec.domain_name,
            port=spec.port,
            protocol=spec.protocol,
            path=spec.path,
            read_timeout=int(spec.read_timeout),
            keepalive_timeout=int(spec.keepalive_timeout),
            custom_headers=to_cf_headers(spec.custom_headers),
        )

    def allowed(self, base: OriginSpec, origin: dict) -> bool:
        """May a function switch a request from `base` to this `origin` object?"""
        return self.resolve(base, origin) is not None

    def resolve(self, base: OriginSpec, origin: dict) -> tuple[OriginSpec, Target] | None:
        custom = origin.get("custom")
        if not isinstance(custom, dict):
            return None  # s3 origins: only declared static origins, which we present as custom
        domain = str(custom.get("domainName", "")).lower()
        spec = self._by_domain.get(domain)
        protocol = custom.get("protocol", "http")
        port = int(custom.get("port", 443 if protocol == "https" else 80))
        path = custom.get("path", "") or ""
        if spec is not None:
            if spec.kind in ("static", "echo"):
                return spec, self.targets[spec.name]
            if spec.protocol == protocol and spec.port == port:
                return spec, _target(spec, path=path)
            return None
        if domain in base.allow_hosts:
            return base, Target(
                protocol=protocol, host=domain, port=port, path=path,
                connect_timeout=base.connect_timeout,
                read_timeout=float(custom.get("readTimeout", base.read_timeout)),
                http2=base.http2, verify_tls=base.verify_tls,
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
            return await static.fetch(method, uri, headers)
        echo = self.echo.get(spec.name)
        if echo is not None:
            return await echo.fetch(method, uri, querystring, headers, body)
        return await self.upstream.fetch(target, method, uri, querystring, headers, body)


def _target(spec: OriginSpec, path: str | None = None) -> Target:
    return Target(
        protocol=spec.protocol,
        host=spec.domain_name,
        port=spec.port,
        path=spec.path if path is None else path,
        connect_timeout=spec.connect_timeout,
        read_timeout=spec.read_timeout,
        http2=spec.http2,
        verify_tls=spec.verify_tls,
    )
