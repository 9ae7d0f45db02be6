"""Loaded function versions and their aliases: what behavior associations resolve to.

A version is immutable: its compiled module and settings never change. Aliases point at
a version (optionally splitting traffic with a second one by weight) and move atomically.

Readers never lock. Writers (one at a time, under a lock) build new dicts and assign
them (copy-on-write), so a reader always sees one whole state, and `resolve()` stays a
few dict lookups.

A viewer request pins the state it started with (`pin()`, a context variable set by the
front door): every hook of that request resolves against the same aliases, and a canary
alias picks one version per request, not per hook. A request in flight when an alias
moves finishes on the version it started with.
"""

from __future__ import annotations

import contextvars
import dataclasses
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
    # The stored row's settings (canonical JSON) it was built from: with the module's sha256, what
    # makes a stored version this one. The same number can name other settings after its function
    # was deleted and deployed anew (same bytes, other env or limits). None: not known yet (a
    # deploy's own version; the loader checks its spec against the row once).
    settings: str | None = None

    def function_for(self, event_type: str) -> Function:
        return self.functions[hook_class(event_type)]

    def inherit_memos(self, previous: "PublishedVersion") -> None:
        """Start with the previous version's memo of validated generated responses (valid for
        any version: it depends only on the result's bytes), so a redeployed function that
        answers as before does not validate its first answer again on the request path."""
        for hook, fn in self.functions.items():
            before = previous.functions.get(hook)
            if before is not None and not fn.generated_memo:
                fn.generated_memo.update(before.generated_memo)

    def close(self) -> None:
        for fn in self.functions.values():
            fn.close()


@dataclass(frozen=True)
class Alias:
    version: int
    # canary: (other version, weight of other in [0, 1])
    additional: tuple[int, float] | None = None

    @property
    def versions(self) -> tuple[int, ...]:
        return (self.version,) if self.additional is None else (self.version, self.additional[0])

    def pick(self) -> int:
        if self.additional and random.random() < self.additional[1]:
            return self.additional[0]
        return self.version


class RequestView:
    """The registry state one request started with, plus its canary picks."""

    __slots__ = ("versions", "latest", "aliases", "picks")

    def __init__(self, registry: "Registry") -> None:
        self.versions = registry.versions
        self.latest = registry.latest
        self.aliases = registry.aliases
        self.picks: dict[tuple[str, str], int] | None = None

    def pick(self, name: str, qualifier: str, alias: Alias) -> int:
        if alias.additional is None:
            return alias.version
        picks = self.picks
        if picks is None:
            picks = self.picks = {}
        number = picks.get((name, qualifier))
        if number is None:
            number = picks[(name, qualifier)] = alias.pick()
        return number


_view: contextvars.ContextVar[RequestView | None] = contextvars.ContextVar("edge_registry_view", default=None)


