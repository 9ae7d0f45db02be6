"""Origins: HTTP(S) servers reached through httpx, or a static directory served in-process."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import names
from .errors import ConfigError



@dataclass(frozen=True)
class OriginSpec:
    name: str
    kind: str  # "http" | "static" | "echo"
    # http
    protocol: str = "http"
    domain_name: str = ""
    port: int = 80
    path: str = ""  # origin path prefix, no trailing slash
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    keepalive_timeout: float = 5.0
    http2: bool = False
    verify_tls: bool = True
    custom_headers: tuple[tuple[str, str], ...] = ()
    # static
    root: Path | None = None
    index: str | None = None
    # hosts an origin-request function may switch to from this origin, besides declared origins
    allow_hosts: tuple[str, ...] = field(default=())

    @property
    def base_url(self) -> str:
        default = 443 if self.protocol == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.protocol}://{self.domain_name}{port}{self.path}"

    @classmethod
    def parse(cls, name: str, raw: Any, base_dir: Path) -> "OriginSpec":
        where = f"[origins.{name}]"
        if not names.is_origin_name(name):
            raise ConfigError(f"{where}: origin names use {names.ORIGIN_RULE}")
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a table")
        kind = raw.get("type", "static" if "root" in raw else "http")
        if kind == "echo":
            _only(raw, {"type", "domain_name"}, where)
            domain = raw.get("domain_name", f"{name}.echo.local")
            if not isinstance(domain, str) or not domain or ":" in domain or "/" in domain:
                raise ConfigError(f"{where}: domain_name must be a host name")
            return cls(name=name, kind="echo", domain_name=domain.lower())
        if kind == "static":
            return cls._static(name, raw, base_dir, where)
        if kind == "http":
            return cls._http(name, raw, where)
        raise ConfigError(f"{where}: type must be 'http', 'static' or 'echo', got {kind!r}")

    @classmethod
    def _static(cls, name: str, raw: dict, base_dir: Path, where: str) -> "OriginSpec":
        _only(raw, {"type", "root", "index", "domain_name"}, where)
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
    def _http(cls, name: str, raw: dict, where: str) -> "OriginSpec":
        allowed = {
            "type", "url", "connect_timeout", "read_timeout", "keepalive_timeout", "http2",
            "verify_tls", "custom_headers", "allow_hosts",
        }
        _only(raw, allowed, where)
        url = raw.get("url")
        if not isinstance(url, str):
            raise ConfigError(f"{where}: an http origin needs url = \"http(s)://host[:port][/path]\"")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{where}: url must be http:// or https:// with a host, got {url!r}")
        if parts.query or parts.fragment:
            raise ConfigError(f"{where}: url must not have a query or fragment")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ConfigError(f"{where}: url has an invalid port") from None
        headers = raw.get("custom_headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise ConfigError(f"{where}: custom_headers must be a table of strings")
        hosts = raw.get("allow_hosts", [])
        if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
            raise ConfigError(f"{where}: allow_hosts must be a list of host names")
        timeouts = {}
        for key, lo, hi in (("connect_timeout", 0.1, 60), ("read_timeout", 0.1, 180), ("keepalive_timeout", 1, 60)):
            value = raw.get(key, getattr(cls, key))
            if not isinstance(value, (int, float)) or not lo <= value <= hi:
                raise ConfigError(f"{where}: {key} must be a number of seconds in [{lo}, {hi}]")
            timeouts[key] = float(value)
        return cls(
            name=name,
            kind="http",
            protocol=parts.scheme,
            domain_name=parts.hostname,
            port=port,
            path=parts.path.rstrip("/"),
            http2=bool(raw.get("http2", False)),
            verify_tls=bool(raw.get("verify_tls", True)),
            custom_headers=tuple(headers.items()),
            allow_hosts=tuple(h.lower() for h in hosts),
            **timeouts,
        )


def _only(raw: dict, allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
