"""Published function versions and their aliases: what behavior associations resolve to.

A version is immutable: its compiled module and settings never change. Aliases point at
a version (optionally splitting traffic with a second one by weight) and move atomically:
one dict assignment, so a request sees either the old target or the new one.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from ..config.functions import VIEWER_EVENTS, FunctionSpec
from ..runtime import CompiledModule, Function, Runtime

HOOK_CLASSES = ("viewer", "origin")


def hook_class(event_type: str) -> str:
    return "viewer" if event_type in VIEWER_EVENTS else "origin"


@dataclass
class PublishedVersion:
    name: str
    version: int
    compiled: CompiledModule
    spec: FunctionSpec
    functions: dict[str, Function] = field(default_factory=dict)  # by hook class

    def close(self) -> None:
        for fn in self.functions.values():
            fn.close()


@dataclass(frozen=True)
class Alias:
    version: int
    # canary: (other version, weight of other in [0, 1])
    additional: tuple[int, float] | None = None

    def pick(self) -> int:
        if self.additional and random.random() < self.additional[1]:
            return self.additional[0]
        return self.version


class Registry:
    """Thread-safe for writers (a lock); readers do plain dict lookups on the hot path."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.versions: dict[str, dict[int, PublishedVersion]] = {}
        self.latest: dict[str, int] = {}
        self.aliases: dict[str, dict[str, Alias]] = {}
        self._next: dict[str, int] = {}  # version numbers are reserved before the slow part
        self._lock = threading.Lock()

    def publish(self, spec: FunctionSpec, compiled: CompiledModule, version: int | None = None) -> PublishedVersion:
        """Make a new immutable version (blocking: instantiates; call off the event loop)."""
        with self._lock:
            number = version if version is not None else self._next.get(spec.name, 1)
            self._next[spec.name] = max(number + 1, self._next.get(spec.name, 1))
        functions = {
            cls: self.runtime.function(compiled, spec.config(f"{cls}-request", version=str(number)))
            for cls in HOOK_CLASSES
        }
        published = PublishedVersion(spec.name, number, compiled, spec, functions)
        with self._lock:
            self.versions.setdefault(spec.name, {})[number] = published
            self.latest[spec.name] = max(number, self.latest.get(spec.name, 0))
        return published

    def set_alias(self, name: str, alias: str, target: Alias) -> None:
        with self._lock:
            known = self.versions.get(name, {})
            for number in (target.version, *(target.additional[:1] if target.additional else ())):
                if number not in known:
                    raise KeyError(f"function {name} has no version {number}")
            aliases = dict(self.aliases.get(name, {}))
            aliases[alias] = target
            self.aliases[name] = aliases  # one assignment: readers see old or new

    def resolve(self, name: str, qualifier: str | None, event_type: str) -> Function | None:
        """The Function an association runs right now (None if it does not exist)."""
        versions = self.versions.get(name)
        if not versions:
            return None
        if qualifier is None:
            number = self.latest.get(name)
        elif qualifier.isdigit():
            number = int(qualifier)
        else:
            alias = self.aliases.get(name, {}).get(qualifier)
            if alias is None:
                return None
            number = alias.pick()
        published = versions.get(number) if number is not None else None
        if published is None:
            return None
        return published.functions["viewer" if event_type in VIEWER_EVENTS else "origin"]

    def exists(self, name: str, qualifier: str | None) -> bool:
        if name not in self.versions:
            return False
        if qualifier is None:
            return True
        if qualifier.isdigit():
            return int(qualifier) in self.versions[name]
        return qualifier in self.aliases.get(name, {})

    def close(self) -> None:
        with self._lock:
            for versions in self.versions.values():
                for published in versions.values():
                    published.close()
            self.versions.clear()

