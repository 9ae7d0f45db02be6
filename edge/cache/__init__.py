"""Response cache: CloudFront-style cache keys, TTL rules, an LRU store, revalidation, coalescing.

What a behavior caches (its cache policy) is configuration: edge/config/cache_policy.py; path
patterns, shared with behaviors and invalidations, are edge/patterns.py."""

from . import xcache
from .coalesce import Coalescer
from .entry import CachedResponse
from .key import cache_key, key_path
from ..patterns import compile_pattern, path_matches
from ..config.cache_policy import CachePolicy
from .revalidate import merge_headers, refreshed, revalidation_headers
from .store import ResponseCache
from .ttl import ttl_for

__all__ = [
    "CachePolicy",
    "CachedResponse",
    "Coalescer",
    "ResponseCache",
    "cache_key",
    "compile_pattern",
    "key_path",
    "merge_headers",
    "path_matches",
    "refreshed",
    "revalidation_headers",
    "ttl_for",
    "xcache",
]
