"""Function entries of the manifest: where the module comes from and how it runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import names
from .errors import ConfigError, check_keys, unknown_keys_message

if TYPE_CHECKING:
    from ..runtime import FunctionConfig

VIEWER_EVENTS = ("viewer-request", "viewer-response")
# Ready instances a version keeps per hook class. Every one holds a slot of the process's
# instance pool (1,000, shared by every function: edge/runtime/engine.py), so one function
# asking for hundreds starved the others ("maximum concurrent limit ... reached"); 64 is the
# runtime's bound on idle `reuse` instances too, and leaves most of the pool to the rest.
MAX_PREWARM = 64
MAX_INTEGER = 2**63 - 1  # any other whole-number setting: what JSON clients and the stores carry
# (key, lowest, highest) of the whole-number settings
NUMBERS = (("concurrency", 0, MAX_INTEGER), ("max_reuse", 1, MAX_INTEGER), ("prewarm", 0, MAX_PREWARM))


def check_numbers(values: dict[str, Any]) -> None:
    """Whole numbers in range for concurrency, max_reuse, prewarm and every limit (a bool, a
    string or a float is refused, not coerced). Raises ValueError naming the key."""
    for key, lo, hi in NUMBERS:
        if key in values:
            _whole(key, values[key], lo, hi)
    limits = values.get("limits", {})
    if isinstance(limits, dict):
        known = limit_names()
        unknown = [key for key in limits if key not in known]
        if unknown:  # before the values: `fule = 10` is a typo, not a number out of range
            raise ValueError(unknown_keys_message("limits", unknown, known, noun="limit"))
        for key, value in limits.items():
            _whole(f"limit {key}", value, 1, MAX_INTEGER)


def limit_names() -> tuple[str, ...]:
    """The limits a function may set, in the runtime's order (timeout_ms, memory_bytes, ...).
    edge.runtime.limits is plain dataclasses: reading it does not load wasmtime."""
    from dataclasses import fields

    from ..runtime.limits import Limits

    return tuple(f.name for f in fields(Limits))


def _whole(key: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        why = " (ready instances per hook class, from a pool shared by every function)" if key == "prewarm" else ""
        raise ValueError(f"{key} must be a whole number from {lo} to {hi}{why}, got {value!r}")


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
        """The runtime config for use at a hook: viewer hooks default to 5 s, origin hooks to 30 s.
        The runtime (wasmtime) is imported here, not with the manifest's model: `edge --help` and
        the admin commands read this module's settings without loading the runtime."""
        from ..runtime import FunctionConfig, Limits

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
        check_keys(raw, ("source", "handler", "isolation", "limits", "env", "concurrency", "max_reuse", "prewarm"),
                   where)
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
        if not isinstance(raw.get("isolation", ""), str):
            raise ConfigError(f"{where}: isolation must be \"per-request\" or \"reuse\"")
        check_keys(limits, limit_names(), f"{where}.limits", noun="limit")
        try:
            check_numbers(raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
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
