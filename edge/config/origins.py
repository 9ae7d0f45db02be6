"""Origins: HTTP(S) servers reached through httpx, or a static directory served in-process."""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import names
from .connection import (
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_CONNECTION_ATTEMPTS, DEFAULT_KEEPALIVE_TIMEOUT, DEFAULT_READ_TIMEOUT,
    KEEPALIVE_TIMEOUT, READ_TIMEOUT, connecting, seconds,
)
from .errors import ConfigError, check_keys
from .values import LegacyRead, describe_char, flag

_S3_DOMAIN = re.compile(
    r"(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.s3(?:[.-](?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+))?"
    r"(?:\.dualstack)?\.amazonaws\.com(?:\.cn)?\Z"
)
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+\Z")
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?\Z")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an HTTP field name (RFC 9110): fullmatch

@dataclass(frozen=True)
class AllowedHost:
    """An `allow_hosts` entry: a host and the one port it may be reached on (None: the
    scheme's own port, 80 for http and 443 for https)."""

    host: str
    port: int | None = None

    def permits(self, host: str, port: int, protocol: str) -> bool:
        wanted = self.port if self.port is not None else (443 if protocol == "https" else 80)
        return host == self.host and port == wanted

    @classmethod
    def parse(cls, entry: object, where: str) -> "AllowedHost":
        if not isinstance(entry, str) or not entry:
            raise ConfigError(f"{where}: allow_hosts entries are \"host\" or \"host:port\" strings")
        host, sep, port = entry.lower().rpartition(":")
        if not sep:
            host = entry.lower()
        if not _HOST.match(host):
            raise ConfigError(f"{where}: allow_hosts entry {entry!r} is not a host name (\"host\" or \"host:port\")")
        if sep and not (port.isdigit() and 0 < int(port) < 65536):
            raise ConfigError(f"{where}: allow_hosts entry {entry!r} has an invalid port")
        return cls(host, int(port) if sep else None)


