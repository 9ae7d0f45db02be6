"""Which names of one kind — query-string parameters, headers or cookies — a policy includes.

CloudFront's cache policies and origin request policies both select names this way:
`none`, a whitelist, all except some, or all. The cache key takes one selection; what is
forwarded to the origin is the union of the cache key's and the origin request policy's,
so the origin always sees at least what the response is cached under.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NONE, WHITELIST, ALL_EXCEPT, ALL = "none", "whitelist", "allExcept", "all"


@dataclass(frozen=True)
class Selection:
    mode: str = NONE
    names: frozenset[str] = frozenset()
    case_insensitive: bool = False  # headers: True; query strings and cookies: False (as CloudFront)

    def __post_init__(self) -> None:
        if self.mode not in (NONE, WHITELIST, ALL_EXCEPT, ALL):
            raise ValueError(f"unknown selection mode {self.mode!r}")
        names = frozenset(n.lower() for n in self.names) if self.case_insensitive else frozenset(self.names)
        object.__setattr__(self, "names", names)

    @classmethod
    def whitelist(cls, names: Any, *, case_insensitive: bool = False) -> "Selection":
        names = frozenset(names)
        return cls(WHITELIST if names else NONE, names, case_insensitive)

    def includes(self, name: str) -> bool:
        if self.mode == NONE:
            return False
        if self.mode == ALL:
            return True
        if self.case_insensitive:
            name = name.lower()
        return (name in self.names) if self.mode == WHITELIST else (name not in self.names)

    @property
    def empty(self) -> bool:
        return self.mode == NONE

    def union(self, other: "Selection") -> "Selection":
        """Everything either selects (what is forwarded: the cache key's and the policy's)."""
        ci = self.case_insensitive or other.case_insensitive
        a, b = sorted((self, other), key=lambda s: _RANK[s.mode])
        if a.mode == NONE:
            return Selection(b.mode, b.names, ci)
        if b.mode == ALL:
            return Selection(ALL, frozenset(), ci)
        if a.mode == WHITELIST and b.mode == WHITELIST:
            return Selection(WHITELIST, a.names | b.names, ci)
        if a.mode == WHITELIST:  # whitelist with all-except: all except what neither includes
            return Selection(ALL_EXCEPT, b.names - a.names, ci)
        return Selection(ALL_EXCEPT, a.names & b.names, ci)

    def describe(self) -> Any:
        """The manifest form (for documents and messages)."""
        if self.mode in (NONE, ALL):
            return self.mode
        if self.mode == WHITELIST:
            return sorted(self.names)
        return {"all_except": sorted(self.names)}


_RANK = {NONE: 0, WHITELIST: 1, ALL_EXCEPT: 2, ALL: 3}
