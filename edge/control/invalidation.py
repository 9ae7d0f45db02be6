"""Cache invalidations: checked before they are stored, and read back by every worker to purge its own cache.

Each invalidation gets a number in the store; a worker remembers the last one it applied, so
a sync purges exactly the ones recorded since (by any worker of any node).
"""

from __future__ import annotations

from typing import Any

from ..config.behaviors import check_pattern
from ..config.errors import ConfigError
from .errors import bad_request
from .store import ControlStore

MAX_INVALIDATION_PATHS = 3000  # as CloudFront


def check_paths(paths: Any) -> None:
    """`paths` must be a non-empty list of at most MAX_INVALIDATION_PATHS path patterns."""
    if not isinstance(paths, list) or not paths:
        raise bad_request("paths must be a non-empty list of path patterns, e.g. [\"/images/*\"]")
    if len(paths) > MAX_INVALIDATION_PATHS:
        raise bad_request(f"at most {MAX_INVALIDATION_PATHS} paths per invalidation, got {len(paths)}")
    for index, path in enumerate(paths):
        try:
            check_pattern(path, f"paths[{index}]")
        except ConfigError as exc:
            raise bad_request(str(exc)) from None


def recorded_after(store: ControlStore, number: int) -> list[tuple[int, list[str]]]:
    """The invalidations recorded after `number`, oldest first: (number, path patterns)."""
    with store.read() as tx:
        return tx.invalidations_after(number)