@dataclass(frozen=True)
class OriginSpec:
    name: str
    kind: str  # "http" | "static" | "echo" | "s3"
    # http
    protocol: str = "http"
    domain_name: str = ""
    port: int = 80
    path: str = ""  # origin path prefix, no trailing slash
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT  # each connection attempt's (connection.py)
    connection_attempts: int = DEFAULT_CONNECTION_ATTEMPTS
    read_timeout: float = DEFAULT_READ_TIMEOUT
    keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT
    http2: bool = False
    verify_tls: bool = True
    ca_file: str = ""  # PEM certificate authorities to trust instead of the public ones (a private CA)
    custom_headers: tuple[tuple[str, str], ...] = ()
    # static (and s3 served from a directory)
    root: Path | None = None
    index: str | None = None
    # s3: functions see `origin.s3` with domain_name and region; requests go to `endpoint`
    # (an S3-compatible URL, path-style: endpoint/bucket/key) or are served from `root`
    region: str = ""
    bucket: str = ""
    endpoint: str = ""
    sign: bool = False  # SigV4-sign requests with credentials from the environment
    # hosts an origin-request function may switch to from this origin, besides declared origins
    allow_hosts: tuple[AllowedHost, ...] = field(default=())

    @property
    def base_url(self) -> str:
        default = 443 if self.protocol == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.protocol}://{self.domain_name}{port}{self.path}"

    @classmethod
    def parse(cls, name: str, raw: Any, base_dir: Path, legacy: LegacyRead | None = None) -> "OriginSpec":
        """One origin; `legacy`: read from a stored document (edge/config/values.py)."""
        where = f"[origins.{name}]"
        if not names.is_origin_name(name):
            raise ConfigError(f"{where}: origin names use {names.ORIGIN_RULE}")
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a table")
        kind = raw.get("type", "static" if "root" in raw else "http")
        if kind == "echo":
            _only(raw, ("type", "domain_name"), where)
            domain = raw.get("domain_name", f"{name}.echo.local")
            if not isinstance(domain, str) or not domain or ":" in domain or "/" in domain:
                raise ConfigError(f"{where}: domain_name must be a host name")
            return cls(name=name, kind="echo", domain_name=domain.lower())
        if kind == "static":
            return cls._static(name, raw, base_dir, where)
        if kind == "http":
            return cls._http(name, raw, base_dir, where, legacy)
        if kind == "s3":
            return cls._s3(name, raw, base_dir, where, legacy)
        raise ConfigError(f"{where}: type must be 'http', 's3', 'static' or 'echo', got {kind!r}")

    @classmethod
    def _s3(cls, name: str, raw: dict, base_dir: Path, where: str, legacy: LegacyRead | None) -> "OriginSpec":
        _only(raw, ("type", "domain_name", "region", "bucket", "path", "endpoint", "root", "sign",
                    "connect_timeout", "connection_attempts", "read_timeout", "custom_headers", "verify_tls",
                    "ca_file"), where)
        domain = raw.get("domain_name")
        if not isinstance(domain, str) or domain != domain.lower() or not _HOST.match(domain):
            raise ConfigError(
                f"{where}: an s3 origin needs domain_name = \"bucket.s3.region.amazonaws.com\" (lowercase)"
            )
        named = _S3_DOMAIN.match(domain)
        region = raw.get("region", (named.group("region") or "us-east-1") if named else "")
        if not isinstance(region, str) or not _REGION.match(region):
            raise ConfigError(
                f"{where}: region must be an AWS region name such as \"eu-central-1\", got {region!r} "
                "(give region = ... when domain_name does not say it)"
            )
        bucket = raw.get("bucket", named.group("bucket") if named else domain.split(".", 1)[0])
        if not isinstance(bucket, str) or not bucket or "/" in bucket:
            raise ConfigError(f"{where}: bucket must be a bucket name")
        path = raw.get("path", "")
        if not isinstance(path, str) or (path and (not path.startswith("/") or path.endswith("/"))):
            raise ConfigError(f"{where}: path must start with '/' and not end with one (or be empty)")
        endpoint, root = raw.get("endpoint"), raw.get("root")
        if (endpoint is None) == (root is None):
            raise ConfigError(
                f"{where}: an s3 origin is served by endpoint = \"http(s)://host:port\" (an S3-compatible "
                "server) or by root = \"directory\" (local development): give exactly one"
            )
        sign = flag(raw, "sign", where, legacy=legacy)
        if sign and endpoint is None:
            raise ConfigError(f"{where}: sign = true needs an endpoint (a directory is not signed)")
        values: dict[str, Any] = {}
        if endpoint is not None:
            if isinstance(endpoint, str):
                _sendable_url(endpoint, "endpoint", where, legacy)
            parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
                raise ConfigError(f"{where}: endpoint must be http:// or https:// with a host, got {endpoint!r}")
            try:
                parts.port
            except ValueError:
                raise ConfigError(f"{where}: endpoint has an invalid port") from None
            values["endpoint"] = endpoint.rstrip("/")
            values["verify_tls"] = flag(raw, "verify_tls", where, True, legacy)
            values["ca_file"] = _ca_file(raw, base_dir, where, parts.scheme, values["verify_tls"], legacy)
        else:
            if "ca_file" in raw:
                raise ConfigError(f"{where}: ca_file is for an https endpoint; a directory has no certificate")
            if not isinstance(root, str) or not (base_dir / root).resolve().is_dir():
                raise ConfigError(f"{where}: root {root!r} is not a directory")
            values["root"] = (base_dir / root).resolve()
        values.update(connecting(raw, where, legacy))
        values["read_timeout"] = seconds(raw, READ_TIMEOUT, where, legacy)
        return cls(
            name=name, kind="s3", protocol="https", domain_name=domain, port=443, path=path, region=region,
            bucket=bucket, sign=sign, custom_headers=_custom_headers(raw, where, legacy), **values,
        )

    @classmethod
    def _static(cls, name: str, raw: dict, base_dir: Path, where: str) -> "OriginSpec":
        _only(raw, ("type", "root", "index", "domain_name"), where)
        if not isinstance(raw.get("root"), str):
            raise ConfigError(f"{where}: a static origin needs root = \"directory\"")
        root = (base_dir / raw["root"]).resolve()
        if not root.is_dir():
            raise ConfigError(f"{where}: root {root} is not a directory")
        index = raw.get("index")
        if index is not None and (not isinstance(index, str) or "/" in index):
            raise ConfigError(f"{where}: index must be a file name")
        # Functions see a static origin as a custom origin with this domain name; an
        # origin-request function can switch to it by that name.
        domain = raw.get("domain_name", f"{name}.static.local")
        if not isinstance(domain, str) or not domain or ":" in domain or "/" in domain:
            raise ConfigError(f"{where}: domain_name must be a host name")
        return cls(name=name, kind="static", domain_name=domain.lower(), root=root, index=index)

    @classmethod
    def _http(cls, name: str, raw: dict, base_dir: Path, where: str, legacy: LegacyRead | None) -> "OriginSpec":
        _only(raw, ("type", "url", "connect_timeout", "connection_attempts", "read_timeout", "keepalive_timeout",
                    "http2", "verify_tls", "custom_headers", "allow_hosts", "ca_file"), where)
        url = raw.get("url")
        if not isinstance(url, str):
            raise ConfigError(f"{where}: an http origin needs url = \"http(s)://host[:port][/path]\"")
        _sendable_url(url, "url", where, legacy)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{where}: url must be http:// or https:// with a host, got {url!r}")
        if parts.query or parts.fragment:
            raise ConfigError(f"{where}: url must not have a query or fragment")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ConfigError(f"{where}: url has an invalid port") from None
        verify = flag(raw, "verify_tls", where, True, legacy)
        hosts = raw.get("allow_hosts", [])
        if not isinstance(hosts, list):
            raise ConfigError(f"{where}: allow_hosts must be a list of \"host\" or \"host:port\" entries")
        timeouts = connecting(raw, where, legacy)
        timeouts["read_timeout"] = seconds(raw, READ_TIMEOUT, where, legacy)
        timeouts["keepalive_timeout"] = seconds(raw, KEEPALIVE_TIMEOUT, where, legacy)
        return cls(
            name=name,
            kind="http",
            protocol=parts.scheme,
            domain_name=parts.hostname,
            port=port,
            path=parts.path.rstrip("/"),
            http2=flag(raw, "http2", where, legacy=legacy),
            verify_tls=verify,
            ca_file=_ca_file(raw, base_dir, where, parts.scheme, verify, legacy),
            custom_headers=_custom_headers(raw, where, legacy),
            allow_hosts=tuple(AllowedHost.parse(h, where) for h in hosts),
            **timeouts,
        )


