"""What this node's manifest last put into a shared store, remembered on the node.

On one machine the store is the node's own, and "the manifest changed" means it differs from
what the manifest last published there (seeding.py). In a fleet several nodes publish into one
store, each from its own manifest file: compared with the store, a node whose manifest differs
from the last one published (another node's, or one an operator started once elsewhere) would
publish its own again at every restart, replacing what the fleet serves and what was set
through the admin API since. So in a fleet each node remembers, in its state directory, the
digest its manifest had when it last published or started (per function, and for the
behaviors/origins), and publishes only when its own manifest changed since — an intentional
change on this node. A node that has no memory yet (joining a fleet, or its state directory
new) publishes only what the store does not have; where the store's differs, it serves the
fleet's and says so (`decide`).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

log = logging.getLogger("edge.control")

FILE_NAME = "manifest-published.json"


class Decision(Enum):
    UNCHANGED = "unchanged"  # the store already holds what the manifest says
    PUBLISH = "publish"  # the manifest changed (or the store has none): publish it
    KEEP_STORE = "keep-store"  # this node's manifest did not change since it last started: the store's stay
    JOINED = "joined"  # a node without memory whose manifest differs from the store's: the store's stay


def decide(stored: str | None, manifest: str, remembered: str | None, has_memory: bool) -> Decision:
    """What a start does with one part of its manifest (a function, or the behaviors/origins):
    `stored` is the digest of what the manifest side last put in the store (None: nothing
    there), `manifest` this start's, `remembered` what this node remembers for it; without
    node memory (a node's own store) the store's own record decides, as on one machine."""
    if stored == manifest:
        return Decision.UNCHANGED
    if stored is None or not has_memory:
        return Decision.PUBLISH
    if remembered is None:
        return Decision.JOINED
    return Decision.KEEP_STORE if remembered == manifest else Decision.PUBLISH


@dataclass
class ManifestMemory:
    """The node's file: for one store (`identity`), the routing digest and each function's."""

    path: Path
    identity: str
    routing: str | None = None
    functions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path, identity: str) -> ManifestMemory:
        """The node's memory for this store; empty when it has none (or it is of another store)."""
        memory = cls(Path(directory) / FILE_NAME, identity)
        try:
            data = json.loads(memory.path.read_text())
        except FileNotFoundError:
            return memory
        except (OSError, ValueError) as exc:
            log.warning("%s cannot be read (%s): this node's manifest is treated as new to the fleet", memory.path, exc)
            return memory
        if isinstance(data, dict) and data.get("store") == identity:
            routing = data.get("routing")
            memory.routing = routing if isinstance(routing, str) else None
            functions = data.get("functions")
            if isinstance(functions, dict):
                memory.functions = {k: v for k, v in functions.items() if isinstance(k, str) and isinstance(v, str)}
        return memory

    def remember_routing(self, digest: str) -> None:
        if self.routing != digest:
            self.routing = digest
            self._save()

    def remember_function(self, name: str, digest: str) -> None:
        if self.functions.get(name) != digest:
            self.functions[name] = digest
            self._save()

    def _save(self) -> None:
        """Written whole (a temporary file renamed over it): a node's workers may write it at
        once. A disk that refuses costs only the memory: the next start compares again."""
        data = json.dumps({"store": self.identity, "routing": self.routing, "functions": self.functions},
                          sort_keys=True, indent=1)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".manifest-published-")
            with os.fdopen(fd, "w") as f:
                f.write(data)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("cannot write %s (%s): the next start compares this node's manifest again", self.path, exc)
