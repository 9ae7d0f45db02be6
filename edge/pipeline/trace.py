"""One request's record of what ran and how long it took: the access log, metrics and Server-Timing read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .hooks import HookRun


@dataclass(slots=True)
class Trace:
    """Per-request record for the access log, metrics and Server-Timing."""

    request_id: str
    started: float
    behavior: str = ""
    hooks: list[HookRun] = field(default_factory=list)
    cache: str = ""
    origin_status: int | None = None
    origin_ms: float | None = None
    origin: str = ""  # the behavior's configured origin (a metrics label: bounded by the configuration)
    total_ms: float = 0.0
    # how the request failed, as CloudFront's logs name it: the origin (edge/upstream/faults.py), a refusal
    # of the front door, or a viewer that left mid-response (edge/server/handler.py)
    error: str = ""

    def server_timing(self) -> str:
        parts = [
            f'{run.event_type.replace("-", "_")};dur={run.duration_ms:.3f};desc="{run.function}:{run.version}"'
            for run in self.hooks
        ]
        if self.cache:
            parts.append(f'cache;desc="{self.cache}"')
        if self.origin_ms is not None:
            parts.append(f"origin;dur={self.origin_ms:.3f}")
        parts.append(f"total;dur={self.total_ms:.3f}")
        return ", ".join(parts)