def _ca_file(raw: dict, base_dir: Path, where: str, scheme: str, verify: bool, legacy: LegacyRead | None) -> str:
    """The certificate authorities an https origin's certificate must chain to, when they are
    not the public ones (an origin behind a private CA): a PEM file, relative to the manifest.
    A stored document keeps its path even if the file is gone (its requests then fail, 502)."""
    value = raw.get("ca_file")
    if value is None:
        return ""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: ca_file must be the path of a PEM file of CA certificates")
    path = str((base_dir / value).resolve())
    if legacy is not None:
        return path
    if scheme != "https" or not verify:
        raise ConfigError(f"{where}: ca_file is for an https origin whose certificate is verified (verify_tls = true)")
    try:
        ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"{where}: ca_file {path!r} is not a readable PEM file of CA certificates ({exc})") from None
    return path


def _custom_headers(raw: dict, where: str, legacy: LegacyRead | None) -> tuple[tuple[str, str], ...]:
    """Headers sent to the origin with every request: names that are HTTP tokens, values a
    header line can carry. Anything else made every request through the origin fail (502)."""
    headers = raw.get("custom_headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ConfigError(f"{where}: custom_headers must be a table of strings")
    for name, value in headers.items():
        problem = _header_problem(name, value)
        if problem is None:
            continue
        refusal = f"{where}: custom_headers {problem}"
        if legacy is None:  # a stored document keeps what an earlier release accepted (its requests fail as then)
            raise ConfigError(refusal)
        legacy.add(where, "custom_headers", {name: value}, {name: value}, refusal)
    return tuple(headers.items())


# Headers CloudFront does not let an origin's custom headers set: framing and hop-by-hop
# headers (a Content-Length or Transfer-Encoding of our choosing would desynchronise the origin
# connection), what the edge sets itself, and the viewer's conditional and range headers.
_NOT_CUSTOM = frozenset({
    "cache-control", "connection", "content-length", "cookie", "host", "if-match", "if-modified-since",
    "if-none-match", "if-range", "if-unmodified-since", "max-forwards", "pragma", "proxy-authorization",
    "proxy-connection", "range", "request-range", "te", "trailer", "transfer-encoding", "upgrade", "via",
    "x-real-ip", "keep-alive",
})


def _header_problem(name: str, value: str) -> str | None:
    lower = name.lower()
    if lower in _NOT_CUSTOM or lower.startswith(("x-amz-", "x-edge-")):
        return (f"{name!r} cannot be a custom origin header (as in CloudFront: framing, hop-by-hop and "
                "conditional headers, Host, Via, Cookie and X-Amz-*/X-Edge-* are the edge's or the viewer's)")
    if not _TOKEN.fullmatch(name):
        bad = next((c for c in name if not _TOKEN.fullmatch(c)), None)
        found = f": {describe_char(bad)} is not allowed" if bad is not None else ""
        return (f"name {name!r} is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only{found})")
    for index, char in enumerate(value):
        if (ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F:
            return (f"{name!r} has the control character {describe_char(char)} at character {index} in its value: "
                    "a header value cannot carry it (CR and LF would end the header line)")
        if ord(char) > 0xFF:
            return (f"{name!r} has {describe_char(char)} in its value: a header value is sent as single bytes "
                    "(ASCII text; encode anything else, e.g. percent-encoding or base64)")
    if value != value.strip(" \t"):
        return f"{name!r} has leading or trailing whitespace in its value, which a header value cannot keep"
    return None


def _sendable_url(url: str, key: str, where: str, legacy: LegacyRead | None) -> None:
    """No whitespace or control character in an origin's URL: a request line cannot carry
    them (every request through the origin failed with 502)."""
    for index, char in enumerate(url):
        if char.isspace() or ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            refusal = (f"{where}: {key} has {describe_char(char)} at character {index}: a URL cannot hold whitespace "
                       f"or control characters (percent-encode them in the path), got {url!r}")
            if legacy is None:
                raise ConfigError(refusal)
            legacy.add(where, key, url, url, refusal)
            return


def _only(raw: dict, allowed: tuple[str, ...], where: str) -> None:
    check_keys(raw, allowed, where)
