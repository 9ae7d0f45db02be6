"""S3 origins: what serves a bucket here, and SigV4 signing for S3-compatible endpoints.

A distribution's S3 origin has AWS's name (`bucket.s3.region.amazonaws.com`, what functions
see in `origin.s3`) and is served by either an S3-compatible endpoint (path-style
`endpoint/bucket/key`, the way MinIO, Ceph and localstack take it) or a local directory
for development. Signing uses botocore's SigV4 implementation with credentials from the
environment only (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`): no
instance-metadata lookups, no config files.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from ..config.connection import DEFAULT_KEEPALIVE_TIMEOUT
from ..config.errors import ConfigError
from ..config.origins import OriginSpec
from .http import Target


def endpoint_target(spec: OriginSpec, path: str | None = None) -> Target:
    """Where requests for this S3 origin go: the endpoint, path-style (`/bucket` + origin path)."""
    parts = urlsplit(spec.endpoint)
    default = 443 if parts.scheme == "https" else 80
    origin_path = spec.path if path is None else path
    return Target(
        protocol=parts.scheme,
        host=parts.hostname or "",
        port=parts.port or default,
        path=f"{parts.path.rstrip('/')}/{spec.bucket}{origin_path}",
        connect_timeout=spec.connect_timeout,
        connection_attempts=spec.connection_attempts,
        read_timeout=spec.read_timeout,
        # CloudFront's keep-alive timeout is a custom-origin setting: an S3 origin has CloudFront's default
        keepalive_timeout=DEFAULT_KEEPALIVE_TIMEOUT,
        verify_tls=spec.verify_tls,
        ca_file=spec.ca_file,
    )


def host_header(target: Target) -> str:
    default = 443 if target.protocol == "https" else 80
    return target.host if target.port == default else f"{target.host}:{target.port}"


class Signer:
    """SigV4 for one S3 origin (service `s3`, the origin's region)."""

    def __init__(self, region: str, where: str) -> None:
        try:
            from botocore.auth import S3SigV4Auth
            from botocore.credentials import EnvProvider
        except ImportError:
            raise ConfigError(
                f"{where}: sign = true needs botocore: pip install 'edge-wasm[s3]'"
            ) from None
        credentials = EnvProvider().load()
        if credentials is None:
            raise ConfigError(
                f"{where}: sign = true needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"
            )
        self._auth = S3SigV4Auth(credentials, "s3", region)

    def headers(self, method: str, url: str, headers: list[tuple[str, str]], body: Any) -> list[tuple[str, str]]:
        """The signing headers for this request (`Authorization`, `X-Amz-Date`,
        `X-Amz-Content-SHA256`, `X-Amz-Security-Token`). Signed: Host and every `x-amz-*`
        header sent (S3 refuses unsigned `x-amz-*` headers). A streamed body is sent with
        an unsigned payload."""
        from botocore.awsrequest import AWSRequest

        signed = {k: v for k, v in headers if k.lower() == "host" or k.lower().startswith("x-amz-")}
        streamed = body is not None and not isinstance(body, (bytes, bytearray))
        request = AWSRequest(method=method, url=url, headers=signed, data=None if streamed else (body or b""))
        if streamed:
            request.context["client_config"] = SimpleNamespace(s3={"payload_signing_enabled": False})
        self._auth.add_auth(request)
        return [
            (name, value) for name, value in request.headers.items()
            if name.lower() in ("authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token")
        ]