class Registry:
    """Loaded versions by function, the latest version number, and aliases."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.versions: dict[str, dict[int, PublishedVersion]] = {}
        self.latest: dict[str, int] = {}
        self.aliases: dict[str, dict[str, Alias]] = {}
        self._next: dict[str, int] = {}  # for publish() without a number (no store)
        self._lock = threading.Lock()
        self._superseded: list[tuple[float, PublishedVersion]] = []  # (close after, replaced version)

    # -- building and publishing -------------------------------------------------------

    def build(self, spec: FunctionSpec, compiled: CompiledModule, version: int, *,
              ready: bool = True) -> PublishedVersion:
        """Instantiate a version's functions without making it visible (blocking; raises ModuleError).
        `ready=False`: keep no instances ready (nothing routes to it) until `rewarm()` asks for them."""
        functions: dict[str, Function] = {}
        try:
            for cls in HOOK_CLASSES:
                config = spec.config(f"{cls}-request", version=str(version))
                if ready:
                    functions[cls] = self.runtime.function(compiled, config)
                    continue
                functions[cls] = fn = self.runtime.function(compiled, dataclasses.replace(config, prewarm=0))
                fn.wanted_prewarm = config.prewarm  # what rewarm() brings back
                fn.shed()  # and no preparer thread filling a pool meanwhile
        except BaseException:
            for fn in functions.values():
                fn.close()
            raise
        return PublishedVersion(spec.name, version, compiled, spec, functions)

    def add(self, published: PublishedVersion, *, latest: bool = False) -> None:
        """Make a built version resolvable by number (and as the latest, if asked)."""
        with self._lock:
            per_function = dict(self.versions.get(published.name, {}))
            if per_function:  # the version it replaces (optimized code), else the newest one
                previous = per_function.get(published.version) or per_function[max(per_function)]
                if previous is not published:
                    published.inherit_memos(previous)
            per_function[published.version] = published
            self.versions = {**self.versions, published.name: per_function}
            self._next[published.name] = max(published.version + 1, self._next.get(published.name, 1))
            if latest and published.version > self.latest.get(published.name, 0):
                self.latest = {**self.latest, published.name: published.version}

    def publish(self, spec: FunctionSpec, compiled: CompiledModule, version: int | None = None) -> PublishedVersion:
        """Build and add a version as the latest (numbered here when no store numbers it)."""
        with self._lock:
            number = version if version is not None else self._next.get(spec.name, 1)
            self._next[spec.name] = max(number + 1, self._next.get(spec.name, 1))
        published = self.build(spec, compiled, number)
        self.add(published, latest=True)
        return published

    def remove(self, name: str, version: int) -> PublishedVersion | None:
        """Drop a version from the registry; the caller closes it (after requests in flight finish)."""
        with self._lock:
            per_function = dict(self.versions.get(name, {}))
            published = per_function.pop(version, None)
            if published is None:
                return None
            versions = dict(self.versions)
            if per_function:
                versions[name] = per_function
            else:
                versions.pop(name, None)
            self.versions = versions
            return published

    def supersede(self, old: PublishedVersion, close_after: float) -> None:
        """`old` was replaced under its number (tiered compilation): requests that resolved it
        before may still call it, so it is closed at `close_after` (time.monotonic())."""
        for fn in old.functions.values():
            fn.shed()  # its ready instances go now: pool slots are bounded
        with self._lock:
            self._superseded.append((close_after, old))

    def unload(self, name: str, version: int, close_after: float) -> PublishedVersion | None:
        """Drop a version from the registry now (a deleted one): its ready instances go at once,
        and it is closed at `close_after` (time.monotonic()), as requests that resolved it before
        may still call it."""
        published = self.remove(name, version)
        if published is not None:
            self.supersede(published, close_after)
        return published

    def close_superseded(self, now: float) -> None:
        with self._lock:
            due = [old for when, old in self._superseded if when <= now]
            self._superseded = [(when, old) for when, old in self._superseded if when > now]
        for old in due:
            old.close()

    def apply(self, latest: dict[str, int], aliases: dict[str, dict[str, Alias]]) -> None:
        """Replace the latest numbers and every alias at once (the versions must be loaded)."""
        with self._lock:
            self.latest = dict(latest)
            self.aliases = {name: dict(targets) for name, targets in aliases.items()}

    def loaded(self, name: str, version: int) -> PublishedVersion | None:
        return self.versions.get(name, {}).get(version)

    # -- the request path --------------------------------------------------------------

    def pin(self) -> contextvars.Token[RequestView | None]:
        """Pin the current state for the running request (the front door calls this)."""
        return _view.set(RequestView(self))

    @staticmethod
    def unpin(token: contextvars.Token[RequestView | None]) -> None:
        _view.reset(token)

    def resolve(self, name: str, qualifier: str | None, event_type: str) -> Function | None:
        """The Function an association runs right now (None if it does not exist)."""
        view = _view.get()
        state = self if view is None else view  # unpinned callers (tests, tools) read the live state
        versions = state.versions.get(name)
        if not versions:
            return None
        if qualifier is None:
            number = state.latest.get(name)
        elif qualifier.isdigit():
            number = int(qualifier)
        else:
            alias = state.aliases.get(name, {}).get(qualifier)
            if alias is None:
                return None
            number = alias.pick() if view is None else view.pick(name, qualifier, alias)
        published = versions.get(number) if number is not None else None
        if published is None:
            return None
        return published.functions["viewer" if event_type in VIEWER_EVENTS else "origin"]

    def close(self) -> None:
        with self._lock:
            for versions in self.versions.values():
                for published in versions.values():
                    published.close()
            self.versions = {}
            superseded, self._superseded = self._superseded, []
        for _, old in superseded:
            old.close()
