"""Per-function sandbox limits, with defaults that mirror Lambda@Edge quotas."""

from __future__ import annotations

import functools

from dataclasses import dataclass, fields, replace
from typing import Any

MiB = 1024 * 1024

ISOLATIONS = ("per-request", "reuse")


@dataclass(frozen=True)
class Limits:
    """What one invocation may use. Viewer defaults: 5 s, 128 MB (Lambda@Edge viewer triggers)."""

    timeout_ms: int = 5_000
    memory_bytes: int = 128 * MiB
    fuel: int = 2_000_000_000  # instructions, roughly; a deterministic CPU cap
    max_result_bytes: int = 2 * MiB  # above AWS's 1 MB generated-response cap so the pipeline can name it
    max_log_bytes: int = 64 * 1024

    @classmethod
    def viewer(cls) -> "Limits":
        return cls()

    @classmethod
    def origin(cls) -> "Limits":
        """Origin triggers: 30 s (Lambda@Edge origin-request/origin-response)."""
        return cls(timeout_ms=30_000)

    def merged(self, overrides: dict[str, Any] | None) -> "Limits":
        """A copy with the given fields replaced; unknown names or bad values raise ValueError."""
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        limits = replace(self, **{k: int(v) for k, v in overrides.items()})
        limits.check()
        return limits

    def check(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"limit {f.name} must be a positive integer, got {value!r}")
        if self.memory_bytes < 64 * 1024:
            raise ValueError("limit memory_bytes must be at least one Wasm page (65536)")
        if self.memory_bytes > 2048 * MiB:
            # edge_handle packs (ptr << 32 | len) into an i64 whose sign means "error" (docs/abi.md)
            raise ValueError("limit memory_bytes must be at most 2 GiB")


@dataclass(frozen=True)
class FunctionConfig:
    """How a function version runs: its limits, isolation, environment and concurrency."""

    name: str = "function"
    version: str = "1"
    isolation: str = "per-request"
    max_reuse: int = 1000  # `reuse`: invocations before a warm instance is replaced
    limits: Limits = Limits()
    env: tuple[tuple[str, str], ...] = ()
    concurrency: int = 0  # 0 = the invoker's per-function default
    prewarm: int = 1  # ready instances kept per function

    def __post_init__(self) -> None:
        if self.isolation not in ISOLATIONS:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, got {self.isolation!r}")
        if self.max_reuse < 1:
            raise ValueError("max_reuse must be at least 1")
        if self.prewarm < 0 or self.concurrency < 0:
            raise ValueError("prewarm and concurrency must not be negative")
        for key, value in self.env:
            if not key or "=" in key or "\0" in key or "\0" in value:
                raise ValueError(f"invalid environment variable name or value: {key!r}")
        self.limits.check()

    @functools.cached_property
    def wasi_argv(self) -> tuple[str, ...]:
        """WASI argv: the function's name, version, memory cap (MiB) and timeout (ms), what
        Lambda's `context` tells a handler (the JavaScript runtime reads it; docs/abi.md)."""
        return (self.name, self.version, str(self.limits.memory_bytes // (1024 * 1024)), str(self.limits.timeout_ms))

    @property
    def qualified(self) -> str:
        return f"{self.name}:{self.version}"
