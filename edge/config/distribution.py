"""The distribution's identity, as functions see it in `Records[0].cf.config`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, check_keys
from .values import flag


@dataclass(frozen=True)
class Distribution:
    domain_name: str = "d111111abcdef8.cloudfront.net"
    id: str = "EDFDVBD6EXAMPLE"
    # `Server-Timing` header on responses (opt-in; see docs/pipeline.md)
    server_timing: bool = False

    @classmethod
    def parse(cls, raw: Any) -> "Distribution":
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ConfigError("[distribution] must be a table")
        check_keys(raw, ("domain_name", "id", "server_timing"), "[distribution]")
        values = {k: raw[k] for k in ("domain_name", "id") if k in raw}
        for key, value in values.items():
            if not isinstance(value, str) or not value:
                raise ConfigError(f"[distribution].{key} must be a non-empty string")
        return cls(**values, server_timing=flag(raw, "server_timing", "[distribution]"))
