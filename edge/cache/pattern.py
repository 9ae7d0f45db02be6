"""CloudFront path patterns (`*` any run of characters including `/`, `?` exactly one)."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A regex matching whole paths; the leading `/` is optional and matching is case-sensitive."""
    if not pattern.startswith("/"):
        pattern = "/" + pattern
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def path_matches(pattern: str, path: str) -> bool:
    """True when `path` (query string excluded) matches the pattern."""
    if not path.startswith("/"):
        path = "/" + path
    return compile_pattern(pattern).fullmatch(path) is not None
