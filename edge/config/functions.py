"""Function entries of the manifest: where the module comes from and how it runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import names
from ..runtime import FunctionConfig, Limits
from .errors import ConfigError

VIEWER_EVENTS = ("viewer-request", "viewer-response")


@dataclass(frozen=True)
class FunctionSpec:
    """A function declared in the manifest. `source` is a .wasm/.wat file or a source directory."""

    name: str
    source: Path
    isolation: str = "per-request"
    limits: tuple[tuple[str, int], ...] = ()  # explicit overrides; the rest default by hook
    env: tuple[tuple[str, str], ...] = ()
    concurrency: int = 0
    max_reuse: int = 1000
    prewarm: int = 1
    handler: str | None = None  # JavaScript: Lambda's "<module>.<export>" (default index.handler)

    def config(self, event_type: str, version: str = "1") -> FunctionConfig:
        """The runtime config for use at a hook: viewer hooks default to 5 s, origin hooks to 30 s."""
        base = Limits.viewer() if event_type in VIEWER_EVENTS else Limits.origin()
        return FunctionConfig(
            name=self.name,
            version=version,
            isolation=self.isolation,
            max_reuse=self.max_reuse,
            limits=base.merged(dict(self.limits)),
            env=self.env,
            concurrency=self.concurrency,
            prewarm=self.prewarm,
        )

    @classmethod
    def parse(cls, name: str, raw: Any, base_dir: Path) -> "FunctionSpec":
        where = f"[functions.{name}]"
        if not names.is_function_name(name):
            raise ConfigError(f"{where}: function names use {names.FUNCTION_RULE}")
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a table")
        unknown = set(raw) - {"source", "isolation", "limits", "env", "concurrency", "max_reuse", "prewarm", "handler"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if not isinstance(raw.get("source"), str):
            raise ConfigError(f"{where}: source = \"path to .wasm, .wat or a source directory\" is required")
        source = (base_dir / raw["source"]).resolve()
        if not source.exists():
            raise ConfigError(f"{where}: source {source} does not exist")
        handler = raw.get("handler")
        if handler is not None and not isinstance(handler, str):
            raise ConfigError(f"{where}: handler must be a string like \"index.handler\"")
        limits = raw.get("limits", {})
        env = raw.get("env", {})
        if not isinstance(limits, dict):
            raise ConfigError(f"{where}: limits must be a table")
        if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
            raise ConfigError(f"{where}: env must be a table of strings")
        spec = cls(
            name=name,
            source=source,
            isolation=raw.get("isolation", "per-request"),
            limits=tuple(sorted(limits.items())),
            env=tuple(env.items()),
            concurrency=raw.get("concurrency", 0),
            max_reuse=raw.get("max_reuse", 1000),
            prewarm=raw.get("prewarm", 1),
            handler=handler,
        )
        try:
            spec.config("viewer-request")  # validates isolation, limits, env
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where}: {exc}") from None
        return spec
