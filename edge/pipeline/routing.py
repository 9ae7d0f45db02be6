"""Which behavior serves a path: one consistent view of behaviors and origins per request."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config.behaviors import Behavior
from ..config.manifest import Manifest
from ..upstream.origins import Origins
from .events import event_origin

MATCH_CACHE = 8192  # paths whose behavior is remembered per routing (cleared when full)


@dataclass(frozen=True)
class Routing:
    """One consistent view of the configuration; a request keeps the one it started with."""

    manifest: Manifest
    origins: Origins
    event_origins: dict[str, dict]
    matched: dict[str, Behavior] = field(default_factory=dict, compare=False)  # recent paths' behaviors

    @classmethod
    def build(cls, manifest: Manifest, origins: Origins) -> "Routing":
        return cls(manifest, origins, {name: event_origin(spec) for name, spec in manifest.origins.items()})

    def match(self, uri: str) -> Behavior:
        found = self.matched.get(uri)
        if found is not None:
            return found
        behaviors = self.manifest.behaviors
        found = behaviors[-1]
        for behavior in behaviors:
            if behavior.matches(uri):
                found = behavior
                break
        if len(self.matched) >= MATCH_CACHE:
            self.matched.clear()
        self.matched[uri] = found
        return found
