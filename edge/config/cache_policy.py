"""What a cache behaviour caches and for how long: the analogue of a CloudFront cache policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .selection import ALL, NONE, Selection


@dataclass(frozen=True)
class CachePolicy:
    """TTL bounds and cache-key selection for one behaviour.

    Defaults are CloudFront's legacy settings (Min 0, Default 1 day, Max 1 year) with nothing but
    host and path in the key. `error_ttl` is the "Error Caching Minimum TTL" (10 s by default).
    Query strings and cookies are a `Selection` (none, whitelist, all except, all); headers a
    whitelist, as in CloudFront's cache policies. Header names are compared
    case-insensitively; query-string and cookie names are case-sensitive, as in CloudFront.
    """

    min_ttl: int = 0
    default_ttl: int = 86400
    max_ttl: int = 31536000
    query_strings: Any = NONE  # a Selection; "none", "all" or names are accepted and converted
    headers: tuple[str, ...] = ()
    cookies: Any = ()  # a Selection; names (a whitelist), "none" or "all" are accepted and converted
    error_ttl: int = 10

    def __post_init__(self) -> None:
        for name in ("min_ttl", "default_ttl", "max_ttl", "error_ttl"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"cache policy {name} must be a non-negative integer, got {value!r}")
        # CloudFront refuses a policy unless Min <= Default <= Max; so do we, so clamps never invert.
        if not self.min_ttl <= self.default_ttl <= self.max_ttl:
            raise ValueError(
                "cache policy TTLs must satisfy min_ttl <= default_ttl <= max_ttl, got "
                f"{self.min_ttl} / {self.default_ttl} / {self.max_ttl}"
            )
        object.__setattr__(self, "query_strings", _selection(self.query_strings, "query_strings"))
        object.__setattr__(self, "cookies", _selection(self.cookies, "cookies"))
        # Normalise once so keys never depend on how a config spelled a header name.
        object.__setattr__(self, "headers", tuple(sorted({str(n).lower() for n in self.headers})))

    @property
    def caches_nothing(self) -> bool:
        """Nothing is ever stored under this policy, so nothing is looked up either (CloudFront's
        CachingDisabled): an entry stored under an earlier policy is never served."""
        return self.max_ttl == 0 and self.error_ttl == 0

    @classmethod
    def disabled(cls) -> "CachePolicy":
        """CloudFront's managed CachingDisabled: every TTL 0, so nothing (not even errors) is stored."""
        return cls(min_ttl=0, default_ttl=0, max_ttl=0, error_ttl=0)

    @classmethod
    def optimized(cls) -> "CachePolicy":
        """CloudFront's managed CachingOptimized TTLs (Min 1 s); Accept-Encoding is not keyed here."""
        return cls(min_ttl=1)


def _selection(value: Any, what: str) -> Selection:
    if isinstance(value, Selection):
        return value
    if value in (NONE, ALL):
        return Selection(value)
    if isinstance(value, str) or not all(isinstance(n, str) for n in value):
        raise ValueError(f"{what} must be 'none', 'all', a list of names or a Selection, got {value!r}")
    return Selection.whitelist(value)
